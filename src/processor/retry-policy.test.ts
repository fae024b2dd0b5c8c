import { describe, expect, it } from 'vitest';
import { UnrecoverableJobError } from '../core/errors.js';
import { decideRetry } from './retry-policy.js';

const settings = { maxAttempts: 3, retryBaseMs: 1000, retryMaxMs: 60_000 };

describe('decideRetry', () => {
  it('retries with a growing, jittered delay below maxAttempts', () => {
    const first = decideRetry(new Error('x'), 0, settings, () => 0.5);
    const second = decideRetry(new Error('x'), 1, settings, () => 0.5);
    expect(first).toEqual({ kind: 'retry', failures: 1, delayMs: 750 });
    expect(second).toEqual({ kind: 'retry', failures: 2, delayMs: 1500 });
    const low = decideRetry(new Error('x'), 1, settings, () => 0);
    const high = decideRetry(new Error('x'), 1, settings, () => 1);
    expect(low.kind === 'retry' && high.kind === 'retry' && low.delayMs < high.delayMs).toBe(true);
  });

  it('dead-letters at maxAttempts, and at once for an unrecoverable error', () => {
    expect(decideRetry(new Error('boom'), 2, settings)).toMatchObject({ kind: 'dead-letter', failures: 3 });
    expect(decideRetry(new UnrecoverableJobError('bad input'), 0, settings)).toMatchObject({ kind: 'dead-letter', failures: 1 });
  });
});
