/**
 * @module The second-edition operations of /api/openapi.json (submit, job lists) and an example for every
 * operation's answers, with links (submit → status → history), so the reference reads well and API fuzzers
 * can chain calls. openapi.ts assembles the document.
 */
import { z } from 'zod';
import { jobRequestFieldsSchema } from '../contracts/job-request.js';

type Json = Record<string, unknown>;

const JOB_ID = '1b4e28ba-2fa1-11d2-883f-0016d3cca427';
const at = '2026-11-22T10:00:15.123Z';

export const EXAMPLE_EVENT = {
  jobId: JOB_ID, eventId: '0000019a8f3c2b13-000001-4f2a', status: 'Step', message: 'Processing step 3/10',
  timestamp: at, processorId: 'host-1234', attempt: 1, step: 3, totalSteps: 10, jobName: 'Monthly report',
};

const EXAMPLE_SUMMARY = {
  jobId: JOB_ID, jobName: 'Monthly report', status: 'Completed', attempts: 1, failures: 0, processorId: 'host-1234',
  lockKey: JOB_ID, type: 'steps', queuedAt: '2026-11-22T10:00:00.000Z', firstStartedAt: '2026-11-22T10:00:00.100Z',
  lastStartedAt: '2026-11-22T10:00:00.100Z', completedAt: '2026-11-22T10:00:50.200Z', updatedAt: '2026-11-22T10:00:50.200Z',
  totalMs: 50200, deferrals: 0, retries: 0, events: 13,
};

const STORAGE_DOWN_EXAMPLE = { error: 'Azure Storage is unavailable: try again later', code: 'storage_unavailable' };
const WRITE_REFUSED = {
  401: { error: 'missing or wrong bearer token: writes need an operator token', code: 'unauthorized' },
  403: { error: 'token "victor" is a viewer: writes need an operator', code: 'forbidden' },
};

