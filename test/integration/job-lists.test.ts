/**
 * Job lists by state (GET /api/summaries) over a real system: jobs submitted over HTTP, run by a real
 * Processor in-process, listed from the job-state index: by status, type and tenant-less, newest first,
 * paged with the cursor without gaps or repeats, a job listed only under its current status.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config.js';
import { silentLogger } from '../../src/core/logger.js';
import { createApp } from '../../src/dashboard/app.js';
import { openDashboard, type DashboardServices } from '../../src/dashboard/dashboard-services.js';
import { Processor } from '../../src/processor/processor.js';
import { deleteNamespaceQueues, deleteNamespaceStorage } from '../helpers/cleanup.js';
import { freshNamespace } from '../helpers/namespace.js';
import { waitFor } from '../helpers/system.js';

const OPERATOR = 'lists-operator-0123456789';
const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/cli.js');
const run = (args: string[]) => promisify(execFile)(process.execPath, [CLI, ...args], { env: { ...process.env, BATON_NAMESPACE: namespace, BATON_LOG_FORMAT: 'json' } });
const namespace = freshNamespace('jl');
const config = loadConfig({ env: {}, flags: { namespace, concurrency: '8', retryBaseMs: '100', retryMaxMs: '1000', leaseSeconds: '15' } });
const logger = silentLogger();
let services: DashboardServices;
let app: Hono;
let processor: Processor;

interface Page { items: Array<{ jobId: string; status: string; type: string; createdAt: string; attempts: number }>; nextCursor: string | null }

async function page(query: string): Promise<{ status: number; body: Page }> {
  const response = await app.request(`/api/summaries${query}`);
  return { status: response.status, body: (await response.json()) as Page };
}

async function all(query: string, limit: number): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const { status, body } = await page(`?${query}&limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    expect(status).toBe(200);
    ids.push(...body.items.map((item) => item.jobId));
    cursor = body.nextCursor;
    pages++;
  } while (cursor !== null && pages < 100);
  return { ids, pages };
}

async function submit(jobs: unknown[]): Promise<void> {
  const response = await app.request('/api/jobs', {
    method: 'POST', headers: { authorization: `Bearer ${OPERATOR}`, 'content-type': 'application/json' }, body: JSON.stringify(jobs),
  });
  expect(response.status).toBe(202);
}

beforeAll(async () => {
  services = await openDashboard({ storageConnectionString: config.storageConnectionString, amqpUrl: config.amqpUrl, namespace, token: OPERATOR, logger });
  app = createApp(services.deps);
  // Created one at a time, 2 ms apart, so that "newest first" has one right answer.
  for (let i = 0; i < 12; i++) {
    await submit([{ jobId: `ok-${String(i).padStart(2, '0')}`, jobName: `ok ${i}`, processingParameters: { steps: 1, stepMs: 0 } }]);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  await submit([
    { jobId: 'dead-1', jobName: 'fails', maxAttempts: 1, processingParameters: { steps: 1, stepMs: 0, failTimes: 5 } },
    { jobId: 'other-1', jobName: 'another type', type: 'nohandler' },
  ]);
  processor = new Processor(config, { logger });
  await processor.start();
});

afterAll(async () => {
  await processor?.stop();
  await services.close();
  await deleteNamespaceQueues(namespace);
  await deleteNamespaceStorage(namespace, config.storageConnectionString);
});

describe('GET /api/summaries', () => {
  it('lists completed jobs newest first, paged without gaps or repeats', async () => {
    await waitFor(async () => (await all('status=Completed', 1000)).ids.length === 12 || undefined, 'twelve completed jobs in the index', 60_000, 300);
    const expected = Array.from({ length: 12 }, (_, i) => `ok-${String(11 - i).padStart(2, '0')}`);
    const paged = await all('status=Completed', 5);
    expect(paged.ids).toEqual(expected);
    expect(paged.pages).toBe(3);
    const first = await page('?status=Completed&limit=2');
    expect(first.body.items.every((item) => item.status === 'Completed' && item.type === 'steps' && item.attempts === 1)).toBe(true);
  });

  it('lists a dead-lettered job under DeadLettered only, and a waiting job under Queued', async () => {
    await waitFor(async () => (await page('?status=DeadLettered')).body.items.some((item) => item.jobId === 'dead-1') || undefined, 'dead-1 dead-lettered', 60_000, 300);
    for (const status of ['Queued', 'Started', 'Retrying', 'Completed']) {
      expect((await all(`status=${status}`, 1000)).ids, status).not.toContain('dead-1');
    }
    const queued = await all('status=Queued', 1000);
    expect(queued.ids).toContain('other-1');
    expect(queued.ids.some((id) => id.startsWith('ok-'))).toBe(false);
  });

  it('filters by type, and lists every job without a status', async () => {
    expect((await all('type=nohandler', 1000)).ids).toEqual(['other-1']);
    const everything = await all('', 4);
    expect(new Set(everything.ids).size).toBe(14);
    // Submitted last (in one request, possibly the same millisecond): first.
    expect(everything.ids.slice(0, 2).sort()).toEqual(['dead-1', 'other-1']);
  });

  it('refuses bad parameters and a cursor from another list', async () => {
    const completed = await page('?status=Completed&limit=1');
    expect(completed.body.nextCursor).not.toBeNull();
    for (const query of ['?status=Bogus', '?limit=0', '?limit=1001', '?type=%24bad', `?status=DeadLettered&cursor=${completed.body.nextCursor}`, '?cursor=not-a-cursor']) {
      const response = await app.request(`/api/summaries${query}`);
      expect(response.status, query).toBe(400);
    }
  });
});

describe('baton jobs list / show', () => {
  it('lists the same jobs as the API, as text and JSON, and shows one job\'s history', async () => {
    const json = JSON.parse((await run(['jobs', 'list', '--status', 'Completed', '--limit', '5', '--json'])).stdout) as Page;
    expect(json.items.map((item) => item.jobId)).toEqual((await page('?status=Completed&limit=5')).body.items.map((item) => item.jobId));
    const next = JSON.parse((await run(['jobs', 'list', '--status', 'Completed', '--limit', '5', '--cursor', json.nextCursor!, '--json'])).stdout) as Page;
    expect(next.items[0]!.jobId).toBe('ok-06');
    const text = (await run(['jobs', 'list', '--status', 'DeadLettered'])).stdout;
    expect(text).toMatch(/JOB ID\s+STATUS/);
    expect(text).toContain('dead-1');
    const shown = JSON.parse((await run(['jobs', 'show', 'dead-1', '--json'])).stdout) as { status: string; events: Array<{ status: string }> };
    expect(shown.status).toBe('DeadLettered');
    expect(shown.events.map((event) => event.status)).toEqual(expect.arrayContaining(['Queued', 'Started', 'Failed', 'DeadLettered']));
    expect((await run(['jobs', 'show', 'ok-00'])).stdout).toContain('status Completed');
    await expect(run(['jobs', 'show', 'no-such-job'])).rejects.toMatchObject({ code: 1 });
  });
});
