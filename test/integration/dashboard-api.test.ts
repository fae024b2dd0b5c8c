/**
 * The dashboard's REST API over the real Azurite store, with events written by the real AuditStore and
 * RecentIndex: ordering, limits, validation (bad ids, OData injection), JSON errors, summaries, figures,
 * the live stream, health, metrics, the OpenAPI document and the token-guarded write action.
 */
import { createHash } from 'node:crypto';
import amqp from 'amqplib';
import fc from 'fast-check';
import type { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateJobRequest, type JobRequest } from '../../src/contracts/job-request.js';
import type { AuditEvent } from '../../src/contracts/audit-event.js';
import { AZURITE_CONNECTION_STRING } from '../../src/core/config.js';
import { silentLogger } from '../../src/core/logger.js';
import { createApp } from '../../src/dashboard/app.js';
import { openDashboard, type DashboardServices } from '../../src/dashboard/dashboard-services.js';
import { eventSchema, healthSchema, jobViewSchema, statsSchema } from '../../src/dashboard/schemas.js';
import { freshNamespace } from '../helpers/namespace.js';
import { AMQP_URL, waitFor } from '../helpers/system.js';

const TOKEN = 'test-token-0123456789abcdef';
const UNREACHABLE_STORAGE =
  'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;' +
  'BlobEndpoint=http://127.0.0.1:9/devstoreaccount1;TableEndpoint=http://127.0.0.1:9/devstoreaccount1;';

const namespace = freshNamespace('da');
let services: DashboardServices;
let app: Hono;
/** Appended in this order; the newest is last. */
const bulk: AuditEvent[] = [];

function job(jobId: string, jobName = `job ${jobId}`): JobRequest {
  const parsed = validateJobRequest({ jobId, jobName });
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.job;
}

async function getJson(path: string): Promise<{ status: number; body: unknown; type: string }> {
  const response = await app.request(path);
  return { status: response.status, body: await response.json(), type: response.headers.get('content-type') ?? '' };
}

/** A job that failed once, was retried, deferred once, and completed on its second attempt (3 steps). */
async function writeRetriedJob(jobId: string): Promise<void> {
  const { audit } = services.storage;
  const j = job(jobId, 'Nightly <b>export</b>');
  await audit.append({ jobId, jobName: j.jobName, status: 'Queued', message: 'Queued (steps)', processorId: 'publisher', attempt: 0 });
  const first = await audit.startAttempt(j, 'proc-a', { firstDelivery: true });
  if (first.kind !== 'started') throw new Error('expected a first attempt');
  await first.attempt.write(
    [
      { jobId, jobName: j.jobName, status: 'Failed', message: 'boom: disk full', processorId: 'proc-a', attempt: 1 },
      { jobId, jobName: j.jobName, status: 'Retrying', message: 'retrying in 1 s', processorId: 'proc-a', attempt: 1 },
    ],
    { status: 'Retrying', failures: 1, lastError: 'boom: disk full' },
  );
  await audit.append({ jobId, jobName: j.jobName, status: 'Deferred', message: 'lock held', processorId: 'proc-b', attempt: 0 });
  const second = await audit.startAttempt(j, 'proc-b', { firstDelivery: false });
  if (second.kind !== 'started') throw new Error('expected a second attempt');
  for (let step = 1; step <= 3; step++) {
    await new Promise((resolve) => setTimeout(resolve, 15));
    await second.attempt.write([{ jobId, jobName: j.jobName, status: 'Step', message: `Processing step ${step}/3`, processorId: 'proc-b', attempt: 2, step, totalSteps: 3 }], {});
  }
  await second.attempt.write([{ jobId, jobName: j.jobName, status: 'Completed', message: 'Job completed', processorId: 'proc-b', attempt: 2 }], {
    status: 'Completed',
    completedAt: new Date().toISOString(),
  });
}

