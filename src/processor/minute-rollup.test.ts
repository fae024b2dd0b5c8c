import { describe, expect, it } from 'vitest';
import { DURATION_BUCKETS_MS } from '../contracts/fleet.js';
import { bucketIndex, MinuteRollup } from './minute-rollup.js';

const T0 = Date.parse('2026-12-02T10:00:00.000Z');

describe('MinuteRollup', () => {
  it('buckets durations by their upper bound, longer ones in the last bucket', () => {
    expect(bucketIndex(0)).toBe(0);
    expect(bucketIndex(5)).toBe(0);
    expect(bucketIndex(6)).toBe(1);
    expect(bucketIndex(10 * 3_600_000)).toBe(DURATION_BUCKETS_MS.length);
  });

  it('counts ends and waits per minute and type, and rewrites a minute changed after it was written', () => {
    const rollup = new MinuteRollup('p1');
    rollup.recordEnd('steps', T0 + 1000, 'completed', 40);
    rollup.recordEnd('steps', T0 + 2000, 'dead-lettered', 70);
    rollup.recordWait('steps', T0 + 3000, 8);
    rollup.recordEnd('mail', T0 + 61_000, 'failed', 3);
    const rows = rollup.pending(99);
    expect(rows.map((r) => r.minute)).toEqual(['2026-12-02T10:00:00.000Z', '2026-12-02T10:01:00.000Z']);
    expect(rows[0]!.types.steps).toMatchObject({ completed: 1, failed: 1, deadLettered: 1 });
    expect(rows[0]!.types.steps!.wait[bucketIndex(8)]).toBe(1);
    expect(rows[1]!.types.mail).toMatchObject({ completed: 0, failed: 1 });

    const versions = rollup.versions(rows);
    rollup.recordEnd('mail', T0 + 62_000, 'completed', 3); // arrives while the write is in flight
    rollup.written(rows, versions, T0 + 65_000);
    // The closed minute is done; the open one changed after it was taken and is written again.
    expect(rollup.pending(99).map((r) => [r.minute, r.types.mail?.completed])).toEqual([['2026-12-02T10:01:00.000Z', 1]]);
  });

  it('keeps everything pending while writes fail, and hands out at most the limit, oldest first', () => {
    const rollup = new MinuteRollup('p1');
    for (let i = 0; i < 5; i++) rollup.recordEnd('steps', T0 + i * 60_000, 'completed', 1);
    expect(rollup.pending(2).map((r) => r.minute)).toEqual(['2026-12-02T10:00:00.000Z', '2026-12-02T10:01:00.000Z']);
    expect(rollup.pending(99)).toHaveLength(5);
  });
});
