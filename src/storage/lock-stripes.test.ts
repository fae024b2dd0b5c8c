import { describe, expect, it } from 'vitest';
import { lockBlobName } from './blob-lease-store.js';
import { describeLock, isStripeKey, LOCK_STRIPES, stripeKey, stripeOf } from './lock-stripes.js';

describe('lock stripes', () => {
  it('maps a jobId to the same stripe every time, on every machine (fixed values)', () => {
    // Changing the hash or the count would let two processor versions lease different blobs for one job.
    expect(LOCK_STRIPES).toBe(16_384);
    expect(stripeOf('')).toBe(0x811c9dc5 % LOCK_STRIPES);
    expect(stripeOf('job-1')).toBe(stripeOf('job-1'));
    expect([stripeOf('a'), stripeOf('job-1'), stripeOf('3f1e7c2a-0000-4000-8000-000000000000')]).toEqual([10_540, 10_518, 15_333]);
  });

  it('spreads jobIds evenly over the stripes', () => {
    const counts = new Map<number, number>();
    const n = 100_000;
    for (let i = 0; i < n; i++) {
      const stripe = stripeOf(`job-${i}-${(i * 2_654_435_761) >>> 0}`);
      counts.set(stripe, (counts.get(stripe) ?? 0) + 1);
    }
    expect(Math.min(...counts.keys())).toBeGreaterThanOrEqual(0);
    expect(Math.max(...counts.keys())).toBeLessThan(LOCK_STRIPES);
    expect(counts.size).toBeGreaterThan(LOCK_STRIPES * 0.99);
    expect(Math.max(...counts.values())).toBeLessThan(5 * (n / LOCK_STRIPES));
  });

  it('gives stripe keys no job lock key can have, with a blob name of their own', () => {
    const key = stripeKey('job-1');
    expect(isStripeKey(key)).toBe(true);
    expect(isStripeKey('job-1')).toBe(false);
    expect(key.charCodeAt(0)).toBe(1); // a control character: job lock keys refuse them
    expect(lockBlobName(key)).toBe(`lock-%01stripe%3A${stripeOf('job-1')}`);
    expect(describeLock(key)).toBe(`lock stripe ${stripeOf('job-1')}`);
    expect(describeLock('report:monthly')).toBe('lock key "report:monthly"');
  });
});