beforeAll(async () => {
  services = await openDashboard({
    storageConnectionString: AZURITE_CONNECTION_STRING,
    amqpUrl: AMQP_URL,
    namespace,
    token: TOKEN,
    logger: silentLogger(),
    feed: { pollMs: 100 },
    heartbeatMs: 300,
  });
  app = createApp(services.deps);
  for (let i = 0; i < 205; i++) {
    // Distinct milliseconds, so "newest first" has one right answer to compare with.
    if (i >= 195) await new Promise((resolve) => setTimeout(resolve, 2));
    bulk.push(await services.storage.audit.append({ jobId: `bulk-${i}`, jobName: `Bulk ${i}`, status: 'Queued', message: 'q', processorId: 'publisher', attempt: 0 }));
  }
  await writeRetriedJob('retried-1');
  await services.storage.index.flush();
});

afterAll(async () => {
  await services.close();
  const { clients } = services.storage;
  for (const table of [`${namespace}audit`, `${namespace}recent`]) await clients.table(table).deleteTable().catch(() => undefined);
  await clients.blobService.getContainerClient(`${namespace}-locks`).deleteIfExists();
  const connection = await amqp.connect(AMQP_URL);
  const channel = await connection.createChannel();
  for (const queue of [`${namespace}.jobs`, `${namespace}.jobs.dead`]) await channel.deleteQueue(queue);
  await connection.close();
});

describe('GET /api/jobs', () => {
  it('answers the most recent events newest first, 200 by default', async () => {
    const { status, body, type } = await getJson('/api/jobs');
    expect(status).toBe(200);
    expect(type).toContain('application/json');
    const events = body as AuditEvent[];
    expect(events).toHaveLength(200);
    for (const event of events) eventSchema.parse(event);
    const stamps = events.map((event) => `${event.timestamp} ${event.eventId}`);
    expect(stamps).toEqual([...stamps].sort().reverse());
    expect(events[0]?.jobId).toBe('retried-1');
  });

  it('honours limit exactly, up to 1000', async () => {
    const five = (await getJson('/api/jobs?limit=5')).body as AuditEvent[];
    expect(five.map((event) => event.eventId)).toEqual(
      ((await getJson('/api/jobs?limit=200')).body as AuditEvent[]).slice(0, 5).map((event) => event.eventId),
    );
    const all = (await getJson('/api/jobs?limit=1000')).body as AuditEvent[];
    expect(all).toHaveLength(205 + 10); // the bulk, plus the retried job's 10 events
    expect(all.at(-1)?.eventId).toBe(bulk[0]?.eventId);
    expect(((await getJson('/api/jobs?limit=1')).body as AuditEvent[])).toHaveLength(1);
  });

  it.each(['0', '1001', 'abc', '-1', '1.5', '', '1e2', ' 5', '0x10', '99999999999999999999'])('refuses limit=%j with a JSON 400', async (limit) => {
    const { status, body } = await getJson(`/api/jobs?limit=${encodeURIComponent(limit)}`);
    expect(status).toBe(400);
    expect(body).toMatchObject({ error: expect.stringContaining('limit'), code: 'invalid_request' });
  });
});

describe('GET /api/jobs/:jobId', () => {
  it("answers one job's events oldest first", async () => {
    const { status, body } = await getJson('/api/jobs/retried-1');
    expect(status).toBe(200);
    const events = body as AuditEvent[];
    expect(events.map((event) => event.status)).toEqual(['Queued', 'Started', 'Failed', 'Retrying', 'Deferred', 'Started', 'Step', 'Step', 'Step', 'Completed']);
    expect(events.every((event) => event.jobId === 'retried-1')).toBe(true);
  });

  it('answers a JSON 404 for a job with no events', async () => {
    const { status, body, type } = await getJson('/api/jobs/no-such-job');
    expect(status).toBe(404);
    expect(type).toContain('application/json');
    expect(body).toMatchObject({ error: expect.any(String), code: 'not_found' });
  });

  it.each([
    "x' or PartitionKey ne '",
    "bulk-1' or RowKey ne 'x",
    "') or true or ('",
    'a b',
    '-leading-dash',
    'a'.repeat(129),
    'job/../../x',
    'semi;colon',
    'ünïcode',
    'nul\u0000byte',
  ])('refuses id %j with a JSON 400 and queries nothing', async (jobId) => {
    const before = services.storage.clients.counter.total();
    const { status, body } = await getJson(`/api/jobs/${encodeURIComponent(jobId)}`);
    expect(status).toBe(400);
    expect(body).toMatchObject({ error: expect.stringContaining('jobId'), code: 'invalid_request' });
    expect(services.storage.clients.counter.total()).toBe(before);
  });

  it('answers 400, 404 or 200 — never a 5xx — for any id and any limit', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 140 }), fc.string({ maxLength: 12 }), async (jobId, limit) => {
        let id: string;
        try {
          id = encodeURIComponent(jobId);
        } catch {
          return; // a lone surrogate has no URL form: no client can send it
        }
        const byId = await app.request(`/api/jobs/${id}`);
        const summary = await app.request(`/api/jobs/${id}/summary`);
        const recent = await app.request(`/api/jobs?limit=${encodeURIComponent(limit)}`);
        for (const response of [byId, summary, recent]) {
          expect([200, 400, 404]).toContain(response.status);
          expect(response.headers.get('content-type')).toContain('application/json');
        }
      }),
      { numRuns: 60 },
    );
  });
});