/** Examples of answers, by `METHOD path` and status. */
export const RESPONSE_EXAMPLES: Record<string, Record<string, unknown>> = {
  'get /api/jobs': { 200: [EXAMPLE_EVENT] },
  'get /api/jobs/{jobId}': { 200: [{ ...EXAMPLE_EVENT, status: 'Queued', message: 'Queued (steps) by alice', attempt: 0, step: undefined, totalSteps: undefined }], 404: { error: 'no events recorded for this job', code: 'not_found' } },
  'get /api/jobs/{jobId}/summary': { 200: { summary: EXAMPLE_SUMMARY, timeline: [] }, 404: { error: 'no events recorded for this job', code: 'not_found' } },
  'get /api/info': { 200: { namespace: 'baton', writeActions: true, readsNeedToken: true, caller: { name: 'alice', role: 'operator' } } },
  'post /api/demo-jobs': { 201: { published: [{ jobId: JOB_ID, jobName: 'Monthly report' }] } },
  'post /api/jobs': {
    202: { jobId: JOB_ID, statusUrl: `/api/jobs/${JOB_ID}/summary` },
    200: { jobId: JOB_ID, statusUrl: `/api/jobs/${JOB_ID}/summary` },
    400: { error: 'invalid job request: jobName: Too small: expected string to have >=1 characters', code: 'invalid_request', issues: [{ path: 'jobName', reason: 'Too small: expected string to have >=1 characters' }] },
    401: { error: 'missing or wrong bearer token: writes need an operator token', code: 'unauthorized' },
    403: { error: 'token "victor" is a viewer: writes need an operator', code: 'forbidden' },
    409: { error: 'a request with this Idempotency-Key is still in progress; retry shortly', code: 'idempotency_in_progress' },
    413: { error: 'request body over 1048576 bytes (1 MiB): send fewer jobs per request', code: 'payload_too_large' },
    415: { error: 'writes take a JSON body: Content-Type: application/json', code: 'unsupported_media_type' },
    422: { error: 'this Idempotency-Key was already used with a different body', code: 'idempotency_key_reused' },
    503: { error: 'RabbitMQ (the broker) is unavailable: try again later', code: 'broker_unavailable', published: [] },
  },
  'get /api/summaries': {
    200: { items: [{ jobId: JOB_ID, jobName: 'Monthly report', status: 'DeadLettered', type: 'steps', updatedAt: at, attempts: 5 }], nextCursor: 'eyJwIjoiRGVhZExldHRlcmVkIn0' },
    400: { error: 'query status: Invalid option', code: 'invalid_request' },
  },
  'get /api/stats': {
    200: {
      windowMinutes: 15, from: '2026-11-22T09:45:15.123Z', to: at, eventsScanned: 130, truncated: false,
      eventsByStatus: { Queued: 10, Started: 10, Step: 100, Completed: 10 }, jobsByStatus: { Completed: 10 }, jobsSeen: 10,
      inFlight: 0, waiting: 0, completed: 10, failed: 0, deadLettered: 0, perMinute: { completed: [10], failed: [0] },
      processors: [{ processorId: 'host-1234', lastSeen: at, events: 120, running: 0 }], activeProcessors: 1, queues: { jobs: 0, dead: 0 },
    },
    400: { error: 'query minutes: must be an integer from 1 to 60', code: 'invalid_request' },
  },
  'get /api/stream': { 200: `event: ready\ndata: {"namespace":"baton"}\n\nevent: audit\nid: ${EXAMPLE_EVENT.eventId}\ndata: ${JSON.stringify(EXAMPLE_EVENT)}\n\n` },
  'get /metrics': { 200: '# HELP baton_dashboard_requests_total Requests served\n# TYPE baton_dashboard_requests_total counter\nbaton_dashboard_requests_total{method="GET",route="/api/jobs",status="200"} 3\n' },
  'get /api/processors': {
    200: [{
      processorId: 'host-1234', host: 'host', version: '0.1.0', startedAt: '2026-11-22T09:00:00.000Z', heartbeatAt: at, heartbeatSeconds: 10,
      state: 'live', concurrency: 4, partitions: 'all', running: [{ jobId: JOB_ID, lockKey: JOB_ID, type: 'steps', attempt: 1, startedAt: at, leaseExpiresAt: '2026-11-22T10:01:15.123Z' }],
      runningCount: 1, jobsPerMinute: 12,
    }],
    503: STORAGE_DOWN_EXAMPLE,
  },
  'get /api/schedules': { 503: STORAGE_DOWN_EXAMPLE },
  'delete /api/schedules/{name}': { ...WRITE_REFUSED, 404: { error: 'no schedule named "nightly"', code: 'not_found' } },
  'post /api/schedules/{name}/pause': { ...WRITE_REFUSED, 404: { error: 'no schedule named "nightly"', code: 'not_found' } },
  'post /api/schedules/{name}/resume': { ...WRITE_REFUSED, 404: { error: 'no schedule named "nightly"', code: 'not_found' } },
  'post /api/schedules/{name}/trigger': { ...WRITE_REFUSED, 404: { error: 'no schedule named "nightly"', code: 'not_found' } },
  'post /api/purge': {
    200: { namespace: 'baton', purged: { jobs: 30, delayed: 5, dead: 2, total: 37 } },
    400: { error: 'body confirm: must be the namespace, "baton", to confirm the purge', code: 'invalid_request' },
    ...WRITE_REFUSED,
  },
  'post /api/jobs/{jobId}/cancel': {
    202: { jobId: JOB_ID, status: 'CancelRequested', statusUrl: `/api/jobs/${JOB_ID}/summary` },
    409: { error: `job ${JOB_ID} already ended: Completed`, code: 'conflict', status: 'Completed' },
    404: { error: 'no job no-such-job', code: 'not_found' },
    ...WRITE_REFUSED,
  },
  'post /api/jobs/{jobId}/requeue': {
    202: { jobId: JOB_ID, status: 'Queued', statusUrl: `/api/jobs/${JOB_ID}/summary` },
    409: { error: `job ${JOB_ID} is Started: only a DeadLettered or Cancelled job can be requeued`, code: 'conflict', status: 'Started' },
    404: { error: 'no job no-such-job', code: 'not_found' },
    ...WRITE_REFUSED,
  },
  'post /api/bulk/cancel': { 200: { matched: 120, done: 118, skipped: 2, failed: 0 }, 400: { error: 'body status: Invalid option', code: 'invalid_request' }, ...WRITE_REFUSED },
  'post /api/bulk/requeue': { 200: { matched: 12000, done: 11990, skipped: 10, failed: 0 }, 400: { error: 'body since: must be an ISO 8601 date-time', code: 'invalid_request' }, ...WRITE_REFUSED },
  'get /api/openapi.json': { 200: { openapi: '3.1.0', info: { title: 'Baton dashboard API' } } },
  'get /health': { 503: { status: 'down', checks: { storageBlob: { ok: false, ms: 3000, detail: 'connect ECONNREFUSED 127.0.0.1:10000' } } }, 200: { status: 'ok', checks: { storageBlob: { ok: true, ms: 4 }, storageTable: { ok: true, ms: 3 }, broker: { ok: true } } } },
};

