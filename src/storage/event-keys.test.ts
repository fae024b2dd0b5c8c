import { describe, expect, it } from 'vitest';
import { indexPartition, indexRowKey, newEventId } from './event-keys.js';

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
    expect(indexPartition(ms + 10 * 60 * 1000) < indexPartition(ms)).toBe(true);
  });
});
