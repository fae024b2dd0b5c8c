import { describe, expect, it } from 'vitest';
import { demoMayPublish } from './demo-publisher.js';

describe("the demo's pacing", () => {
  it('publishes only while fewer jobs wait than the fleet runs at once', () => {
    expect(demoMayPublish(0, 2)).toBe(true);
    expect(demoMayPublish(1, 2)).toBe(true);
    expect(demoMayPublish(2, 2)).toBe(false);
    expect(demoMayPublish(40, 2)).toBe(false);
  });

  it('waits when the backlog is unknown', () => {
    expect(demoMayPublish(undefined, 2)).toBe(false);
  });
});
