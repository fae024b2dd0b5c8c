/**
 * @module /api/openapi.json, generated from the zod schemas the handlers validate with (schemas.ts): a
 * parameter's range, a pattern or a response field changes in one place and the document follows.
 */
import { z } from 'zod';
import { newScheduleSchema } from './routes/schedules.js';
import { jobActionOperations, submitOperation, withExamples } from './openapi-operations.js';
import {
  apiSchemas, demoJobsRequestSchema, jobIdParamSchema, purgeRequestSchema, recentQuerySchema, statsQuerySchema, summariesQuerySchema,
} from './schemas.js';
import { chartsQuerySchema } from './fleet-schemas.js';

type JsonSchema = Record<string, unknown>;
type Operation = Record<string, unknown>;

const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });

function plain(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _schema, ...rest } = z.toJSONSchema(schema, { io, target: 'draft-2020-12' }) as JsonSchema;
  return rest;
}

/** One OpenAPI parameter per property of a zod object schema. */
function parameters(schema: z.ZodObject, where: 'query' | 'path'): JsonSchema[] {
  const json = plain(schema, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, property]) => {
    const { description, ...rest } = property;
    return { name, in: where, required: where === 'path' || (json.required ?? []).includes(name), description, schema: rest };
  });
}

const json = (schema: JsonSchema, description: string) => ({ description, content: { 'application/json': { schema } } });
const error = (description: string) => json(ref('Error'), description);
const BAD_REQUEST = error('invalid parameter: the body names it');
const STORAGE_DOWN = error('Azure Storage did not answer');
const WRITE_FORBIDDEN = error('a viewer\'s token, or write actions disabled (no operator token configured)');

function components(): Record<string, JsonSchema> {
  const generated = z.toJSONSchema(apiSchemas, { io: 'output', target: 'draft-2020-12', uri: (id) => `#/components/schemas/${id}` });
  return Object.fromEntries(
    Object.entries(generated.schemas).map(([id, schema]) => {
      const { $schema: _s, $id: _i, ...rest } = schema as JsonSchema;
      return [id, rest];
    }),
  );
}

