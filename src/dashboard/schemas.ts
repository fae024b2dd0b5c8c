/**
 * @module The dashboard API's schemas: handlers validate requests with them, responses are typed by them,
 * and /api/openapi.json is generated from them, so the document cannot drift from the code.
 */
import { z } from 'zod';
import { AUDIT_STATUSES, auditEventSchema, jobIdSchema } from '../contracts/index.js';
import { JOB_TYPE_PATTERN } from '../contracts/job-request.js';

/**
 * An integer query parameter. Only plain digits are accepted ("1e2", " 5", "0x10" are refused), then the
 * range is checked; the inner schema is what the OpenAPI document shows.
 */
function queryInt(min: number, max: number, fallback: number, description: string) {
  const digitsToNumber = (value: unknown) => (typeof value === 'string' && /^\d{1,7}$/.test(value) ? Number(value) : value);
  const error = `must be an integer from ${min} to ${max}`;
  return z
    .preprocess(digitsToNumber, z.number({ error }).int({ error }).min(min, { error }).max(max, { error }))
    .optional()
    .transform((value) => value ?? fallback)
    .meta({ description: `${description} (${min}–${max}, default ${fallback})`, default: fallback });
}

/** The schemas /api/openapi.json lists under components, by id (a registry of our own, not zod's global one). */
export const apiSchemas = z.registry<{ id: string; description?: string }>();

export const statusSchema = z.enum(AUDIT_STATUSES);
export const eventSchema = auditEventSchema.register(apiSchemas, { id: 'AuditEvent' });
export const jobIdParamSchema = z.object({ jobId: jobIdSchema.meta({ description: 'the job id, ^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$' }) });
export const recentQuerySchema = z.object({ limit: queryInt(1, 1000, 200, 'how many events') });
export const statsQuerySchema = z.object({ minutes: queryInt(1, 60, 15, 'the window, in minutes') });

export const summariesQuerySchema = z.object({
  status: statusSchema.optional().meta({ description: 'the jobs whose current status this is (Queued, Started = running, Retrying, Completed, DeadLettered, Cancelled, …); all jobs when absent' }),
  type: z.string().regex(JOB_TYPE_PATTERN, 'must be a job type like "steps"').optional().meta({ description: 'only jobs of this type' }),
  tenantId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must match ^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$').optional().meta({ description: 'only jobs of this tenant' }),
  limit: queryInt(1, 1000, 100, 'jobs per page'),
  cursor: z.string().max(4096).optional().meta({ description: 'the nextCursor of the previous page' }),
});

export const summaryItemSchema = z
  .object({
    jobId: z.string(), jobName: z.string(), status: z.string(), type: z.string(), tenantId: z.string().optional(),
    createdAt: z.string(), updatedAt: z.string(), attempts: z.number().int(), failures: z.number().int(),
    processorId: z.string().optional(), lastError: z.string().optional(),
  })
  .register(apiSchemas, { id: 'SummaryItem' });

export const summariesSchema = z
  .object({ items: z.array(summaryItemSchema), nextCursor: z.string().nullable() })
  .register(apiSchemas, { id: 'Summaries', description: 'one page of jobs by current state, newest first; nextCursor is null on the last page' });

export const errorSchema = z.object({ error: z.string(), code: z.string().optional() }).register(apiSchemas, { id: 'Error' });

const timestamp = z.iso.datetime();

export const stepViewSchema = z.object({
  step: z.number().int().optional(),
  totalSteps: z.number().int().optional(),
  at: timestamp,
  message: z.string(),
  /** Since the previous step, or since Started for the first one. */
  durationMs: z.number(),
});

export const attemptViewSchema = z
  .object({
    attempt: z.number().int(),
    processorId: z.string(),
    startedAt: timestamp,
    endedAt: timestamp.optional(),
    outcome: z.enum(['Completed', 'Failed', 'TimedOut', 'Interrupted', 'Cancelled', 'LeaseLost']).optional().meta({ description: 'absent while the attempt runs' }),
    durationMs: z.number().optional(),
    error: z.string().optional(),
    detail: z.string().optional().meta({ description: "the error's stack or cause (redacted, at most 4 KB), when the processor recorded one" }),
    steps: z.array(stepViewSchema),
  })
  .register(apiSchemas, { id: 'Attempt' });

