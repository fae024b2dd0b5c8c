import { describe, expect, it } from 'vitest';
import { INDEX_SHARDS, indexBucket, indexPartition, indexRowKey, indexShardPrefix, newEventId } from './event-keys.js';

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
