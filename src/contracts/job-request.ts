/** @module The job request: the JSON body of a message on `<ns>.jobs`, its schema, defaults and parser. */
import { z } from 'zod';

export const JOB_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
export const JOB_TYPE_PATTERN = /^[A-Za-z][A-Za-z0-9._-]{0,63}$/;
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
  })
  .strict();

/** A job request as a producer may write it (defaults not yet applied). */
export type JobRequestInput = z.input<typeof jobRequestSchema>;

/** A validated job request with its defaults resolved: every processor sees the same values. */
export type JobRequest = Omit<z.output<typeof jobRequestSchema>, 'createdAt' | 'lockKey'> & {
  readonly createdAt: string;
  readonly lockKey: string;
};

export type ParseResult =
  /** `unknownFields`: top-level fields this version does not know, kept in `job` (only with `unknownFields: 'keep'`). */
  | { readonly ok: true; readonly job: JobRequest; readonly unknownFields?: readonly string[] }
  | { readonly ok: false; readonly reason: string; readonly jobId?: string; readonly jobName?: string };

/**
 * What to do with a top-level field this version does not know. Producers refuse it (a typo such as
 * `lockkey` is caught where it is made); processors keep it (a field of a newer edition, sent by an
 * upgraded publisher during a rolling upgrade, must not dead-letter the job on a processor not yet upgraded).
 */
export interface ValidateOptions {
  readonly unknownFields?: 'refuse' | 'keep';
}

const KNOWN_FIELDS: ReadonlySet<string> = new Set(Object.keys(jobRequestSchema.shape));
/** Never kept, whatever the policy: they would reach object prototypes in careless consumers. */
const FORBIDDEN_FIELDS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** Validates a decoded value; `now` is the receipt time used when `createdAt` is absent. */
export function validateJobRequest(value: unknown, now: Date = new Date(), options: ValidateOptions = {}): ParseResult {
  const unknownFields = options.unknownFields === 'keep' ? unknownKeys(value) : [];
  const result = (unknownFields.length > 0 ? jobRequestSchema.loose() : jobRequestSchema).safeParse(value);
  if (!result.success) {
    return { ok: false, reason: describeIssues(result.error), ...usableJobId(value) };
  }
  const job = result.data;
  return {
    ok: true,
    job: { ...job, createdAt: job.createdAt ?? now.toISOString(), lockKey: job.lockKey ?? job.jobId },
    ...(unknownFields.length > 0 ? { unknownFields } : {}),
  };
}

function unknownKeys(value: unknown): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [];
  const keys = Object.keys(value).filter((key) => !KNOWN_FIELDS.has(key));
  // A forbidden one makes the whole set refused: the strict schema names it.
  return keys.some((key) => FORBIDDEN_FIELDS.has(key)) ? [] : keys;
}

/** Parses a raw message body: size, UTF-8, JSON, then the schema. Never throws. */
export function parseJobRequest(body: Uint8Array, now: Date = new Date(), options: ValidateOptions = {}): ParseResult {
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
  return validateJobRequest(value, now, options);
}

/** One line per problem, naming the field: this text goes into the dead-letter header and the audit. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : 'body'}: ${issue.message}`)
    .join('; ');
}

/** The jobId (and jobName) of a refused request, when usable: for its Rejected event. */
function usableJobId(value: unknown): { jobId?: string; jobName?: string } {
  if (typeof value !== 'object' || value === null) return {};
  const { jobId, jobName } = value as Record<string, unknown>;
  if (typeof jobId !== 'string' || !JOB_ID_PATTERN.test(jobId)) return {};
  return { jobId, ...(typeof jobName === 'string' && jobName.length > 0 && jobName.length <= 200 ? { jobName } : {}) };
}