describe('GET /api/jobs/:jobId/summary', () => {
  it('gives the summary and a timeline of attempts with steps, durations, processors and errors', async () => {
    const { status, body } = await getJson('/api/jobs/retried-1/summary');
    expect(status).toBe(200);
    const view = jobViewSchema.parse(body);
    expect(view.summary).toMatchObject({
      jobId: 'retried-1', jobName: 'Nightly <b>export</b>', status: 'Completed', attempts: 2, failures: 1,
      processorId: 'proc-b', lastError: 'boom: disk full', deferrals: 1, retries: 1, events: 10,
    });
    expect(view.summary.totalMs).toBeGreaterThan(0);
    expect(view.timeline.map((item) => (item.kind === 'attempt' ? `attempt ${item.attempt.attempt}` : item.event.status))).toEqual([
      'Queued', 'attempt 1', 'Retrying', 'Deferred', 'attempt 2',
    ]);
    const [first, second] = view.timeline.filter((item) => item.kind === 'attempt').map((item) => item.attempt);
    expect(first).toMatchObject({ processorId: 'proc-a', outcome: 'Failed', error: 'boom: disk full', steps: [] });
    expect(second).toMatchObject({ processorId: 'proc-b', outcome: 'Completed' });
    expect(second?.steps.map((step) => step.step)).toEqual([1, 2, 3]);
    expect(second?.steps.every((step) => step.durationMs >= 10)).toBe(true);
    expect(second?.durationMs).toBeGreaterThanOrEqual(45);
  });

  it('summarizes a job that was only queued, and 404s an unknown one', async () => {
    const queued = jobViewSchema.parse((await getJson('/api/jobs/bulk-3/summary')).body);
    expect(queued.summary).toMatchObject({ status: 'Queued', attempts: 0, jobName: 'Bulk 3' });
    expect((await getJson('/api/jobs/nobody/summary')).status).toBe(404);
  });
});

describe('GET /api/stats', () => {
  it('counts events and jobs by status over the window', async () => {
    const { status, body } = await getJson('/api/stats?minutes=60');
    expect(status).toBe(200);
    const stats = statsSchema.parse(body);
    expect(stats.eventsByStatus).toMatchObject({ Queued: 206, Started: 2, Step: 3, Completed: 1, Failed: 1, Retrying: 1, Deferred: 1 });
    expect(stats.jobsByStatus).toEqual({ Queued: 205, Completed: 1 });
    expect(stats).toMatchObject({ jobsSeen: 206, completed: 1, failed: 1, inFlight: 0, waiting: 205, windowMinutes: 60, truncated: false });
    expect(stats.processors.map((processor) => processor.processorId).sort()).toEqual(['proc-a', 'proc-b']);
    expect(stats.perMinute.completed.reduce((a, b) => a + b, 0)).toBe(1);
  });

  it('refuses a window outside 1–60 minutes', async () => {
    expect((await getJson('/api/stats?minutes=0')).status).toBe(400);
    expect((await getJson('/api/stats?minutes=61')).status).toBe(400);
  });
});