const json = (schema: Json, description: string, extra: Json = {}) => ({ description, content: { 'application/json': { schema } }, ...extra });
const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });
const error = (description: string) => json(ref('Error'), description);

const accepted = { type: 'object', properties: { jobId: { type: 'string' }, statusUrl: { type: 'string' } }, required: ['jobId', 'statusUrl'] };
const LINKS = {
  status: { operationId: 'getJobSummary', parameters: { jobId: '$response.body#/jobId' }, description: 'the job\'s current state and timeline (the statusUrl)' },
  history: { operationId: 'getJobEvents', parameters: { jobId: '$response.body#/jobId' }, description: 'every event of the job, oldest first' },
  cancel: { operationId: 'cancelJob', parameters: { jobId: '$response.body#/jobId' }, description: 'cancel the job: it never starts, or its processor stops it' },
};
const REQUEUE_LINK = { requeue: { operationId: 'requeueJob', parameters: { jobId: '$response.body#/jobId' }, description: 'send the cancelled job to run again' } };

function requestSchema(): Json {
  const one = z.toJSONSchema(jobRequestFieldsSchema.partial({ jobId: true }), { io: 'input', target: 'draft-2020-12' }) as Json;
  delete one.$schema;
  return { oneOf: [one, { type: 'array', items: one, minItems: 1, maxItems: 1000 }] };
}

