import { describe, expect, it } from 'vitest';
import { parseDuration } from './duration.js';

describe('parseDuration', () => {
  it('reads the units of the publish flags, and sums combined segments', () => {
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('15m')).toBe(900_000);
    expect(parseDuration('2h')).toBe(7_200_000);
    expect(parseDuration('3d')).toBe(259_200_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration(' 1h30m ')).toBe(5_400_000);
  });

  it('refuses anything else with a message naming the accepted forms', () => {
    for (const bad of ['', '90', 's', '1.5h', '-3s', '2 h', '3w', '1h 30m', '10sx']) {
      expect(() => parseDuration(bad), bad).toThrow(/like 90s, 15m/);
    }
  });
});