const SCHEDULE_NAME = { name: 'name', in: 'path', required: true, schema: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' } };
const SCHEDULE = {
  type: 'object',
  required: ['name', 'cron', 'job', 'paused', 'nextRuns', 'lastRuns'],
  properties: {
    name: { type: 'string' }, cron: { type: 'string' }, timeZone: { type: 'string' }, job: { type: 'object' }, paused: { type: 'boolean' },
    nextRuns: { type: 'array', items: { type: 'string', format: 'date-time' }, description: 'the next 5 due times (none while paused)' },
    lastRuns: { type: 'array', items: { type: 'string', format: 'date-time' }, description: 'due times fired, newest first (at most 10); the job of each is <name>:<due time>' },
  },
};

function paths(): Record<string, Record<string, Operation>> {
  const jobId = parameters(jobIdParamSchema, 'path');
  return {
    ...(jobActionOperations() as Record<string, Record<string, Operation>>),
    '/api/jobs': { post: submitOperation(), get: {
      operationId: 'getRecentEvents',
      summary: 'Recent events across all jobs, newest first',
      description: 'Read from the recent-events index (time-partitioned, newest first): the cost does not grow with the history.',
      parameters: parameters(recentQuerySchema, 'query'),
      responses: { 200: json({ type: 'array', items: ref('AuditEvent') }, 'events, newest first'), 400: BAD_REQUEST, 503: STORAGE_DOWN },
    } },
    '/api/jobs/{jobId}': { get: {
      operationId: 'getJobEvents', summary: "One job's events, oldest first", parameters: jobId,
      responses: { 200: json({ type: 'array', items: ref('AuditEvent') }, 'events, oldest first'), 400: BAD_REQUEST, 404: error('no events for this job'), 503: STORAGE_DOWN },
    } },
    '/api/jobs/{jobId}/summary': { get: {
      operationId: 'getJobSummary', summary: "One job's summary and timeline", parameters: jobId,
      description: 'Status, attempts, processor, last error and timings (from the job state row when an attempt has started), and the timeline of attempts with steps and durations.',
      responses: { 200: json(ref('JobView'), 'summary and timeline'), 400: BAD_REQUEST, 404: error('no events for this job'), 503: STORAGE_DOWN },
    } },
    '/api/summaries': { get: {
      operationId: 'listJobs',
      summary: 'Jobs by current status, type and tenant, newest first, paged',
      description: 'Read from the job-state index (a row per job in the partition of its current status, newest first): a page is one range query plus one point read per job shown, whatever the history\'s size. Pages may hold fewer than `limit` jobs when the index met rows a race left behind; follow `nextCursor` until it is null.',
      parameters: parameters(summariesQuerySchema, 'query'),
      responses: { 200: json(ref('Summaries'), 'one page'), 400: BAD_REQUEST, 503: STORAGE_DOWN },
    } },
    '/api/stats': { get: {
      summary: 'Snapshot figures and counts by status over a recent window',
      description: 'Computed from the events of the last `minutes` in the recent-events index (at most 20,000 events; `truncated` says when there were more), plus queue depths from RabbitMQ. Cached for 3 seconds.',
      parameters: parameters(statsQuerySchema, 'query'),
      responses: { 200: json(ref('Stats'), 'figures'), 400: BAD_REQUEST, 503: STORAGE_DOWN },
    } },
    '/api/stream': { get: {
      summary: 'Live events (Server-Sent Events)',
      description: 'Sends `ready` once connected, then one `audit` event (data: an AuditEvent as JSON, id: its eventId) per new event, oldest first, and a comment line every 15 s. Best effort, for display: the index is polled every second, looking back 15 s for late writes; reconnecting clients should reload /api/jobs.',
      responses: { 200: { description: 'an event stream', content: { 'text/event-stream': { schema: { type: 'string' } } } } },
    } },
    '/api/processors': { get: {
      summary: 'Every processor seen in the last hour, from its heartbeats (one every 10 s)',
      description: 'Live ones first. Read from the fleet table (two day partitions at most), cached for 2 seconds.',
      responses: { 200: json({ type: 'array', items: ref('Processor') }, 'processors'), 503: STORAGE_DOWN },
    } },
    '/api/charts': { get: {
      summary: 'Chart series per minute over the last hour or day, from the processors\' roll-up',
      description: 'Completed and failed attempts by type, queue wait and run time percentiles (interpolated within fixed histogram buckets), dead-lettered per hour. Cached for 5 seconds.',
      parameters: parameters(chartsQuerySchema, 'query'),
      responses: { 200: json(ref('ChartData'), 'series'), 400: BAD_REQUEST, 503: STORAGE_DOWN },
    } },
    '/api/info': { get: { summary: 'Namespace and whether write actions are enabled', responses: { 200: json(ref('Info'), 'info') } } },
    '/api/demo-jobs': { post: {
      summary: 'Publish demo jobs (write action)',
      description: 'Needs an operator token (BATON_DASHBOARD_TOKENS), sent as `Authorization: Bearer <token>`, and a JSON body.',
      security: [{ bearer: [] }],
      requestBody: { required: false, content: { 'application/json': { schema: plain(demoJobsRequestSchema, 'input') } } },
      responses: {
        201: json(ref('DemoJobsResponse'), 'published (each confirmed by the broker)'), 400: BAD_REQUEST,
        401: error('missing or wrong token'), 403: error('a viewer\'s token, or write actions disabled (no operator token configured)'),
        503: error('RabbitMQ or storage unavailable'),
      },
    } },
    '/api/schedules': {
      get: { summary: 'Recurring jobs with their next and last runs', responses: { 200: json({ type: 'array', items: SCHEDULE }, 'schedules by name'), 503: STORAGE_DOWN } },
      post: {
        summary: 'Add a recurring job (write action)', security: [{ bearer: [] }],
        description: 'A cron expression of 5 fields, or 6 with seconds first, in an IANA time zone (default UTC). Each due time publishes `job` with jobId `<name>:<due time ISO UTC>`.',
        requestBody: { required: true, content: { 'application/json': { schema: plain(newScheduleSchema, 'input') } } },
        responses: { 201: json(SCHEDULE, 'added'), 400: BAD_REQUEST, 401: error('missing or wrong token'), 403: WRITE_FORBIDDEN, 409: error('a schedule of that name exists') },
      },
    },
    '/api/schedules/{name}': { delete: { summary: 'Remove a schedule (write action)', security: [{ bearer: [] }], parameters: [SCHEDULE_NAME], responses: { 204: { description: 'removed' }, 401: error('missing or wrong token'), 403: WRITE_FORBIDDEN, 404: error('no such schedule') } } },
    '/api/schedules/{name}/pause': { post: { summary: 'Pause a schedule (write action)', security: [{ bearer: [] }], parameters: [SCHEDULE_NAME], responses: { 200: json(SCHEDULE, 'paused'), 401: error('missing or wrong token'), 403: WRITE_FORBIDDEN, 404: error('no such schedule') } } },
    '/api/schedules/{name}/resume': { post: { summary: 'Resume a schedule; due times passed while paused do not fire (write action)', security: [{ bearer: [] }], parameters: [SCHEDULE_NAME], responses: { 200: json(SCHEDULE, 'resumed'), 401: error('missing or wrong token'), 403: WRITE_FORBIDDEN, 404: error('no such schedule') } } },
    '/api/schedules/{name}/trigger': { post: { summary: "Publish the schedule's job now, jobId <name>:<now> (write action)", security: [{ bearer: [] }], parameters: [SCHEDULE_NAME], responses: { 202: json({ type: 'object', properties: { jobId: { type: 'string' } } }, 'published'), 401: error('missing or wrong token'), 403: WRITE_FORBIDDEN, 404: error('no such schedule'), 503: error('RabbitMQ unavailable') } } },
    '/api/jobs/{jobId}/run-now': { post: {
      summary: 'Start a scheduled job at once (write action)', security: [{ bearer: [] }], parameters: jobId,
      description: "Its delayed copy, at the due time, finds the job ended and becomes a Duplicate.",
      responses: { 202: json({ type: 'object', properties: { jobId: { type: 'string' }, statusUrl: { type: 'string' } } }, 'sent to run now'), 400: BAD_REQUEST, 401: error('missing or wrong token'), 403: WRITE_FORBIDDEN, 404: error('unknown job'), 409: error('the job is not waiting for its due time'), 503: error('RabbitMQ unavailable') },
    } },
    '/api/purge': { post: {
      summary: "Empty the namespace's job, delay and dead-letter queues (write action)",
      description: 'Needs the token, and the namespace spelt out in `confirm`: a purge cannot be undone. Jobs running now are not in a queue and are not affected. `baton jobs purge` does the same from a shell.',
      security: [{ bearer: [] }],
      requestBody: { required: true, content: { 'application/json': { schema: plain(purgeRequestSchema, 'input') } } },
      responses: {
        200: json(ref('PurgeResponse'), 'purged: how many messages each kind of queue held'), 400: error('confirm is missing or is not the namespace'),
        401: error('missing or wrong token'), 403: error('write actions are disabled (no BATON_DASHBOARD_TOKEN)'),
        503: error('RabbitMQ unavailable'),
      },
    } },
    '/health': { get: {
      summary: 'Storage and broker reachability',
      responses: { 200: json(ref('Health'), 'storage reachable (status ok, or degraded when only the broker is not)'), 503: json(ref('Health'), 'storage unreachable') },
    } },
    '/metrics': { get: { summary: 'Prometheus metrics', responses: { 200: { description: 'Prometheus text format', content: { 'text/plain': { schema: { type: 'string' } } } } } } },
    '/api/openapi.json': { get: { summary: 'This document', responses: { 200: { description: 'OpenAPI 3.1', content: { 'application/json': {} } } } } },
  };
}

let cached: JsonSchema | undefined;

export function openApiDocument(): JsonSchema {
  cached ??= {
    openapi: '3.1.0',
    info: { title: 'Baton dashboard API', version: '2.0.0', description: "Submit jobs, and read Baton's audit trail: recent events, job histories, summaries, job lists by state, figures and a live stream. The interactive reference is at /api/docs." },
    paths: withExamples(paths()),
    components: { schemas: components(), securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'a BATON_DASHBOARD_TOKENS secret: reads need a viewer or operator token once a viewer is configured; writes need an operator' } } },
    // Reads take a token when a viewer is configured; /health, /metrics and this document never do.
    security: [{ bearer: [] }, {}],
  };
  return cached;
}