describe('GET /api/stream', () => {
  it('delivers a newly appended event to a connected client, then lets go of it', async () => {
    const response = await app.request('/api/stream');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    const readUntil = async (needle: string) => {
      const deadline = Date.now() + 10_000;
      while (!text.includes(needle)) {
        if (Date.now() > deadline) throw new Error(`stream never said ${needle}; got ${text}`);
        const { value, done } = await reader.read();
        if (done) throw new Error('stream ended');
        text += value;
      }
    };
    await readUntil('event: ready');
    await waitFor(() => services.deps.feed.listeners === 1, 'the stream to subscribe');
    await new Promise((resolve) => setTimeout(resolve, 300)); // the feed's first poll learns what is already there
    const appended = await services.storage.audit.append({ jobId: 'live-1', jobName: 'Live one', status: 'Queued', message: 'q', processorId: 'publisher', attempt: 0 });
    await services.storage.index.flush();
    await readUntil(appended.eventId);
    const block = text.split('\n\n').find((chunk) => chunk.includes(appended.eventId))!;
    expect(block).toContain('event: audit');
    expect(JSON.parse(block.split('\n').find((line) => line.startsWith('data: '))!.slice(6))).toEqual(appended);
    await readUntil(': keep-alive');
    await reader.cancel();
    await waitFor(() => services.deps.feed.listeners === 0, 'the stream to unsubscribe', 5000);
  });
});

describe('health, metrics, OpenAPI, page', () => {
  it('reports storage and broker healthy', async () => {
    const { status, body } = await getJson('/health');
    expect(status).toBe(200);
    const health = healthSchema.parse(body);
    expect(health.checks.storageBlob?.ok).toBe(true);
    expect(health.checks.storageTable?.ok).toBe(true);
  });

  it('serves Prometheus metrics: requests by route, storage requests by service and operation', async () => {
    await app.request('/api/jobs?limit=3');
    const response = await app.request('/metrics');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    expect(text).toMatch(/baton_dashboard_http_requests_total\{method="GET",route="\/api\/jobs",status="200"\} \d+/);
    expect(text).toMatch(/baton_dashboard_http_requests_total\{method="GET",route="\/api\/jobs\/:jobId",status="400"\} \d+/);
    expect(text).toMatch(/baton_storage_requests_total\{service="table",operation="query"\} \d+/);
    expect(text).toContain('baton_dashboard_http_request_duration_seconds_bucket');
    expect(text).toMatch(/baton_jobs_recent\{status="Queued"\} \d+/);
  });

  it('documents the API with the limits the handlers enforce', async () => {
    const { status, body } = await getJson('/api/openapi.json');
    expect(status).toBe(200);
    const doc = body as { openapi: string; paths: Record<string, { get?: { parameters?: Array<{ name: string; schema: { maximum: number; minimum: number } }> } }>; components: { schemas: Record<string, { required?: string[] }> } };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/jobs', '/api/jobs/{jobId}', '/api/jobs/{jobId}/summary', '/api/stats', '/api/stream', '/health', '/metrics']));
    expect(doc.components.schemas.AuditEvent?.required).toEqual(expect.arrayContaining(['jobId', 'eventId', 'status', 'message', 'timestamp', 'processorId', 'attempt']));
    const limit = doc.paths['/api/jobs']?.get?.parameters?.find((parameter) => parameter.name === 'limit');
    expect(limit?.schema).toMatchObject({ type: 'integer', minimum: 1, maximum: 1000 });
    expect((await app.request(`/api/jobs?limit=${limit!.schema.maximum}`)).status).toBe(200);
    expect((await app.request(`/api/jobs?limit=${limit!.schema.maximum + 1}`)).status).toBe(400);
  });

  it('serves the page with a CSP that allows only its own scripts and the hashed import map', async () => {
    const response = await app.request('/');
    expect(response.status).toBe(200);
    const html = await response.text();
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain('unsafe-inline');
    const importMap = /<script type="importmap">([\s\S]*?)<\/script>/.exec(html)?.[1] ?? '';
    expect(csp).toContain(`'sha256-${createHash('sha256').update(importMap).digest('base64')}'`);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    for (const url of Object.values(JSON.parse(importMap).imports as Record<string, string>)) {
      const asset = await app.request(url);
      expect(asset.status).toBe(200);
      expect(asset.headers.get('content-type')).toContain('javascript');
      expect((await app.request(url, { headers: { 'if-none-match': asset.headers.get('etag')! } })).status).toBe(304);
    }
  });

  it.each([
    // A method a known path does not take is a 405 (test/integration/dashboard-contract.test.ts).
    ['GET', '/nope'], ['GET', '/api/jobs/a/b/c'], ['GET', '/assets/../package.json'], ['GET', '/assets/%2e%2e/app.ts'], ['DELETE', '/api/nothing/x', `Bearer ${TOKEN}`],
  ])('answers %s %s with a JSON 404', async (method, path, authorization?: string) => {
    // A write without an operator token is refused (401) before routing: only an operator learns what exists.
    const response = await app.request(path, { method, headers: authorization ? { authorization, 'content-type': 'application/json' } : {} });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: 'not found' });
  });
});

