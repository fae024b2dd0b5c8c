import { describe, expect, it } from 'vitest';
import { CATCH_UP_WINDOW_MS, compileCron, CronError, dueTimesToFire, nextRuns } from './cron.js';

const iso = (dates: Date[]) => dates.map((d) => d.toISOString());

describe('compileCron', () => {
  it('takes 5 fields, or 6 with seconds first', () => {
    expect(iso(nextRuns(compileCron('0 9 * * *', 'UTC'), Date.parse('2026-12-02T08:00:00Z'), 1))).toEqual(['2026-12-02T09:00:00.000Z']);
    expect(iso(nextRuns(compileCron('*/2 * * * * *'), Date.parse('2026-12-02T08:00:00.500Z'), 2))).toEqual(['2026-12-02T08:00:02.000Z', '2026-12-02T08:00:04.000Z']);
  });

  it('refuses a bad expression or zone with an error naming it', () => {
    expect(() => compileCron('61 * * * *')).toThrow(CronError);
    expect(() => compileCron('* * *')).toThrow(/5 fields/);
    expect(() => compileCron('* * * * * * *')).toThrow(/got 7/);
    expect(() => compileCron('0 9 * * *', 'Mars/Olympus')).toThrow(/time zone "Mars\/Olympus"/);
  });
});

describe('daylight-saving changes', () => {
  it('keeps 09:00 local across the change (America/New_York, second Sunday of March)', () => {
    const runs = iso(nextRuns(compileCron('0 9 * * *', 'America/New_York'), Date.parse('2026-03-07T12:00:00Z'), 2));
    expect(runs).toEqual(['2026-03-07T14:00:00.000Z', '2026-03-08T13:00:00.000Z']);
  });

  it('fires a time skipped by the spring change once that day (Europe/Berlin 02:30 on 29 March 2026)', () => {
    const runs = nextRuns(compileCron('30 2 * * *', 'Europe/Berlin'), Date.parse('2026-03-28T00:00:00Z'), 3);
    expect(iso(runs)).toEqual(['2026-03-28T01:30:00.000Z', '2026-03-29T01:30:00.000Z', '2026-03-30T00:30:00.000Z']);
    expect(runs.filter((d) => d.toISOString().startsWith('2026-03-29'))).toHaveLength(1);
  });

  it('fires a time repeated by the autumn change once, not twice (Europe/Berlin 02:30 on 25 October 2026)', () => {
    const runs = iso(nextRuns(compileCron('30 2 * * *', 'Europe/Berlin'), Date.parse('2026-10-24T00:00:00Z'), 3));
    expect(runs).toEqual(['2026-10-24T00:30:00.000Z', '2026-10-25T01:30:00.000Z', '2026-10-26T01:30:00.000Z']);
  });

  it('runs an hourly schedule every real hour through the autumn change', () => {
    const runs = nextRuns(compileCron('0 * * * *', 'Europe/Berlin'), Date.parse('2026-10-24T23:30:00Z'), 4);
    const gaps = runs.slice(1).map((d, i) => d.getTime() - runs[i]!.getTime());
    expect(new Set(gaps)).toEqual(new Set([3_600_000]));
  });
});

describe('dueTimesToFire', () => {
  const everyTwoSeconds = compileCron('*/2 * * * * *');
  const daily = compileCron('0 9 * * *', 'UTC');

  it('fires every due time missed in a short handover, in order', () => {
    const last = Date.parse('2026-12-02T08:00:00Z');
    expect(dueTimesToFire(everyTwoSeconds, last, last + 7_000).map((ms) => ms - last)).toEqual([2_000, 4_000, 6_000]);
    expect(dueTimesToFire(everyTwoSeconds, last, last + 1_999)).toEqual([]);
  });

  it('fires a due time missed during a long downtime once, late', () => {
    const last = Date.parse('2026-12-01T09:00:00Z');
    const now = Date.parse('2026-12-04T15:00:00Z'); // three days down
    expect(dueTimesToFire(daily, last, now)).toEqual([Date.parse('2026-12-04T09:00:00Z')]);
  });

  it('after a downtime longer than the catch-up window, fires a frequent schedule once, at its latest due time', () => {
    const last = Date.parse('2026-12-02T08:00:00Z');
    expect(dueTimesToFire(everyTwoSeconds, last, last + 3_600_001)).toEqual([last + 3_600_000]);
    expect(dueTimesToFire(everyTwoSeconds, last, last + CATCH_UP_WINDOW_MS + 2_500)).toEqual([last + CATCH_UP_WINDOW_MS + 2_000]);
  });
});
