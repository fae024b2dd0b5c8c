/**
 * @module Admission gate "is the job due?". A job received before its due time (a producer sent it
 * straight to `<ns>.jobs`, a clock differs, or its wait is longer than one trip through the delay
 * levels) goes back to wait for the rest; it never starts early.
 */
import type { JobRequest } from '../contracts/job-request.js';
import { messageDueAtMs } from '../broker/due-time.js';

export type DueAnswer = { readonly kind: 'run' } | { readonly kind: 'wait'; readonly dueAtMs: number; readonly remainingMs: number };

export function dueGate(job: Pick<JobRequest, 'runAt' | 'delayMs'>, headers: Record<string, unknown>, nowMs: number = Date.now()): DueAnswer {
  const dueAtMs = messageDueAtMs(job, headers, nowMs);
  if (dueAtMs === undefined || dueAtMs <= nowMs) return { kind: 'run' };
  return { kind: 'wait', dueAtMs, remainingMs: dueAtMs - nowMs };
}
