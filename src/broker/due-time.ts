/**
 * @module When a job may start: its due time from `runAt` or `delayMs`, and the headers that carry it
 * on a message. The publisher pins the due time in `x-baton-due-at` when it accepts a job; a message
 * without the header (any producer's) gets it from the first processor that receives it, so a job's
 * `delayMs` counts from its acceptance once, not from every delivery.
 */
import type { JobRequest } from '../contracts/job-request.js';

/** The instant (ms since the epoch) a job may start, set by whoever accepted it. */
export const DUE_AT_HEADER = 'x-baton-due-at';
/** Set on the copy `run-now` sends: that copy starts at once, whatever its due time. */
export const RUN_NOW_HEADER = 'x-baton-run-now';

/** The due time of a job accepted at `acceptedAtMs`, or undefined when it has none (start at once). */
export function jobDueAtMs(job: Pick<JobRequest, 'runAt' | 'delayMs'>, acceptedAtMs: number): number | undefined {
  if (job.runAt !== undefined) return Date.parse(job.runAt);
  if (job.delayMs !== undefined) return acceptedAtMs + job.delayMs;
  return undefined;
}

/** The due time a received message carries: the pinned header first, else the job's own fields. */
export function messageDueAtMs(job: Pick<JobRequest, 'runAt' | 'delayMs'>, headers: Record<string, unknown>, receivedAtMs: number): number | undefined {
  if (headers[RUN_NOW_HEADER] !== undefined) return undefined;
  const pinned = Number(headers[DUE_AT_HEADER]);
  if (headers[DUE_AT_HEADER] !== undefined && Number.isFinite(pinned)) return pinned;
  return jobDueAtMs(job, receivedAtMs);
}
