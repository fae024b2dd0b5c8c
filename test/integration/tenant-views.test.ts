/**
 * The tenant views over a real system (RabbitMQ, Azurite, a Processor in-process): GET
 * /api/tenants/{tenantId}/jobs answers exactly as /api/summaries?tenantId= (same items, same cursor
 * paging, 400 for a bad tenant id), and every other read the page filters by tenant — recent events,
 * snapshot figures, the live stream — shows that tenant's jobs only; /api/tenants and `baton tenants show`
 * count a tenant's running jobs even when it has no concurrency limit.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../src/contracts/audit-event.js';
import { loadConfig } from '../../src/core/config.js';
import { silentLogger } from '../../src/core/logger.js';
import { createApp } from '../../src/dashboard/app.js';
import { openDashboard, type DashboardServices } from '../../src/dashboard/dashboard-services.js';
import { Processor } from '../../src/processor/processor.js';
import { deleteNamespaceQueues, deleteNamespaceStorage } from '../helpers/cleanup.js';
import { freshNamespace } from '../helpers/namespace.js';
import { waitFor } from '../helpers/system.js';

const OPERATOR = 'tenant-views-operator-0123';
const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/cli.js');
const namespace = freshNamespace('tv');
const config = loadConfig({ env: {}, flags: { namespace, concurrency: '4' } });
const logger = silentLogger();
let services: DashboardServices;
let app: Hono;
let processor: Processor;

interface Page { items: Array<{ jobId: string; status: string; tenantId?: string }>; nextCursor: string | null }

async function getJson<T>(path: string): Promise<{ status: number; body: T }> {
  const response = await app.request(path);
  return { status: response.status, body: (await response.json()) as T };
}

async function submit(jobs: unknown[]): Promise<void> {
  const response = await app.request('/api/jobs', {
    method: 'POST', headers: { authorization: `Bearer ${OPERATOR}`, 'content-type': 'application/json' }, body: JSON.stringify(jobs),
  });
  expect(response.status).toBe(202);
}

/** Every job of a list, following nextCursor. */
async function all(path: string, limit: number): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const { status, body }: { status: number; body: Page } = await getJson<Page>(`${path}${path.includes('?') ? '&' : '?'}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    expect(status).toBe(200);
    ids.push(...body.items.map((item) => item.jobId));
    cursor = body.nextCursor;
    pages++;
  } while (cursor !== null && pages < 50);
  return { ids, pages };
}

const quick = { steps: 1, stepMs: 0 };

beforeAll(async () => {
  services = await openDashboard({ storageConnectionString: config.storageConnectionString, amqpUrl: config.amqpUrl, namespace, token: OPERATOR, logger, feed: { pollMs: 200 } });
  app = createApp(services.deps);
  // One at a time, a few ms apart, so that "newest first" has one right answer.
  for (const [jobId, tenantId] of [['a-1', 'acme'], ['b-1', 'bolt'], ['a-2', 'acme'], ['n-1', undefined], ['a-3', 'acme'], ['b-2', 'bolt']] as const) {
    await submit([{ jobId, jobName: `job ${jobId}`, ...(tenantId ? { tenantId } : {}), processingParameters: quick }]);
    await new Promise((resolve) => setTimeout(resolve, 3));
  }
  processor = new Processor(config, { logger });
  await processor.start();
  await waitFor(async () => (await all('/api/summaries?status=Completed', 100)).ids.length === 6 || undefined, 'six completed jobs in the index', 60_000, 300);
});

afterAll(async () => {
  await processor?.stop();
  await services?.close();
  await deleteNamespaceQueues(namespace);
  await deleteNamespaceStorage(namespace, config.storageConnectionString);
});

describe('GET /api/tenants/{tenantId}/jobs', () => {
  it("lists the tenant's jobs only, newest first, exactly as /api/summaries?tenantId=", async () => {
    const mine = await all('/api/tenants/acme/jobs', 100);
    expect(mine.ids).toEqual(['a-3', 'a-2', 'a-1']);
    const page = await getJson<Page>('/api/tenants/acme/jobs?status=Completed&limit=10');
    expect(page.body.items.every((item) => item.tenantId === 'acme' && item.status === 'Completed')).toBe(true);
    expect(page.body).toEqual((await getJson<Page>('/api/summaries?tenantId=acme&status=Completed&limit=10')).body);
    expect((await all('/api/tenants/bolt/jobs?status=Completed', 100)).ids).toEqual(['b-2', 'b-1']);
    expect((await all('/api/tenants/nobody/jobs', 100)).ids).toEqual([]);
  });

  it('pages with the cursor, without gaps or repeats, and takes the cursor of /api/summaries for the same list', async () => {
    const paged = await all('/api/tenants/acme/jobs?status=Completed', 1);
    expect(paged.ids).toEqual(['a-3', 'a-2', 'a-1']);
    expect(paged.pages).toBeGreaterThanOrEqual(3);
    const first = await getJson<Page>('/api/summaries?tenantId=acme&status=Completed&limit=1');
    const next = await getJson<Page>(`/api/tenants/acme/jobs?status=Completed&limit=2&cursor=${encodeURIComponent(first.body.nextCursor!)}`);
    expect(next.body.items.map((item) => item.jobId)).toEqual(['a-2', 'a-1']);
  });

  it('refuses a bad tenant id and bad parameters with a 400 naming them', async () => {
    const cursor = (await getJson<Page>('/api/tenants/acme/jobs?status=Completed&limit=1')).body.nextCursor!;
    for (const [path, field] of [
      ['/api/tenants/bad%20tenant/jobs', 'tenantId'],
      ['/api/tenants/-acme/jobs', 'tenantId'],
      [`/api/tenants/${'x'.repeat(65)}/jobs`, 'tenantId'],
      ['/api/tenants/acme/jobs?status=Bogus', 'status'],
      ['/api/tenants/acme/jobs?limit=0', 'limit'],
      ['/api/tenants/acme/jobs?type=%24bad', 'type'],
      [`/api/tenants/acme/jobs?status=DeadLettered&cursor=${encodeURIComponent(cursor)}`, 'cursor'],
    ] as const) {
      const { status, body } = await getJson<{ error: string }>(path);
      expect(status, path).toBe(400);
      expect(body.error, path).toContain(field);
    }
  });

  it('is in the OpenAPI document with examples and a link to the job summary', async () => {
    const { body } = await getJson<{ paths: Record<string, Record<string, { operationId?: string; parameters?: Array<{ name: string }>; responses: Record<string, { links?: Record<string, { operationId: string }>; content?: Record<string, { example?: unknown }> }> }>> }>('/api/openapi.json');
    const operation = body.paths['/api/tenants/{tenantId}/jobs']!.get!;
    expect(operation.operationId).toBe('listTenantJobs');
    expect(operation.parameters!.map((p) => p.name)).toEqual(expect.arrayContaining(['tenantId', 'status', 'type', 'limit', 'cursor']));
    expect(operation.responses['200']!.content!['application/json']!.example).toBeDefined();
    expect(operation.responses['200']!.links!.status!.operationId).toBe('getJobSummary');
    expect(body.paths['/api/tenants/{tenantId}']!.get!.responses['200']!.links!.jobs!.operationId).toBe('listTenantJobs');
    expect(body.paths['/api/jobs']!.get!.parameters!.map((p) => p.name)).toContain('tenantId');
    expect(body.paths['/api/stats']!.get!.parameters!.map((p) => p.name)).toContain('tenantId');
  });
});

describe('the other reads, by tenant', () => {
  it("recent events: every event of the tenant's jobs carries it, and no other job's", async () => {
    const { status, body } = await getJson<AuditEvent[]>('/api/jobs?limit=1000&tenantId=acme');
    expect(status).toBe(200);
    expect(new Set(body.map((event) => event.jobId))).toEqual(new Set(['a-1', 'a-2', 'a-3']));
    expect(body.every((event) => event.tenantId === 'acme')).toBe(true);
    expect(new Set(body.filter((e) => e.jobId === 'a-1').map((e) => e.status))).toEqual(new Set(['Queued', 'Started', 'Step', 'Completed']));
    const everything = await getJson<AuditEvent[]>('/api/jobs?limit=1000');
    expect(everything.body.filter((event) => event.jobId === 'n-1').every((event) => event.tenantId === undefined)).toBe(true);
    expect((await getJson<{ error: string }>('/api/jobs?tenantId=no%20such')).status).toBe(400);
  });

  it("snapshot figures of one tenant's jobs, from the same read as the fleet's", async () => {
    const fleet = await getJson<{ completed: number }>('/api/stats');
    const acme = await getJson<{ completed: number; jobsByStatus: Record<string, number>; jobsSeen: number }>('/api/stats?tenantId=acme');
    expect(fleet.body.completed).toBe(6);
    expect(acme.body).toMatchObject({ completed: 3, jobsSeen: 3, jobsByStatus: { Completed: 3 } });
    expect((await getJson<{ jobsSeen: number }>('/api/stats?tenantId=nobody')).body.jobsSeen).toBe(0);
    expect((await getJson<{ error: string }>('/api/stats?tenantId=%2Fx')).status).toBe(400);
  });

  it("the live stream sends one tenant's events only", async () => {
    expect((await app.request('/api/stream?tenantId=bad%20id')).status).toBe(400);
    const abort = new AbortController();
    const response = await app.request('/api/stream?tenantId=bolt', { signal: abort.signal });
    expect(response.status).toBe(200);
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    const seen: AuditEvent[] = [];
    let buffer = '';
    const read = (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += value;
        for (const match of buffer.matchAll(/event: audit\ndata: (.*)\n/g)) seen.push(JSON.parse(match[1]!) as AuditEvent);
        buffer = buffer.slice(buffer.lastIndexOf('\n\n') + 2);
        if (seen.some((event) => event.jobId === 'b-3' && event.status === 'Completed')) return;
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 500));
    await submit([{ jobId: 'a-4', jobName: 'acme again', tenantId: 'acme', processingParameters: quick }, { jobId: 'b-3', jobName: 'bolt again', tenantId: 'bolt', processingParameters: quick }]);
    await Promise.race([read, new Promise((_, reject) => setTimeout(() => reject(new Error(`b-3 did not complete on the stream; saw ${seen.map((e) => `${e.jobId}:${e.status}`).join(' ')}`)), 30_000))]);
    abort.abort();
    await reader.cancel().catch(() => undefined);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((event) => event.tenantId === 'bolt')).toBe(true);
    // a-4 ran meanwhile (published first, in the same request), and the fleet stream had it.
    await waitFor(async () => (await getJson<AuditEvent[]>('/api/jobs?tenantId=acme&limit=1000')).body.some((e) => e.jobId === 'a-4' && e.status === 'Completed') || undefined, 'a-4 completed', 30_000, 200);
  });

  it('counts a running job of a tenant with no limits in /api/tenants, and lists the tenant', async () => {
    // Long enough to still run while the CLI starts twice on a loaded machine; cancelled at the end.
    await submit([{ jobId: 'c-long', jobName: 'a long one', tenantId: 'cargo', processingParameters: { steps: 600, stepMs: 200 } }]);
    const running = await waitFor(async () => {
      const { body } = await getJson<Array<{ tenantId: string; use: { running: number }; limits: { concurrency: number | null } }>>('/api/tenants');
      return body.find((tenant) => tenant.tenantId === 'cargo' && tenant.use.running === 1);
    }, 'cargo listed with one job running', 30_000, 200);
    expect(running.limits.concurrency).toBeNull();
    expect((await getJson<{ use: { running: number } }>('/api/tenants/cargo')).body.use.running).toBe(1);
    expect((await getJson<{ use: { running: number } }>('/api/tenants/acme')).body.use.running).toBe(0);
    // `baton tenants show` reads the same figures.
    const run = (args: string[]) => promisify(execFile)(process.execPath, [CLI, 'tenants', 'show', ...args], { env: { ...process.env, BATON_NAMESPACE: namespace } });
    expect(JSON.parse((await run(['cargo', '--json'])).stdout)).toMatchObject({ tenantId: 'cargo', use: { running: 1 } });
    expect((await run([])).stdout).toMatch(/^cargo: concurrency none \(default\), rate none \(default\); running 1,/m);
    const cancel = await app.request('/api/jobs/c-long/cancel', { method: 'POST', headers: { authorization: `Bearer ${OPERATOR}`, 'content-type': 'application/json' }, body: '{}' });
    expect(cancel.status).toBe(202);
  });
});

describe("an operator's actions in the tenant's feed", () => {
  it('shows CancelRequested and Cancelled of a tenant\'s job under that tenant', async () => {
    await submit([{ jobId: 'c-1', jobName: 'cello, due in an hour', tenantId: 'cello', delayMs: 3_600_000, processingParameters: quick }]);
    const cancel = await app.request('/api/jobs/c-1/cancel', { method: 'POST', headers: { authorization: `Bearer ${OPERATOR}`, 'content-type': 'application/json' }, body: '{}' });
    expect(cancel.status).toBe(202);
    const statuses = await waitFor(async () => {
      const { body } = await getJson<AuditEvent[]>('/api/jobs?limit=1000&tenantId=cello');
      const seen = new Set(body.filter((event) => event.jobId === 'c-1').map((event) => event.status));
      return seen.has('Cancelled') ? seen : undefined;
    }, "c-1's Cancelled in the tenant's feed", 20_000, 200);
    expect(statuses).toEqual(new Set(['Scheduled', 'CancelRequested', 'Cancelled']));
  });
});
