import { describe, expect, it } from 'vitest';
import { HEADROOM, ThrottlePrefetch } from './throttle-prefetch.js';

describe('ThrottlePrefetch', () => {
  it('widens the window while most deliveries are throttled, and narrows it when they are not', () => {
    const applied: number[] = [];
    const prefetch = new ThrottlePrefetch(4, async (n) => void applied.push(n));
    for (let i = 0; i < 20; i++) prefetch.observe(i % 10 === 0);
    expect(applied).toEqual([]);
    for (let i = 0; i < 40; i++) prefetch.observe(true);
    expect(applied).toEqual([4 + HEADROOM]);
    for (let i = 0; i < 50; i++) prefetch.observe(false);
    expect(applied).toEqual([4 + HEADROOM, 4]);
    expect(prefetch.current).toBe(4);
  });
});
