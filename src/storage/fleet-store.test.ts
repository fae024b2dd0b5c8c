import { describe, expect, it } from 'vitest';
import { dayPartition, dayPartitions } from './fleet-store.js';

describe('fleet table partitions', () => {
  it('is one partition per UTC day, and a window names every day it touches', () => {
    expect(dayPartition(Date.parse('2026-12-02T00:30:00.000Z'))).toBe('d20261202');
    expect(dayPartitions(Date.parse('2026-12-01T23:30:00.000Z'), Date.parse('2026-12-02T00:30:00.000Z'))).toEqual(['d20261201', 'd20261202']);
    expect(dayPartitions(Date.parse('2026-12-02T01:00:00.000Z'), Date.parse('2026-12-02T02:00:00.000Z'))).toEqual(['d20261202']);
    // 24 hours back from any moment spans two days.
    expect(dayPartitions(Date.parse('2026-12-01T10:00:00.000Z'), Date.parse('2026-12-02T10:00:00.000Z'))).toHaveLength(2);
  });
});