export function submitOperation(): Json {
  return {
    operationId: 'submitJobs',
    summary: 'Submit one job or up to 1,000 (operator)',
    description:
      'Publishes through the same code as `baton publish`: answered 202 only once the broker confirmed every job and its Queued event is recorded. ' +
      '`jobId` may be omitted (a UUID is given). `processingParameters` of `steps` (and of handlers given with BATON_HANDLERS) are validated. ' +
      'With `Idempotency-Key`, a retry of the same request (same tenant, same key, same body) answers the first result with 200 and publishes nothing; keys are kept 24 h.',
    security: [{ bearer: [] }],
    parameters: [{ name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', minLength: 1, maxLength: 128 }, example: 'order-4711' }],
    requestBody: {
      required: true,
      content: { 'application/json': { schema: requestSchema(), examples: {
        one: { value: { jobName: 'Monthly report', processingParameters: { steps: 10, stepMs: 500 } } },
        many: { value: [{ jobName: 'Export A' }, { jobId: 'export-b', jobName: 'Export B', lockKey: 'exports' }] },
      } } },
    },
    responses: {
      202: json({ oneOf: [accepted, { type: 'array', items: accepted }] }, 'accepted: queued and recorded (an array for an array)', { links: LINKS }),
      200: json({ oneOf: [accepted, { type: 'array', items: accepted }] }, 'a retry with the same Idempotency-Key: the first answer; nothing published', { links: LINKS }),
      400: error('a bad body: `issues` names each field (path and reason)'), 401: error('no or unknown token'), 403: error('a viewer\'s token, or writes disabled'),
      409: error('the first request with this Idempotency-Key is still in progress: retry (Retry-After)'), 413: error('body over 1 MiB'),
      415: error('not application/json'), 422: error('Idempotency-Key reused with a different body'),
      503: error('the broker or storage is down (`code` says which; `published` lists jobs accepted before the failure)'),
    },
  };
}

const jobIdPath = [{ name: 'jobId', in: 'path', required: true, schema: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$' }, example: JOB_ID }];
const WRITE_ERRORS = { 401: error('no or unknown token'), 403: error('a viewer\'s token, or writes disabled'), 415: error('not application/json'), 503: error('the broker or storage is down (`code` says which)') };

/** Cancel, requeue and the bulk actions (issue 11): src/storage/job-control.ts says what each writes. */
export function jobActionOperations(): Record<string, Record<string, Json>> {
  const bulk = (action: 'cancel' | 'requeue'): Json => ({
    operationId: `bulk${action === 'cancel' ? 'Cancel' : 'Requeue'}`,
    summary: action === 'cancel' ? 'Cancel every job that matches (operator)' : 'Requeue every job that matches (operator)',
    description:
      'Walks the job-state index (`/api/summaries`) page by page and applies the per-job action to every job whose current state matches the filter. ' +
      '`dryRun: true` answers `{ count, sample }` and changes nothing. The answer comes when every job was handled; with `Accept: application/x-ndjson` ' +
      'it is streamed instead: one JSON line of progress (`matched`, `done`, `skipped`, `failed`, `finished: false`) per page of 500 jobs, then the totals with `finished: true`. ' +
      'Safe to send again after an interruption: jobs already handled are skipped. `baton jobs ' + action + ' --status S …` does the same from a shell.',
    security: [{ bearer: [] }],
    requestBody: { required: true, content: { 'application/json': { schema: ref('BulkRequest'), examples: {
      dryRun: { value: { status: action === 'cancel' ? 'Queued' : 'DeadLettered', type: 'steps', dryRun: true } },
      apply: { value: { status: action === 'cancel' ? 'Queued' : 'DeadLettered', type: 'steps', since: '2026-12-01T00:00:00Z' } },
    } } } },
    responses: {
      200: {
        description: 'the totals (or, with dryRun, the count and a sample)',
        content: {
          'application/json': { schema: { oneOf: [ref('BulkResult'), ref('BulkDryRun')] } },
          'application/x-ndjson': { schema: ref('BulkResult'), example: '{"matched":500,"done":500,"skipped":0,"failed":0,"finished":false}\n{"matched":612,"done":610,"skipped":2,"failed":0,"finished":true}\n' },
        },
      },
      400: error('a bad filter, named'), ...WRITE_ERRORS,
    },
  });
  return {
    '/api/jobs/{jobId}/cancel': { post: {
      operationId: 'cancelJob', summary: 'Cancel a job (operator)', security: [{ bearer: [] }], parameters: jobIdPath,
      description:
        'A job that has not started (queued, scheduled, deferred, throttled, waiting for a retry) is `Cancelled` at once and never starts: its message, when it comes, is acknowledged unrun (`Duplicate`). ' +
        'A running job is stopped: its handler\'s `ctx.signal` aborts within 2 s on whichever processor runs it; the attempt keeps its lease until the handler returned, then records `Cancelled`. ' +
        '`CancelRequested` names the token\'s name. A cancel racing completion ends with exactly one of `Completed` or `Cancelled`.',
      responses: {
        202: json(ref('JobAction'), '`status` Cancelled (it had not started) or CancelRequested (its processor stops it)', { links: { status: LINKS.status, ...REQUEUE_LINK } }),
        400: error('a job id outside the pattern'), 404: error('unknown job'), 409: error('the job already ended: `status` names how'), ...WRITE_ERRORS,
      },
    } },
    '/api/jobs/{jobId}/requeue': { post: {
      operationId: 'requeueJob', summary: 'Send a dead-lettered or cancelled job to run again (operator)', security: [{ bearer: [] }], parameters: jobIdPath,
      description:
        'Records `Requeued` with the token\'s name, gives the job a fresh `maxAttempts` budget (failures from zero; attempt numbers go on) and publishes its original request afresh, ' +
        'as kept with its Queued event: the dead-letter queue may have been purged. Its old copy in `<ns>.jobs.dead`, moved back by hand, is a `Duplicate`.',
      responses: {
        202: json(ref('JobAction'), 'requeued: `status` Queued', { links: { status: LINKS.status, cancel: LINKS.cancel } }),
        400: error('a job id outside the pattern'), 404: error('unknown job'), 409: error('the job is not DeadLettered or Cancelled: `status` names what it is'), ...WRITE_ERRORS,
      },
    } },
    '/api/bulk/cancel': { post: bulk('cancel') },
    '/api/bulk/requeue': { post: bulk('requeue') },
  };
}

/** Served to anyone, whatever tokens are configured. */
const OPEN_OPERATIONS = new Set(['get /health', 'get /metrics', 'get /api/openapi.json', 'get /api/info']);

/** Adds the examples above to every operation's answers that has one. */
export function withExamples(paths: Record<string, Record<string, Json>>): Record<string, Record<string, Json>> {
  for (const [path, operations] of Object.entries(paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      const examples = RESPONSE_EXAMPLES[`${method} ${path}`] ?? {};
      const responses = (operation.responses ?? {}) as Record<string, Json>;
      for (const [status, example] of Object.entries(examples)) {
        const content = Object.values((responses[status]?.content ?? {}) as Record<string, Json>)[0];
        if (content) content.example = JSON.parse(JSON.stringify(example)) as unknown;
      }
      if (OPEN_OPERATIONS.has(`${method} ${path}`)) operation.security = [];
    }
  }
  return paths;
}