describe('POST /api/demo-jobs', () => {
  it('needs the token', async () => {
    expect((await app.request('/api/demo-jobs', { method: 'POST' })).status).toBe(401);
    const wrong = await app.request('/api/demo-jobs', { method: 'POST', headers: { authorization: 'Bearer not-the-token-at-all' } });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ code: 'unauthorized' });
  });

  it('refuses a bad body', async () => {
    const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
    expect((await app.request('/api/demo-jobs', { method: 'POST', headers, body: '{"count": 0}' })).status).toBe(400);
    expect((await app.request('/api/demo-jobs', { method: 'POST', headers, body: '{not json' })).status).toBe(400);
    expect((await app.request('/api/demo-jobs', { method: 'POST', headers, body: '{"count": 1, "extra": true}' })).status).toBe(400);
    expect((await app.request('/api/demo-jobs', { method: 'POST', headers, body: JSON.stringify({ count: 1, pad: 'x'.repeat(5000) }) })).status).toBe(413);
  });

  it('publishes demo jobs through the broker and records them as Queued', async () => {
    const response = await app.request('/api/demo-jobs', {
      method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: '{"count": 2}',
    });
    expect(response.status).toBe(201);
    const { published } = (await response.json()) as { published: Array<{ jobId: string; jobName: string }> };
    expect(published).toHaveLength(2);
    for (const { jobId } of published) {
      const history = (await getJson(`/api/jobs/${jobId}`)).body as AuditEvent[];
      expect(history.map((event) => event.status)).toEqual(['Queued']);
    }
    const connection = await amqp.connect(AMQP_URL);
    const channel = await connection.createChannel();
    expect((await channel.checkQueue(`${namespace}.jobs`)).messageCount).toBe(2);
    await connection.close();
  });
});

describe('a dashboard without a token, on unreachable storage', () => {
  it('disables write actions, reports storage down with 503, and answers the API with JSON 503s', async () => {
    const down = await openDashboard({ storageConnectionString: UNREACHABLE_STORAGE, amqpUrl: AMQP_URL, namespace, token: undefined, logger: silentLogger() });
    try {
      const downApp = createApp(down.deps);
      const info = await (await downApp.request('/api/info')).json();
      expect(info).toEqual({ namespace, writeActions: false, readsNeedToken: false, caller: null });
      const action = await downApp.request('/api/demo-jobs', { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
      expect(action.status).toBe(403);
      expect(await action.json()).toMatchObject({ code: 'actions_disabled' });
      const health = await downApp.request('/health');
      expect(health.status).toBe(503);
      expect(healthSchema.parse(await health.json()).status).toBe('down');
      for (const path of ['/api/jobs', '/api/jobs/some-job', '/api/jobs/some-job/summary', '/api/stats']) {
        const response = await downApp.request(path);
        expect(response.status, path).toBe(503);
        expect(await response.json()).toMatchObject({ code: 'storage_unavailable' });
      }
    } finally {
      await down.close();
    }
  });
});
