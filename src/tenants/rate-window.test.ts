import { describe, expect, it } from 'vitest';
import { parseRate } from '../contracts/tenant-limits.js';
import { decideRate, EMPTY_RATE_STATE, type RateState } from './rate-window.js';

/** Runs a stream of attempts (one every stepMs) and returns the times that were allowed. */
function simulate(rateText: string, stepMs: number, untilMs: number): number[] {
  const rate = parseRate(rateText)!;
  let state: RateState = EMPTY_RATE_STATE;
  const allowed: number[] = [];
  for (let now = 0; now < untilMs; now += stepMs) {
    const decision = decideRate(rate, state, now);
    if (decision.allowed) {
      state = decision.next;
      allowed.push(now);
    } else {
      expect(decision.retryAtMs).toBeGreaterThan(now);
    }
  }
  return allowed;
}

function maxInWindow(times: number[], windowMs: number): number {
  let max = 0;
  for (const start of times) max = Math.max(max, times.filter((t) => t >= start && t < start + windowMs).length);
  return max;
}

describe('decideRate', () => {
  it('allows a burst of N, then never more than N in any window of the period', () => {
    const allowed = simulate('5/s', 10, 10_000);
    expect(allowed.slice(0, 5)).toEqual([0, 10, 20, 30, 40]);
    expect(maxInWindow(allowed, 1000)).toBe(5);
    expect(allowed.length).toBe(50);
  });

  it('says when the next start is allowed: when the Nth newest start leaves the window', () => {
    const rate = parseRate('2/min')!;
    const state: RateState = { starts: [1000, 5000], tatMs: 0 };
    expect(decideRate(rate, state, 6000)).toEqual({ allowed: false, retryAtMs: 61_000 });
    expect(decideRate(rate, state, 61_001).allowed).toBe(true);
  });

  it('uses a GCRA without burst above the log limit: N per period at an even pace', () => {
    const allowed = simulate('2000/min', 5, 120_000);
    expect(maxInWindow(allowed, 60_000)).toBeLessThanOrEqual(2001);
    expect(allowed.length).toBeGreaterThanOrEqual(3999);
    expect(allowed[1]! - allowed[0]!).toBe(30);
  });
});

describe('parseRate', () => {
  it('reads N/s, N/min and N/h and refuses anything else', () => {
    expect(parseRate('10/min')).toMatchObject({ count: 10, periodMs: 60_000 });
    expect(parseRate('3/h')).toMatchObject({ count: 3, periodMs: 3_600_000 });
    expect(parseRate('5/10s')).toMatchObject({ count: 5, periodMs: 10_000 });
    for (const bad of ['0/s', '10/day', '10', '-1/s', '1.5/s', '5/0s', '5/s10']) expect(parseRate(bad)).toBeUndefined();
  });
});
