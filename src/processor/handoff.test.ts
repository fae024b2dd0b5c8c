import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { HEADER } from './delivery.js';
import { holdLeftMs, recoveryDelayMs, recoveryHeaders } from './handoff.js';

describe('handoff timing', () => {
  it('counts the hold from the delivery\'s arrival, not from the attempt\'s start', () => {
    const arrivedLongAgo = { receivedAt: performance.now() - 25_000 };
    const left = holdLeftMs(arrivedLongAgo, { handoffAfterMs: 30_000 });
    expect(left).toBeGreaterThan(4_000);
    expect(left).toBeLessThanOrEqual(5_000);
    expect(holdLeftMs({ receivedAt: performance.now() - 40_000 }, { handoffAfterMs: 30_000 })).toBeLessThan(0);
  });

  it('brings a recovery copy back after one lease period, marked with the attempt it stands in for', () => {
    expect(recoveryDelayMs({ leaseSeconds: 60 })).toBe(60_000);
    expect(recoveryHeaders(7)).toEqual({ [HEADER.recoveryOf]: 7 });
  });
});
