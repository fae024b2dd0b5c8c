import { describe, expect, it } from 'vitest';
import { DURATION_BUCKETS_MS, type MinuteRow } from '../contracts/fleet.js';
import { bucketIndex, emptyTypeMinute } from '../processor/minute-rollup.js';
import { buildCharts, quantile } from './charts.js';

const NOW = Date.parse('2026-12-02T10:30:20.000Z');

function row(minute: string, processorId: string, type: string, fill: (t: ReturnType<typeof emptyTypeMinute>) => void): MinuteRow {
  const figures = emptyTypeMinute();
  fill(figures);
  return { minute, processorId, types: { [type]: figures } };
}

describe('charts', () => {
  it('interpolates quantiles within buckets and says null for an empty histogram', () => {
    const hist = new Array<number>(DURATION_BUCKETS_MS.length + 1).fill(0);
    expect(quantile(hist, 0.5)).toBeNull();
    hist[bucketIndex(80)] = 10; // 50 < x <= 100
    expect(quantile(hist, 0.5)).toBe(75);
    expect(quantile(hist, 1)).toBe(100);
  });

  it('merges processors per minute and type, and counts dead-lettered per hour', () => {
    const rows = [
      row('2026-12-02T10:30:00.000Z', 'p1', 'steps', (t) => { t.completed = 2; t.run[bucketIndex(80)] = 2; }),
      row('2026-12-02T10:30:00.000Z', 'p2', 'steps', (t) => { t.completed = 3; t.failed = 1; t.deadLettered = 1; t.run[bucketIndex(80)] = 4; }),
      row('2026-12-02T09:45:00.000Z', 'p1', 'mail', (t) => { t.failed = 1; t.deadLettered = 1; }),
      row('2026-12-02T08:00:00.000Z', 'p1', 'mail', (t) => { t.completed = 9; }), // outside the hour
    ];
    const charts = buildCharts(rows, '1h', NOW);
    expect(charts.minutes).toHaveLength(60);
    expect(charts.minutes.at(-1)).toBe(Date.parse('2026-12-02T10:30:00.000Z') / 1000);
    expect(charts.types).toEqual(['mail', 'steps']);
    expect(charts.completed.steps!.at(-1)).toBe(5);
    expect(charts.failed.steps!.at(-1)).toBe(1);
    expect(charts.completed.mail!.reduce((a, b) => a + b, 0)).toBe(0);
    expect(charts.run.p50.at(-1)).toBe(75);
    expect(charts.wait.p50.at(-1)).toBeNull();
    expect(charts.deadLettered.hours.map((h) => new Date(h * 1000).toISOString())).toEqual(['2026-12-02T09:00:00.000Z', '2026-12-02T10:00:00.000Z']);
    expect(charts.deadLettered.counts).toEqual([1, 1]);
  });
});
