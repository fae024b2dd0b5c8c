import { describe, expect, it } from 'vitest';
import { progressLine } from './console-progress.js';

describe('progressLine', () => {
  it('draws the share done, the count, the rate and the time left', () => {
    expect(progressLine(100, 400, 0.5)).toBe(`publishing [${'█'.repeat(8)}${'░'.repeat(22)}] 100/400 jobs | 200 jobs/s | eta 2 s`);
    expect(progressLine(400, 400, 2)).toBe(`publishing [${'█'.repeat(30)}] 400/400 jobs | 200 jobs/s | eta 0 s`);
  });

  it('shows the count and rate alone when the total is unknown (jobs read from stdin)', () => {
    expect(progressLine(50, undefined, 1)).toBe('publishing 50 jobs | 50 jobs/s');
  });

  it('does not divide by zero at the start', () => {
    expect(progressLine(0, 10, 0)).toContain('0/10 jobs | 0 jobs/s | eta …');
  });
});
