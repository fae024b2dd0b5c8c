/** @module What a failed attempt leads to: a retry after a backoff, or the dead-letter queue. Pure. */
import { UnrecoverableJobError } from '../core/errors.js';
import { backoffMs } from '../core/time.js';

export type RetryDecision =
  | { readonly kind: 'retry'; readonly delayMs: number; readonly failures: number }
  | { readonly kind: 'dead-letter'; readonly reason: string; readonly failures: number };

export interface RetrySettings {
  readonly maxAttempts: number;
  readonly retryBaseMs: number;
  readonly retryMaxMs: number;
}

/** `failuresBefore` counts the job's failed attempts before this one. */
export function decideRetry(error: Error, failuresBefore: number, settings: RetrySettings, random: () => number = Math.random): RetryDecision {
  const failures = failuresBefore + 1;
  if (error instanceof UnrecoverableJobError) {
    return { kind: 'dead-letter', failures, reason: `unrecoverable: ${error.message}` };
  }
  if (failures >= settings.maxAttempts) {
    return { kind: 'dead-letter', failures, reason: `failed ${failures} of ${settings.maxAttempts} attempts; last error: ${error.message}` };
  }
  return { kind: 'retry', failures, delayMs: backoffMs(failures, settings.retryBaseMs, settings.retryMaxMs, random) };
}
