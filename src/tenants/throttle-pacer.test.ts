import { describe, expect, it } from 'vitest';
import { MAX_PARK_MS, ThrottlePacer } from './throttle-pacer.js';

describe('ThrottlePacer', () => {
  it('remembers a full tenant for about one attempt / N, and forgets it when a slot is given back here', () => {
    const pacer = new ThrottlePacer(15_000);
    expect(pacer.knownFull('a', 0)).toBe(false);
    const until = pacer.markFull('a', 2, 1000); // default attempt time 2 s / 2 slots
    expect(until).toBe(2000);
    expect(pacer.knownFull('a', 1500)).toBe(true);
    expect(pacer.knownFull('a', 2000)).toBe(false);
    pacer.markFull('a', 2, 3000);
    pacer.slotFreed('a', 1000);
    expect(pacer.knownFull('a', 3001)).toBe(false);
    expect(pacer.knownFull('b', 3001)).toBe(false);
  });

  it('spaces parked jobs by the tenant\'s pace, so a backlog comes back about as fast as it can run', () => {
    const pacer = new ThrottlePacer(15_000);
    const dues = Array.from({ length: 5 }, () => pacer.park('a', 0, 500, 500));
    expect(dues).toEqual([500, 1000, 1500, 2000, 2500]);
    expect(pacer.waiting(1200).get('a')).toBe(3);
    // Once the parked stretch has passed, the next job is parked from now again.
    expect(pacer.park('a', 10_000, 10_250, 500)).toBe(10_250);
  });

  it('never parks a job for longer than the longest delay, nor for less than a moment', () => {
    const pacer = new ThrottlePacer(15_000);
    expect(pacer.park('a', 0, 10 * MAX_PARK_MS, 0)).toBe(MAX_PARK_MS);
    expect(pacer.park('b', 0, 0, 0)).toBe(250);
  });
});
