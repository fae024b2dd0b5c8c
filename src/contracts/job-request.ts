/** @module The job request: the JSON body of a message on `<ns>.jobs`, its schema, defaults and parser. */
import { z } from 'zod';

export const JOB_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
export const JOB_TYPE_PATTERN = /^[A-Za-z][A-Za-z0-9._-]{0,63}$/;
/** How far ahead `runAt` may lie, and the largest `delayMs`: 366 days. */
export const MAX_SCHEDULE_AHEAD_MS = 366 * 86_400_000;
/** Bodies above this are refused before JSON parsing: a job request is a small document, not a payload store. */
export const MAX_MESSAGE_BYTES = 256 * 1024;

const noControlChars = (value: string) => !/[\u0000-\u001f\u007f]/.test(value);

export const jobIdSchema = z.string().regex(JOB_ID_PATTERN, 'must match ^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$');

export const jobRequestSchema = z
  .object({
    jobId: jobIdSchema,
    jobName: z.string().min(1).max(200),
    description: z.string().max(2000).optional(),
    createdAt: z.iso.datetime({ offset: true }).optional(),
    type: z.string().regex(JOB_TYPE_PATTERN, 'must be a handler name like "steps"').default('steps'),
    lockKey: z.string().min(1).max(256).refine(noControlChars, 'must not contain control characters').optional(),
    maxAttempts: z.number().int().min(1).max(100).optional(),
    priority: z.number().int().min(0).max(255).optional(),
    inputFilePath: z.string().max(1024).optional(),
    processingParameters: z.record(z.string(), z.unknown()).optional(),
    /** One attempt's time limit: past it the attempt is stopped and `TimedOut` recorded (a failure). */
    timeoutSeconds: z.number().int().min(1).max(604_800).optional(),
    /** Do not start before this instant (a past instant: at once). */
    runAt: z.iso.datetime({ offset: true }).optional(),
    /** Do not start before this many ms after the job was accepted. */
    delayMs: z.number().int().min(0).max(MAX_SCHEDULE_AHEAD_MS).optional(),
  })
  .strict()
  .refine((job) => job.runAt === undefined || job.delayMs === undefined, { message: 'give runAt or delayMs, not both', path: ['delayMs'] });

/** A job request as a producer may write it (defaults not yet applied). */
export type JobRequestInput = z.input<typeof jobRequestSchema>;

/** A validated job request with its defaults resolved: every processor sees the same values. */
export type JobRequest = Omit<z.output<typeof jobRequestSchema>, 'createdAt' | 'lockKey'> & {
  readonly createdAt: string;
  readonly lockKey: string;
};

export type ParseResult =
  | { readonly ok: true; readonly job: JobRequest }
  | { readonly ok: false; readonly reason: string; readonly jobId?: string };

/** Validates a decoded value; `now` is the receipt time used when `createdAt` is absent. */
export function validateJobRequest(value: unknown, now: Date = new Date()): ParseResult {
  const result = jobRequestSchema.safeParse(value);
  if (!result.success) {
    return { ok: false, reason: describeIssues(result.error), ...usableJobId(value) };
  }
  const job = result.data;
  if (job.runAt !== undefined && Date.parse(job.runAt) - now.getTime() > MAX_SCHEDULE_AHEAD_MS) {
    return { ok: false, reason: `runAt: at most 366 days ahead (got ${job.runAt})`, jobId: job.jobId };
  }
  return {
    ok: true,
    job: { ...job, createdAt: job.createdAt ?? now.toISOString(), lockKey: job.lockKey ?? job.jobId },
  };
}

/** Parses a raw message body: size, UTF-8, JSON, then the schema. Never throws. */
export function parseJobRequest(body: Uint8Array, now: Date = new Date()): ParseResult {
  if (body.byteLength === 0) return { ok: false, reason: 'empty message body' };
  if (body.byteLength > MAX_MESSAGE_BYTES) {
    return { ok: false, reason: `message body is ${body.byteLength} bytes; the limit is ${MAX_MESSAGE_BYTES}` };
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    return { ok: false, reason: 'message body is not valid UTF-8' };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, reason: `message body is not JSON: ${(error as Error).message}` };
  }
  return validateJobRequest(value, now);
}

/** One line per problem, naming the field: this text goes into the dead-letter header and the audit. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : 'body'}: ${issue.message}`)
    .join('; ');
}

function usableJobId(value: unknown): { jobId?: string } {
  if (typeof value !== 'object' || value === null) return {};
  const jobId = (value as Record<string, unknown>).jobId;
  return typeof jobId === 'string' && JOB_ID_PATTERN.test(jobId) ? { jobId } : {};
}
