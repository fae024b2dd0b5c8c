/** @module The job request: the JSON body of a message on `<ns>.jobs`, its schema, defaults and parser. */
import { z } from 'zod';

export const JOB_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
export const JOB_TYPE_PATTERN = /^[A-Za-z][A-Za-z0-9._-]{0,63}$/;
/** How far ahead `runAt` may lie, and the largest `delayMs`: 366 days. */
export const MAX_SCHEDULE_AHEAD_MS = 366 * 86_400_000;
export const TENANT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** `default` is reserved: in BATON_PARTITIONS it names the jobs that have no partition. */
export const PARTITION_PATTERN = /^[a-z0-9][a-z0-9-]{0,31}$/;
/** Bodies above this are refused before JSON parsing: a job request is a small document, not a payload store. */
export const MAX_MESSAGE_BYTES = 256 * 1024;

const noControlChars = (value: string) => !/[\u0000-\u001f\u007f]/.test(value);

export const jobIdSchema = z.string().regex(JOB_ID_PATTERN, 'must match ^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$');

/**
 * Every field carries its documentation (`description`, and `accepts`/`defaultText` where the schema alone
 * cannot say it): the README's "Job request" table is generated from this schema (`npm run docs:config` rewrites every generated README section).
 */
/** The fields alone, without the rule across them (documents derive from its shape; zod refuses `.partial()` on a refined schema). */
export const jobRequestFieldsSchema = z
  .object({
    jobId: jobIdSchema.meta({
      description: 'the job\'s identity: a job with an id that already completed is never run again. `baton publish` and `POST /api/jobs` give a line without one a random UUID',
    }),
    jobName: z.string().min(1).max(200).meta({ description: 'what people see in the dashboard and logs (shown as text, never markup)' }),
    description: z.string().max(2000).optional().meta({ description: 'a longer text for people, shown in the dashboard\'s job panel' }),
    createdAt: z.iso.datetime({ offset: true }).optional().meta({
      description: 'when the producer created the job', accepts: 'an ISO 8601 date-time with `Z` or an offset', defaultText: 'the time the job was received',
    }),
    type: z.string().regex(JOB_TYPE_PATTERN, 'must be a handler name like "steps"').default('steps').meta({
      description: 'the handler that runs the job: `steps` is built in, more come from `BATON_HANDLERS`',
    }),
    lockKey: z.string().min(1).max(256).refine(noControlChars, 'must not contain control characters').optional().meta({
      description: 'jobs with the same lock key never run at the same time anywhere', accepts: '1 to 256 characters, no control characters',
      defaultText: 'the jobId (exclusive only with itself)',
    }),
    maxAttempts: z.number().int().min(1).max(100).optional().meta({
      description: 'attempts before a failing job is dead-lettered', defaultText: 'the processor\'s `BATON_MAX_ATTEMPTS` (5)',
    }),
    priority: z.number().int().min(0).max(255).optional().meta({ description: 'among jobs waiting in the same queue, higher first: 0–9 are distinct levels, higher values count as 9 (ignored on quorum queues before RabbitMQ 4.0)', defaultText: '0' }),
    inputFilePath: z.string().max(1024).optional().meta({ description: 'a path or URL for the handler to read; Baton passes it on untouched' }),
    processingParameters: z.record(z.string(), z.unknown()).optional().meta({
      description: 'the handler\'s own parameters, e.g. `steps`: `{ "steps": 10, "stepMs": 5000, "failTimes": 0 }` (the defaults); a handler registered with a zod `params` schema checks them before the attempt starts',
      accepts: 'a JSON object',
    }),
    timeoutSeconds: z.number().int().min(1).max(604_800).optional().meta({
      description: 'one attempt\'s time limit: past it the attempt is stopped and `TimedOut` recorded (a failure: retried, then dead-lettered)',
      accepts: 'an integer from 1 to 604800', defaultText: 'the handler\'s own, else the processor\'s `BATON_JOB_TIMEOUT_SECONDS` (none)',
    }),
    runAt: z.iso.datetime({ offset: true }).optional().meta({
      description: 'the job does not start before this instant (a past instant: at once); `Scheduled` is recorded with the due time',
      accepts: 'an ISO 8601 date-time with `Z` or an offset, at most 366 days ahead', defaultText: 'at once',
    }),
    delayMs: z.number().int().min(0).max(MAX_SCHEDULE_AHEAD_MS).optional().meta({
      description: 'the same as `runAt`, relative to when the publisher accepted the job; not together with `runAt`', defaultText: 'at once',
    }),
    tenantId: z.string().regex(TENANT_ID_PATTERN, 'must match ^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$').optional().meta({
      description: 'the tenant the job belongs to: its concurrency and rate limits apply', defaultText: 'none (no tenant limits)',
    }),
    partition: z
      .string()
      .regex(PARTITION_PATTERN, 'must match ^[a-z0-9][a-z0-9-]{0,31}$')
      .refine((value) => value !== 'default', '"default" is reserved for jobs with no partition')
      .optional()
      .meta({ description: 'workload isolation: only processors serving this partition run the job (`default` is reserved)', defaultText: 'none (the `default` partition)' }),
  })
  .strict();

const notBothTimes = (job: { runAt?: string | undefined; delayMs?: number | undefined }) => job.runAt === undefined || job.delayMs === undefined;
const NOT_BOTH = { message: 'give runAt or delayMs, not both', path: ['delayMs'] };

export const jobRequestSchema = jobRequestFieldsSchema.refine(notBothTimes, NOT_BOTH);

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

const KNOWN_FIELDS: ReadonlySet<string> = new Set(Object.keys(jobRequestFieldsSchema.shape));
/** Never kept, whatever the policy: they would reach object prototypes in careless consumers. */
const FORBIDDEN_FIELDS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** Validates a decoded value; `now` is the receipt time used when `createdAt` is absent. */
export function validateJobRequest(value: unknown, now: Date = new Date(), options: ValidateOptions = {}): ParseResult {
  const unknownFields = options.unknownFields === 'keep' ? unknownKeys(value) : [];
  const result = (unknownFields.length > 0 ? jobRequestFieldsSchema.loose().refine(notBothTimes, NOT_BOTH) : jobRequestSchema).safeParse(value);
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
