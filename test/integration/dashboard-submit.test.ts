/**
 * POST /api/jobs and who may do what, on the real RabbitMQ and Azurite: jobs accepted only once confirmed
 * and recorded, every bad field named, 413 and 503s, Idempotency-Key (two dashboards, one key, one job),
 * and the roles: no token 401, a viewer 403, a cross-site form post refused, reads closed by a viewer token.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import amqp, { type Channel, type ChannelModel } from 'amqplib';
import type { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../src/contracts/audit-event.js';
import { namesFor } from '../../src/contracts/names.js';
import { AZURITE_CONNECTION_STRING } from '../../src/core/config.js';
import { silentLogger } from '../../src/core/logger.js';
import { createApp } from '../../src/dashboard/app.js';
import { openDashboard, type DashboardServices } from '../../src/dashboard/dashboard-services.js';
import { deleteNamespaceQueues, deleteNamespaceStorage } from '../helpers/cleanup.js';
import { freshNamespace } from '../helpers/namespace.js';
import { AMQP_URL } from '../helpers/system.js';

const OPERATOR = 'alice-secret-0123456789';
const VIEWER = 'victor-secret-0123456789';
const TOKENS = `alice:operator:${OPERATOR},victor:viewer:${VIEWER}`;
const UNREACHABLE_STORAGE =
  'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;' +
  'BlobEndpoint=http://127.0.0.1:9/devstoreaccount1;TableEndpoint=http://127.0.0.1:9/devstoreaccount1;';

const namespace = freshNamespace('sub');
const names = namesFor(namespace);
let first: DashboardServices;
let second: DashboardServices;
let app: Hono;
let otherApp: Hono;
let connection: ChannelModel;
let channel: Channel;

const json = (token: string | undefined, extra: Record<string, string> = {}) => ({
  'content-type': 'application/json',
  ...(token ? { authorization: `Bearer ${token}` } : {}),
  ...extra,
});

function post(target: Hono, body: unknown, headers: Record<string, string> = json(OPERATOR)): Promise<Response> {
  return Promise.resolve(target.request('/api/jobs', { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) }));
}

async function queued(): Promise<number> {
  return (await channel.checkQueue(names.jobsQueue)).messageCount;
}

beforeAll(async () => {
  const options = { storageConnectionString: AZURITE_CONNECTION_STRING, amqpUrl: AMQP_URL, namespace, token: undefined, tokens: TOKENS, logger: silentLogger() };
  first = await openDashboard(options);
  second = await openDashboard(options);
  app = createApp(first.deps);
  otherApp = createApp(second.deps);
  await first.deps.publisher.get(); // declares the queues the checks below count
  connection = await amqp.connect(AMQP_URL);
  channel = await connection.createChannel();
});

afterAll(async () => {
  await first.close();
  await second.close();
  await connection.close();
  await deleteNamespaceQueues(namespace);
  await deleteNamespaceStorage(namespace, AZURITE_CONNECTION_STRING);
});

describe('POST /api/jobs', () => {
  it('accepts one job (a UUID when jobId is omitted) only once it is queued and recorded, in the name of the token', async () => {
    const before = await queued();
    const response = await post(app, { jobName: 'Over HTTP', processingParameters: { steps: 1, stepMs: 0 } });
    expect(response.status).toBe(202);
    const body = (await response.json()) as { jobId: string; statusUrl: string };
    expect(body.jobId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(body.statusUrl).toBe(`/api/jobs/${body.jobId}/summary`);
    expect(await queued()).toBe(before + 1);
    const history = (await (await app.request(`/api/jobs/${body.jobId}`, { headers: json(VIEWER) })).json()) as AuditEvent[];
    expect(history.map((event) => event.status)).toEqual(['Queued']);
    expect(history[0]!.message).toContain('by alice');
    const status = await app.request(body.statusUrl, { headers: json(VIEWER) });
    expect(status.status).toBe(200);
  });

  it('accepts an array, keeping given ids and order', async () => {
    const before = await queued();
    const response = await post(app, [{ jobId: 'arr-1', jobName: 'a' }, { jobName: 'b' }, { jobId: 'arr-3', jobName: 'c', type: 'custom', processingParameters: { any: 1 } }]);
    expect(response.status).toBe(202);
    const body = (await response.json()) as Array<{ jobId: string }>;
    expect(body).toHaveLength(3);
    expect(body[0]!.jobId).toBe('arr-1');
    expect(body[2]!.jobId).toBe('arr-3');
    expect(await queued()).toBe(before + 3);
  });

  it('answers 400 naming each bad field, and publishes nothing', async () => {
    const before = await queued();
    const response = await post(app, [
      { jobName: '' },
      { jobName: 'ok', processingParameters: { steps: -1, stepMs: 'slow' } },
      { jobName: 'ok', priority: 'high', colour: 'red' },
      'not an object',
      { jobId: 'dup', jobName: 'x' },
      { jobId: 'dup', jobName: 'y' },
    ]);
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: string; issues: Array<{ path: string; reason: string }> };
    const paths = body.issues.map((issue) => issue.path);
    expect(paths).toEqual(expect.arrayContaining([
      '[0].jobName', '[1].processingParameters.steps', '[1].processingParameters.stepMs', '[2].priority', '[2]', '[3]', '[5].jobId',
    ]));
    for (const issue of body.issues) expect(issue.reason.length).toBeGreaterThan(0);
    expect(body.error).toContain('[0].jobName');
    expect(await queued()).toBe(before);
  });

  it.each([
    ['not JSON', '{"jobName": '],
    ['an empty array', '[]'],
    ['1,001 jobs', JSON.stringify(Array.from({ length: 1001 }, (_, i) => ({ jobName: `j${i}` })))],
    ['a number', '42'],
  ])('answers 400 for %s', async (_what, body) => {
    const response = await post(app, body);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'invalid_request' });
  });

  it('answers 413 for a body over 1 MiB, whatever it holds', async () => {
    const response = await post(app, JSON.stringify([{ jobName: 'big', description: 'x'.repeat(1024 * 1024) }]));
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ code: 'payload_too_large' });
  });

  it('refuses an Idempotency-Key outside 1–128 printable characters', async () => {
    const response = await post(app, { jobName: 'k' }, json(OPERATOR, { 'idempotency-key': 'k'.repeat(129) }));
    expect(response.status).toBe(400);
  });
});

describe('processingParameters of handlers given with BATON_HANDLERS', () => {
  it('are checked with the handler\'s own schema', async () => {
    const handlers = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/handlers-with-params.mjs');
    const withHandlers = await openDashboard({ storageConnectionString: AZURITE_CONNECTION_STRING, amqpUrl: AMQP_URL, namespace, token: undefined, tokens: TOKENS, handlers, logger: silentLogger() });
    try {
      const target = createApp(withHandlers.deps);
      const bad = await post(target, { jobName: 'resize', type: 'resize', processingParameters: { width: 0, height: 5 } });
      expect(bad.status).toBe(400);
      const { issues } = (await bad.json()) as { issues: Array<{ path: string }> };
      expect(issues.map((issue) => issue.path).sort()).toEqual(['processingParameters', 'processingParameters.width']);
      expect((await post(target, { jobName: 'resize', type: 'resize', processingParameters: { width: 640 } })).status).toBe(202);
    } finally {
      await withHandlers.close();
    }
  });
});

describe('Idempotency-Key', () => {
  it('two concurrent requests with one key, on two dashboards, make one job; a retry gets the first answer with 200', async () => {
    const before = await queued();
    const body = [{ jobName: 'once' }, { jobName: 'twice?' }];
    const headers = json(OPERATOR, { 'idempotency-key': 'order-4711' });
    const answers = await Promise.all([post(app, body, headers), post(otherApp, body, headers)]);
    const statuses = answers.map((answer) => answer.status).sort();
    // One wins the key; the other either sees it in progress (409, retry) or finished (200, same answer).
    expect([[202, 409], [200, 202]]).toContainEqual(statuses);
    const winner = answers.find((answer) => answer.status === 202)!;
    const accepted = (await winner.json()) as Array<{ jobId: string }>;
    expect(await queued()).toBe(before + 2);
    const retry = await post(otherApp, body, headers);
    expect(retry.status).toBe(200);
    expect(await retry.json()).toEqual(accepted);
    expect(await queued()).toBe(before + 2);
  });

  it('answers 422 for the same key with a different body', async () => {
    const headers = json(OPERATOR, { 'idempotency-key': 'reused' });
    expect((await post(app, { jobName: 'first' }, headers)).status).toBe(202);
    const other = await post(app, { jobName: 'second' }, headers);
    expect(other.status).toBe(422);
    expect(await other.json()).toMatchObject({ code: 'idempotency_key_reused' });
  });

  it('answers 409 (retryable) while the first request with the key is in progress', async () => {
    const key = 'slow-key';
    const body = JSON.stringify({ jobName: 'waits' });
    // Hold the key as an unfinished first request with this very body would.
    const held = await first.deps.idempotency.claim('', key, createHash('sha256').update(body).digest('base64'));
    expect(held.kind).toBe('claimed');
    const response = await post(app, body, json(OPERATOR, { 'idempotency-key': key }));
    expect(response.status).toBe(409);
    expect(response.headers.get('retry-after')).toBe('1');
    expect(await response.json()).toMatchObject({ code: 'idempotency_in_progress' });
  });
});

describe('who may do what', () => {
  it('answers 401 without a token, 403 with a viewer\'s, and refuses a cross-site form post', async () => {
    const before = await queued();
    expect((await post(app, { jobName: 'x' }, json(undefined))).status).toBe(401);
    expect((await post(app, { jobName: 'x' }, json('wrong-secret-0123456789'))).status).toBe(401);
    const viewer = await post(app, { jobName: 'x' }, json(VIEWER));
    expect(viewer.status).toBe(403);
    expect(await viewer.json()).toMatchObject({ code: 'forbidden' });
    // What a hostile page's <form method=post> can send: no Authorization header, a form content type.
    const form = { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' };
    expect((await app.request('/api/jobs', { method: 'POST', headers: form, body: 'jobName=x' })).status).toBe(401);
    // Even carrying an operator's token, a form-encoded or text/plain body is refused.
    for (const type of ['application/x-www-form-urlencoded', 'text/plain', 'multipart/form-data; boundary=x']) {
      const response = await app.request('/api/jobs', { method: 'POST', headers: { 'content-type': type, authorization: `Bearer ${OPERATOR}` }, body: '{"jobName":"x"}' });
      expect(response.status, type).toBe(415);
    }
    expect(await queued()).toBe(before);
  });

  it('closes reads once a viewer token exists, and keeps /health, /metrics and the page open', async () => {
    expect((await app.request('/api/jobs')).status).toBe(401);
    expect((await app.request('/api/jobs', { headers: { authorization: `Bearer ${VIEWER}` } })).status).toBe(200);
    expect((await app.request('/api/jobs', { headers: { authorization: `Bearer ${OPERATOR}` } })).status).toBe(200);
    for (const path of ['/health', '/metrics', '/', '/api/openapi.json']) expect((await app.request(path)).status, path).toBe(200);
  });
});

describe('/api/openapi.json', () => {
  it('has an example for every operation and links from submit to status, history and cancel', async () => {
    const document = (await (await app.request('/api/openapi.json')).json()) as { paths: Record<string, Record<string, { operationId?: string; responses: Record<string, { content?: Record<string, { example?: unknown }>; links?: Record<string, { operationId: string }> }> }>> };
    const operationIds = new Set<string>();
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        if (operation.operationId) operationIds.add(operation.operationId);
        const examples = Object.values(operation.responses).flatMap((response) => Object.values(response.content ?? {}).filter((content) => content.example !== undefined));
        expect(examples.length, `${method} ${path}`).toBeGreaterThan(0);
      }
    }
    const links = document.paths['/api/jobs']!.post!.responses['202']!.links!;
    expect(Object.values(links).map((link) => link.operationId).sort()).toEqual(['cancelJob', 'getJobEvents', 'getJobSummary']);
    for (const link of Object.values(links)) expect(operationIds).toContain(link.operationId);
  });

  it('serves the reference page and its files locally, with a policy that still allows scripts only from here', async () => {
    const page = await app.request('/api/docs');
    expect(page.status).toBe(200);
    const policy = page.headers.get('content-security-policy') ?? '';
    expect(policy).toContain("script-src 'self'");
    expect(policy).not.toMatch(/script-src[^;]*unsafe/);
    expect(await page.text()).not.toMatch(/https?:\/\//);
    const bundle = await app.request('/api/docs/swagger-ui-bundle.js');
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get('content-type')).toContain('javascript');
    for (const path of ['/api/docs/package.json', '/api/docs/%2e%2e%2fpackage.json', '/api/docs/index.html']) expect((await app.request(path)).status, path).toBe(404);
  });
});

describe('503 naming what is down', () => {
  it('names the broker when RabbitMQ cannot be reached', async () => {
    const down = await openDashboard({
      storageConnectionString: AZURITE_CONNECTION_STRING, amqpUrl: 'amqp://guest:guest@127.0.0.1:9', namespace, token: OPERATOR,
      logger: silentLogger(), publisherStartTimeoutMs: 1500,
    });
    try {
      const response = await post(createApp(down.deps), { jobName: 'nowhere' });
      expect(response.status).toBe(503);
      const body = (await response.json()) as { error: string; code: string };
      expect(body.code).toBe('broker_unavailable');
      expect(body.error).toMatch(/RabbitMQ/);
    } finally {
      await down.close();
    }
  });

  it('names storage when Azure Storage cannot be reached', async () => {
    const down = await openDashboard({
      storageConnectionString: UNREACHABLE_STORAGE, amqpUrl: AMQP_URL, namespace, token: OPERATOR, logger: silentLogger(), publisherStartTimeoutMs: 1500,
    });
    try {
      const response = await post(createApp(down.deps), { jobName: 'nowhere' });
      expect(response.status).toBe(503);
      const body = (await response.json()) as { error: string; code: string };
      expect(body.code).toBe('storage_unavailable');
      expect(body.error).toMatch(/Storage/);
    } finally {
      await down.close();
    }
  });
});