export const timelineItemSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('attempt'), attempt: attemptViewSchema }),
  z.object({ kind: z.literal('event'), event: eventSchema }),
]);

export const jobSummarySchema = z
  .object({
    jobId: z.string(),
    jobName: z.string().optional(),
    status: statusSchema,
    attempts: z.number().int(),
    failures: z.number().int(),
    processorId: z.string().optional(),
    lastError: z.string().optional(),
    lastErrorDetail: z.string().optional().meta({ description: "the last error's stack or cause, when recorded" }),
    description: z.string().optional().meta({ description: "the job's description, from its Queued event" }),
    parameters: z.unknown().optional().meta({ description: "the job's inputFilePath and processingParameters, from its Queued event" }),
    lockKey: z.string().optional(),
    type: z.string().optional(),
    queuedAt: timestamp.optional(),
    firstStartedAt: timestamp.optional(),
    lastStartedAt: timestamp.optional(),
    completedAt: timestamp.optional(),
    updatedAt: timestamp,
    /** From Queued (or the first Started) to Completed. */
    totalMs: z.number().optional(),
    deferrals: z.number().int(),
    retries: z.number().int(),
    events: z.number().int(),
  })
  .register(apiSchemas, { id: 'JobSummary' });

export const jobViewSchema = z
  .object({ summary: jobSummarySchema, timeline: z.array(timelineItemSchema) })
  .register(apiSchemas, { id: 'JobView', description: 'a job summary and its timeline: attempts (with steps) and the events between them' });

const countsByStatus = z.record(z.string(), z.number().int());

export const statsSchema = z
  .object({
    windowMinutes: z.number().int(),
    from: timestamp,
    to: timestamp,
    eventsScanned: z.number().int(),
    truncated: z.boolean().meta({ description: 'true when the window held more events than one snapshot reads' }),
    eventsByStatus: countsByStatus.meta({ description: 'events recorded in the window, by status' }),
    jobsByStatus: countsByStatus.meta({
      description: "jobs seen in the window, by their latest status (Step counts as Started: running); Duplicate and Deferred deliveries of a running or finished job leave it as it was",
    }),
    jobsSeen: z.number().int(),
    running: z.number().int().meta({ description: 'jobs whose latest status is Started or Step: running now' }),
    inFlight: z.number().int().meta({ description: 'deprecated: the same as running, kept for older clients' }),
    waiting: z.number().int().meta({ description: 'jobs whose latest status says they will be delivered again: Queued, Scheduled, Deferred, Retrying, Interrupted, LeaseLost' }),
    completed: z.number().int(),
    failed: z.number().int().meta({ description: 'failed attempts in the window' }),
    deadLettered: z.number().int(),
    perMinute: z.object({ completed: z.array(z.number().int()), failed: z.array(z.number().int()) }).meta({ description: 'oldest minute first' }),
    processors: z.array(z.object({ processorId: z.string(), lastSeen: timestamp, events: z.number().int(), running: z.number().int() })),
    activeProcessors: z.number().int().meta({ description: 'processors with an event in the last 5 minutes (or the window, if shorter)' }),
    queues: z
      .object({
        jobs: z.number().int().nullable(),
        delayed: z.number().int().nullable(),
        dead: z.number().int().nullable(),
        partitions: z.record(z.string(), z.number().int().nullable()).optional().meta({ description: 'messages ready in each partition\'s queue <ns>.part.<partition>, by partition' }),
      })
      .nullable()
      .meta({ description: 'messages ready in <ns>.jobs, in the delay queues, in <ns>.jobs.dead and in the partition queues; null when unknown (the broker is unreachable, or the queue not declared yet)' }),
  })
  .register(apiSchemas, { id: 'Stats' });

export const healthSchema = z
  .object({
    status: z.enum(['ok', 'degraded', 'down']),
    ok: z.boolean().meta({ description: 'false when the service cannot do its work (status down): the field a processor\'s /health answers too' }),
    checks: z.record(z.string(), z.object({ ok: z.boolean(), ms: z.number().optional(), detail: z.string().optional() })),
  })
  .register(apiSchemas, { id: 'Health' });

