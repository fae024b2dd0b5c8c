import { describe, expect, it } from 'vitest';
import { EventClock, INDEX_SHARDS, indexBucket, indexPartition, indexRowKey, indexShardPrefix, newEventId } from './event-keys.js';

/** A wall clock and a monotonic clock the test moves by hand; `step` moves only the wall clock (a correction). */
function fakeClocks(startMs = 1_800_000_000_000) {
  let wall = startMs;
  let mono = 0;
  return {
    sources: { wallMs: () => wall, monoMs: () => mono },
    advance(ms: number) {
      wall += ms;
      mono += ms;
    },
    step(ms: number) {
      wall += ms;
    },
    get wall() {
      return wall;
    },
  };
}

describe('event keys', () => {
  it('makes event ids that sort by time and never repeat', () => {
    const ids = Array.from({ length: 1000 }, () => newEventId(1_700_000_000_000).eventId);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });

  it('orders the index newest first, within one millisecond too', () => {
    const ms = 1_800_000_000_000;
    const older = newEventId(ms);
    const newer = newEventId(ms);
    expect(older.ms).toBe(newer.ms);
    expect(indexRowKey(newer.ms, newer.eventId) < indexRowKey(older.ms, older.eventId)).toBe(true);
    expect(indexRowKey(ms + 1, 'x-000001-aa') < indexRowKey(ms, 'x-000002-aa')).toBe(true);
    expect(indexBucket(ms + 10 * 60 * 1000) < indexBucket(ms)).toBe(true);
  });

  it('keys the index by sub-partition, then bucket: within a sub-partition newer buckets sort first', () => {
    const ms = 1_800_000_000_000;
    const partition = indexPartition(ms, 7);
    expect(partition).toBe(`07-${indexBucket(ms)}`);
    expect(partition).toMatch(/^\d{2}-\d{13}$/);
    expect(() => indexPartition(ms, INDEX_SHARDS)).toThrow(RangeError);
    expect(indexShardPrefix(3)).toBe('03-');
    expect(`${indexShardPrefix(3)}${indexBucket(ms + 600_000)}` < `${indexShardPrefix(3)}${indexBucket(ms)}`).toBe(true);
  });
});

describe('EventClock', () => {
  it('follows the wall clock while it moves forward', () => {
    const clocks = fakeClocks();
    const clock = new EventClock(clocks.sources);
    const stamps = [0, 5, 1000, 1].map((ms) => {
      clocks.advance(ms);
      return clock.stamp();
    });
    expect(stamps).toEqual([clocks.wall - 1006, clocks.wall - 1001, clocks.wall - 1, clocks.wall]);
  });

  it('does not freeze after the wall clock is stepped back an hour: the new clock is accepted', () => {
    const clocks = fakeClocks();
    const clock = new EventClock(clocks.sources);
    const before = clock.stamp();
    clocks.step(-3_600_000);
    const stamps: number[] = [];
    for (let i = 0; i < 10; i++) {
      clocks.advance(1000);
      stamps.push(clock.stamp());
    }
    // Time moves on, one second per second, at the corrected time (today's code stamped `before` ten times).
    expect(new Set(stamps).size).toBe(10);
    expect(stamps.at(-1)! - stamps[0]!).toBe(9000);
    expect(stamps.at(-1)).toBe(clocks.wall);
    expect(stamps[0]).toBeLessThan(before);
  });

  it('keeps order through a small step back, still moving, and meets the wall clock again within twice the step', () => {
    const clocks = fakeClocks();
    const clock = new EventClock(clocks.sources, 10_000);
    let previous = clock.stamp();
    clocks.step(-2000);
    const stamps: number[] = [];
    for (let i = 0; i < 50; i++) {
      clocks.advance(100);
      const stamp = clock.stamp();
      expect(stamp).toBeGreaterThanOrEqual(previous);
      stamps.push(stamp);
      previous = stamp;
    }
    expect(stamps[10]! - stamps[0]!).toBeGreaterThan(0); // never frozen
    expect(stamps.at(-1)).toBe(clocks.wall); // 5 s later, caught up (the gap closes at half speed: 4 s)
  });

  it('never stamps before an observed cause a little ahead, and moves on from it', () => {
    const clocks = fakeClocks();
    const clock = new EventClock(clocks.sources, 10_000);
    const cause = clocks.wall + 5000;
    clock.observe(cause);
    const first = clock.stamp();
    clocks.advance(1000);
    const second = clock.stamp();
    expect(first).toBeGreaterThanOrEqual(cause);
    expect(second).toBeGreaterThan(first);
    clocks.advance(20_000);
    expect(clock.stamp()).toBe(clocks.wall);
  });

  it('ignores a cause from a clock far ahead', () => {
    const clocks = fakeClocks();
    const clock = new EventClock(clocks.sources, 10_000);
    clock.observe(clocks.wall + 3_600_000);
    expect(clock.stamp()).toBe(clocks.wall);
  });
});
