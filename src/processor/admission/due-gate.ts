/**
 * @module Job gate "is the job due?". A job received before its due time (a producer sent it straight
 * to `<ns>.jobs`, clocks differ, or its wait is longer than one trip through the delay levels) goes
 * back to wait for the rest, its due time pinned in a header; it never starts early. No event: the
 * job's Scheduled event already names the due time.
 */
import type { JobRequest } from '../../contracts/job-request.js';
import { DUE_AT_HEADER, messageDueAtMs } from '../../broker/due-time.js';
import type { Candidate } from './gate.js';
import { run, type Stop, type Verdict } from './verdict.js';

export type DueAnswer = { readonly kind: 'run' } | { readonly kind: 'wait'; readonly dueAtMs: number; readonly remainingMs: number };

/** The pure question, for a job and its message's headers at `nowMs`. */
export function dueAnswer(job: Pick<JobRequest, 'runAt' | 'delayMs'>, headers: Record<string, unknown>, nowMs: number = Date.now()): DueAnswer {
  const dueAtMs = messageDueAtMs(job, headers, nowMs);
  if (dueAtMs === undefined || dueAtMs <= nowMs) return { kind: 'run' };
  return { kind: 'wait', dueAtMs, remainingMs: dueAtMs - nowMs };
}

export function dueGate({ delivery, job }: Candidate): Verdict {
  const answer = dueAnswer(job, delivery.headers);
  if (answer.kind === 'run') return run(undefined);
  const stop: Stop = {
    kind: 'stop',
    outcome: 'waiting',
    // Rounded up: the delay levels round up again, so the message comes back at or after its due time.
    move: { kind: 'wait', delayMs: Math.ceil(answer.remainingMs), headers: { [DUE_AT_HEADER]: answer.dueAtMs } },
  };
  return stop;
}