export const infoSchema = z
  .object({
    namespace: z.string(),
    writeActions: z.boolean().meta({ description: 'true when an operator token is configured' }),
    readsNeedToken: z.boolean().meta({ description: 'true when a viewer token is configured: every read then needs a token' }),
    caller: z
      .object({ name: z.string(), role: z.enum(['viewer', 'operator']) })
      .nullable()
      .meta({ description: 'who the request\'s bearer token names (null without a valid one): the page\'s sign-in check' }),
  })
  .register(apiSchemas, { id: 'Info' });

/** An integer field whose every refusal names its documented range (never the largest safe integer). */
function bodyInt(min: number, max: number, fallback: number) {
  const error = `must be an integer from ${min} to ${max}`;
  return z.number({ error }).int({ error }).min(min, { error }).max(max, { error }).default(fallback);
}

export const demoJobsRequestSchema = z
  .object({
    count: bodyInt(1, 50, 5),
    failTimes: bodyInt(0, 10, 0),
  })
  .strict()
  .meta({ description: 'publish demo jobs (count 1–50, default 5; failTimes 0–10, default 0)' });

export const demoJobsResponseSchema = z
  .object({ published: z.array(z.object({ jobId: z.string(), jobName: z.string() })) })
  .register(apiSchemas, { id: 'DemoJobsResponse' });

export const purgeRequestSchema = z
  .object({ confirm: z.string({ error: 'must be the namespace, to confirm' }).meta({ description: 'the namespace, spelt out: a purge cannot be undone' }) })
  .strict();

export const queueCountsSchema = z
  .object({ jobs: z.number().int(), delayed: z.number().int(), dead: z.number().int(), total: z.number().int() })
  .register(apiSchemas, { id: 'QueueCounts', description: 'messages, by kind of queue' });

export const purgeResponseSchema = z
  .object({ namespace: z.string(), purged: queueCountsSchema })
  .register(apiSchemas, { id: 'PurgeResponse' });

export type StepView = z.infer<typeof stepViewSchema>;
export type AttemptView = z.infer<typeof attemptViewSchema>;
export type TimelineItem = z.infer<typeof timelineItemSchema>;
export type JobSummaryView = z.infer<typeof jobSummarySchema>;
export type JobView = z.infer<typeof jobViewSchema>;
export type Stats = z.infer<typeof statsSchema>;
export type Health = z.infer<typeof healthSchema>;

export const bulkRequestSchema = z
  .object({
    status: statusSchema.optional().meta({ description: 'only jobs whose current status this is (DeadLettered, Cancelled, Queued, Started, Retrying…); every job when absent' }),
    type: z.string().regex(JOB_TYPE_PATTERN, 'must be a job type like "steps"').optional().meta({ description: 'only jobs of this type' }),
    tenantId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must match ^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$').optional().meta({ description: 'only jobs of this tenant' }),
    since: z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time' }).optional().meta({ description: 'only jobs created at or after this instant' }),
    until: z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time' }).optional().meta({ description: 'only jobs created before this instant' }),
    dryRun: z.boolean().optional().meta({ description: 'answer { count, sample } and change nothing' }),
  })
  .strict()
  .register(apiSchemas, { id: 'BulkRequest' });

export const bulkResultSchema = z
  .object({
    matched: z.number().int(), done: z.number().int(), skipped: z.number().int(), failed: z.number().int(),
  })
  .meta({ description: 'matched: jobs that fit the filter; done: the action took effect; skipped: their status did not allow it (already ended, already requeued); failed: storage or the broker failed — run the same request again' })
  .register(apiSchemas, { id: 'BulkResult' });

export const bulkDryRunSchema = z
  .object({ count: z.number().int(), sample: z.array(summaryItemSchema) })
  .register(apiSchemas, { id: 'BulkDryRun' });

export const jobActionSchema = z
  .object({ jobId: z.string(), status: z.string(), statusUrl: z.string() })
  .meta({ description: 'status: Cancelled (it had not started), CancelRequested (running: its processor stops it within 2 s), or Queued (requeued)' })
  .register(apiSchemas, { id: 'JobAction' });
