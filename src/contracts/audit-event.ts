/** @module Audit events: the statuses of the contract and the shape served by the REST API. */
import { z } from 'zod';
import { jobIdSchema } from './job-request.js';

export const AUDIT_STATUSES = [
  'Queued',
  'Started',
  'Step',
  'Completed',
  'Failed',
  'Retrying',
  'DeadLettered',
  'Deferred',
  'Duplicate',
  /** Stopped by its processor shutting down; delivered again (`Cancelled` before the second edition). */
  'Interrupted',
  'LeaseLost',
  'Rejected',
  /** An operator cancelled the job: final, like Completed (second edition). */
  'Cancelled',
  /** Accepted with a due time in the future; `dueAt` names it (second edition). */
  'Scheduled',
  /** The attempt ran past its timeoutSeconds and was stopped; a failure (second edition). */
  'TimedOut',
  /** The tenant is at its concurrency or rate limit; the job comes back later, no attempt counted (second edition). */
  'Throttled',
  /** An operator asked to cancel the job; `message` names who (second edition). */
  'CancelRequested',
  /** An operator sent a dead-lettered or cancelled job to run again, with a fresh maxAttempts budget (second edition). */
  'Requeued',
] as const;

export type AuditStatus = (typeof AUDIT_STATUSES)[number];

/** The statuses that end an attempt; every attempt begins with `Started` and ends with exactly one of these. */
export const ATTEMPT_END_STATUSES = ['Completed', 'Failed', 'TimedOut', 'Interrupted', 'Cancelled', 'LeaseLost'] as const satisfies readonly AuditStatus[];

export const auditEventSchema = z.object({
  jobId: jobIdSchema,
  eventId: z.string(),
  status: z.enum(AUDIT_STATUSES),
  message: z.string(),
  timestamp: z.iso.datetime(),
  processorId: z.string(),
  attempt: z.number().int().min(0),
  step: z.number().int().min(0).optional(),
  totalSteps: z.number().int().min(0).optional(),
  /** Failed and TimedOut events: the error's stack or cause, redacted, at most 4 KB (second edition). */
  detail: z.string().optional(),
  /** Scheduled: the instant the job may start. */
  dueAt: z.iso.datetime().optional(),
  /** Not in the contract's minimum: lets lists show the job's name without a second lookup. */
  jobName: z.string().optional(),
  /** Queued events: the job's description, so that its panel can show what the job is without the message. */
  description: z.string().optional(),
  /** Queued events: the job's processingParameters (and inputFilePath) as JSON text, at most 4 KB. */
  parameters: z.string().optional(),
});

export type AuditEvent = z.infer<typeof auditEventSchema>;

/** An event before storage gives it an id. */
export type NewAuditEvent = Omit<AuditEvent, 'eventId'>;
