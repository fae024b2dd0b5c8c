import { describe, expect, it } from 'vitest';
import { DELAY_LADDER_MS, delayStep } from './topology.js';

describe('delayStep', () => {
  it('rounds a wanted delay down to a ladder step, never above it', () => {
    expect(delayStep(0)).toBe(250);
    expect(delayStep(999)).toBe(500);
    expect(delayStep(10_000)).toBe(10_000);
    expect(delayStep(12_345)).toBe(10_000);
    expect(delayStep(10 * 3_600_000)).toBe(DELAY_LADDER_MS.at(-1));
  });
});
