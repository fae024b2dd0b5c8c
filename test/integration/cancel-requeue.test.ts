/**
 * Cancel and requeue (issue 11) on the real RabbitMQ and Azurite: a queued and a scheduled job never start;
 * a running job on another processor stops within 2 s, keeps its lease until its handler returned, and never
 * runs again; a cancel racing completion ends with one final status; a dead-lettered job runs again after its
 * dead-letter queue was purged, and its old dead-letter copy moved back is a Duplicate; 404/409/401/403;
 * bulk dry run and bulk requeue, over HTTP and from the CLI.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AZURITE_CONNECTION_STRING } from '../../src/core/config.js';
import { silentLogger } from '../../src/core/logger.js';
import { createApp } from '../../src/dashboard/app.js';
import { openDashboard, type DashboardServices } from '../../src/dashboard/dashboard-services.js';
import { AMQP_URL, TestSystem, waitFor } from '../helpers/system.js';

const HANDLERS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/cancel-handlers.mjs');
const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/cli.js');
const OPERATOR = 'alice-secret-0123456789';
const VIEWER = 'victor-secret-0123456789';
const FINAL = ['Completed', 'DeadLettered', 'Cancelled'];
const system = new TestSystem();
const dir = mkdtempSync(path.join(os.tmpdir(), 'baton-cancel-'));
let dashboard: DashboardServices;
let app: Hono;

function post(url: string, body: unknown = {}, token: string | undefined = OPERATOR, headers: Record<string, string> = {}): Promise<Response> {
  return Promise.resolve(app.request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    body: JSON.stringify(body),
  }));
}

async function finalStatuses(jobId: string): Promise<string[]> {
  return (await system.statuses(jobId)).filter((status) => FINAL.includes(status));
}

function cli(args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { ...process.env, BATON_NAMESPACE: system.namespace, BATON_ACTOR: 'carol@cli' } }, (error, stdout, stderr) => {
      resolve({ stdout, stderr, code: error ? Number((error as { code?: number }).code ?? 1) : 0 });
    });
  });
}

beforeAll(async () => {
  await system.start();
  dashboard = await openDashboard({
    storageConnectionString: AZURITE_CONNECTION_STRING, amqpUrl: AMQP_URL, namespace: system.namespace, token: undefined,
    tokens: `alice:operator:${OPERATOR},victor:viewer:${VIEWER}`, logger: silentLogger(),
  });
  app = createApp(dashboard.deps);
});

afterAll(async () => {
  await dashboard?.close();
  await system.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('before any processor runs', () => {
  it('cancels a queued job and a scheduled job at once; neither ever starts', async () => {
    const queued = system.job({ jobName: 'queued, then cancelled' });
    const scheduled = system.job({ jobName: 'scheduled, then cancelled', delayMs: 3000 });
    await system.publish([queued, scheduled]);
    for (const job of [queued, scheduled]) {
      const response = await post(`/api/jobs/${job.jobId}/cancel`);
      expect(response.status).toBe(202);
      expect(await response.json()).toMatchObject({ jobId: job.jobId, status: 'Cancelled' });
      const history = await system.history(job.jobId);
      expect(history.find((e) => e.status === 'CancelRequested')?.message).toContain('alice');
      expect(JSON.stringify(history)).not.toContain(OPERATOR);
    }
    // Cancelling again names the status it ended in.
    const again = await post(`/api/jobs/${queued.jobId}/cancel`);
    expect(again.status).toBe(409);
    expect((await again.json()).error).toContain('Cancelled');
    await system.startProcessor({ BATON_HANDLERS: HANDLERS, BATON_CONCURRENCY: '4' });
    await system.startProcessor({ BATON_HANDLERS: HANDLERS, BATON_CONCURRENCY: '4' });
    // Both messages come (the scheduled one at its due time) and are acknowledged unrun.
    await system.waitForAll([queued.jobId, scheduled.jobId], 'Duplicate', 30_000);
    for (const job of [queued, scheduled]) {
      const statuses = await system.statuses(job.jobId);
      expect(statuses).not.toContain('Started');
      expect(await finalStatuses(job.jobId)).toEqual(['Cancelled']);
    }
    expect((await dashboard.deps.audit.summary(queued.jobId))?.status).toBe('Cancelled');
  });
});

describe('with two processors', () => {
  it('answers 404 for an unknown job, 401 without a token, 403 for a viewer, on every new endpoint', async () => {
    expect((await post('/api/jobs/no-such-job/cancel')).status).toBe(404);
    expect((await post('/api/jobs/no-such-job/requeue')).status).toBe(404);
    expect((await post('/api/jobs/bad id/cancel')).status).toBe(400);
    for (const url of ['/api/jobs/x/cancel', '/api/jobs/x/requeue', '/api/bulk/cancel', '/api/bulk/requeue']) {
      expect((await post(url, {}, '')).status).toBe(401);
      expect((await post(url, {}, VIEWER)).status).toBe(403);
    }
    const bad = await post('/api/bulk/requeue', { status: 'Nope', dryRun: true });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toContain('status');
    const everything = await post('/api/bulk/cancel', {});
    expect(everything.status).toBe(400);
    expect((await everything.json()).error).toContain('at least one filter');
    // The links chain submit → status → cancel → requeue.
    const doc = (await (await app.request('/api/openapi.json', { headers: { authorization: `Bearer ${VIEWER}` } })).json()) as { paths: Record<string, { post?: { responses: Record<string, { links?: Record<string, { operationId: string }> }> } }> };
    expect(Object.values(doc.paths['/api/jobs/{jobId}/cancel']!.post!.responses['202']!.links!).map((l) => l.operationId)).toContain('requeueJob');
  });

  it('stops a running job within 2 s, keeps its lease until the handler returned, and never runs it again', async () => {
    const marker = path.join(dir, 'wind-down');
    const job = system.job({ jobName: 'runs until cancelled', type: 'wind-down', lockKey: 'shared-lock', processingParameters: { windDownMs: 1500, marker } });
    await system.publish([job]);
    await waitFor(async () => (await system.statuses(job.jobId)).includes('Started'), 'the job to start', 30_000);
    const askedAt = Date.now();
    const response = await post(`/api/jobs/${job.jobId}/cancel`);
    expect(response.status).toBe(202);
    expect(await response.json()).toMatchObject({ status: 'CancelRequested' });
    // Another job of the same lock key, waiting for the lease.
    const next = system.job({ jobName: 'same lock key', lockKey: 'shared-lock', processingParameters: { steps: 1, stepMs: 10 } });
    await system.publish([next]);
    await system.waitForAll([job.jobId], 'Cancelled', 30_000);
    const [abortedAt, returnedAt] = readFileSync(marker, 'utf8').trim().split(' ').map(Number) as [number, number];
    expect(abortedAt - askedAt).toBeLessThan(2000);
    const history = await system.history(job.jobId);
    const cancelled = history.find((e) => e.status === 'Cancelled')!;
    expect(Date.parse(cancelled.timestamp)).toBeGreaterThanOrEqual(returnedAt - 50);
    await system.waitForAll([next.jobId], 'Completed', 30_000);
    const nextStarted = (await system.history(next.jobId)).find((e) => e.status === 'Started')!;
    expect(Date.parse(nextStarted.timestamp)).toBeGreaterThanOrEqual(returnedAt - 50);
    // Its message delivered again: acknowledged unrun.
    system.publishRaw(JSON.stringify(job));
    await waitFor(async () => (await system.statuses(job.jobId)).includes('Duplicate'), 'the redelivery to be a Duplicate', 30_000);
    expect((await system.statuses(job.jobId)).filter((s) => s === 'Started')).toHaveLength(1);
    expect(await finalStatuses(job.jobId)).toEqual(['Cancelled']);
  });

  it('ends a cancel racing completion with exactly one final status, 50 times', async () => {
    const jobs = Array.from({ length: 50 }, (_, i) => system.job({ jobName: `race ${i}`, processingParameters: { steps: 1, stepMs: 20 + (i % 10) * 30 } }));
    await system.publish(jobs);
    await Promise.all(jobs.map(async (job, i) => {
      await new Promise((resolve) => setTimeout(resolve, (i % 10) * 40));
      const response = await post(`/api/jobs/${job.jobId}/cancel`);
      expect([202, 409]).toContain(response.status);
    }));
    await waitFor(async () => {
      for (const job of jobs) if ((await finalStatuses(job.jobId)).length === 0) return false;
      return true;
    }, 'every job to end', 60_000, 500);
    await new Promise((resolve) => setTimeout(resolve, 1000)); // a second final status would have landed by now
    const outcomes = { Completed: 0, Cancelled: 0 };
    for (const job of jobs) {
      const finals = await finalStatuses(job.jobId);
      expect(finals, job.jobId).toHaveLength(1);
      outcomes[finals[0] as 'Completed' | 'Cancelled']++;
      expect((await dashboard.deps.audit.summary(job.jobId))?.status).toBe(finals[0]);
    }
    expect(outcomes.Completed + outcomes.Cancelled).toBe(50);
  });

  it('requeues a dead-lettered job after <ns>.jobs.dead was purged: it runs with attempt numbers going on', async () => {
    const job = system.job({ jobName: 'fails twice', maxAttempts: 2, processingParameters: { steps: 1, stepMs: 10, failTimes: 2 } });
    await system.publish([job]);
    await system.waitForAll([job.jobId], 'DeadLettered', 30_000);
    await waitFor(async () => (await system.messageCount(system.names.deadQueue)) >= 1, 'the dead-letter copy', 10_000);
    await system.channel.purgeQueue(system.names.deadQueue);
    expect((await post(`/api/jobs/${job.jobId}/cancel`)).status).toBe(409);
    const response = await post(`/api/jobs/${job.jobId}/requeue`);
    expect(response.status).toBe(202);
    await system.waitForAll([job.jobId], 'Completed', 30_000);
    const history = await system.history(job.jobId);
    expect(history.find((e) => e.status === 'Requeued')?.message).toContain('alice');
    expect(history.filter((e) => e.status === 'Started').map((e) => e.attempt)).toEqual([1, 2, 3]);
    const summary = await dashboard.deps.audit.summary(job.jobId);
    expect(summary).toMatchObject({ status: 'Completed', attempts: 3, failures: 0 });
    // Completed: no second requeue.
    const again = await post(`/api/jobs/${job.jobId}/requeue`);
    expect(again.status).toBe(409);
    expect((await again.json()).error).toContain('Completed');
  });

  it('makes the dead-letter copy moved back by hand after a requeue a Duplicate', async () => {
    const job = system.job({ jobName: 'fails once', maxAttempts: 1, processingParameters: { steps: 1, stepMs: 10, failTimes: 1 } });
    await system.publish([job]);
    await system.waitForAll([job.jobId], 'DeadLettered', 30_000);
    const dead = await waitFor(async () => (await system.deadLetters()).find((m) => JSON.parse(m.body.toString()).jobId === job.jobId), 'the dead-letter copy', 10_000);
    expect((await post(`/api/jobs/${job.jobId}/requeue`)).status).toBe(202);
    // Moved back by hand, as a shovel or rabbitmqadmin would: same body, same headers.
    system.channel.sendToQueue(system.names.jobsQueue, dead.body, { persistent: true, headers: dead.headers });
    await system.waitForAll([job.jobId], 'Completed', 30_000);
    await waitFor(async () => (await system.statuses(job.jobId)).includes('Duplicate'), 'the moved copy to be a Duplicate', 30_000);
    const statuses = await system.statuses(job.jobId);
    expect(statuses.filter((s) => s === 'Started')).toHaveLength(2);
    expect(statuses.filter((s) => s === 'Completed')).toHaveLength(1);
  });

  it('requeues in bulk after a dry run, over HTTP and from the CLI, and a second run finds nothing to do', async () => {
    const type = 'steps';
    const tenantId = `bulk-${system.namespace}`;
    const jobs = Array.from({ length: 6 }, (_, i) => system.job({ jobName: `bulk ${i}`, type, tenantId, maxAttempts: 1, processingParameters: { steps: 1, stepMs: 10, failTimes: 1 } }));
    await system.publish(jobs);
    await system.waitForAll(jobs.map((j) => j.jobId), 'DeadLettered', 30_000);
    const filter = { status: 'DeadLettered', tenantId };
    const dry = await waitFor(async () => {
      const response = await post('/api/bulk/requeue', { ...filter, dryRun: true });
      const body = (await response.json()) as { count: number; sample: Array<{ jobId: string }> };
      return body.count === 6 ? body : undefined;
    }, 'the index to list the six', 15_000, 300);
    expect(dry.sample.length).toBe(6);
    const cliDry = await cli(['jobs', 'requeue', '--status', 'DeadLettered', '--tenant', tenantId, '--dry-run']);
    expect(cliDry.stdout).toContain('6 job(s) would be requeued');
    // Half over HTTP (with NDJSON progress), the rest from the CLI after "an interruption".
    const first = jobs.slice(0, 3);
    for (const job of first) expect((await post(`/api/jobs/${job.jobId}/requeue`)).status).toBe(202);
    const bulk = await post('/api/bulk/requeue', filter, OPERATOR, { accept: 'application/x-ndjson' });
    const lines = (await bulk.text()).trim().split('\n').map((line) => JSON.parse(line) as { matched: number; done: number; finished: boolean });
    expect(lines.at(-1)).toMatchObject({ finished: true });
    expect(lines.at(-1)!.done).toBe(3);
    await system.waitForAll(jobs.map((j) => j.jobId), 'Completed', 60_000);
    const rerun = await cli(['jobs', 'requeue', '--status', 'DeadLettered', '--tenant', tenantId, '--json']);
    expect(rerun.code).toBe(0);
    expect(JSON.parse(rerun.stdout.trim())).toMatchObject({ done: 0, failed: 0 });
    for (const job of jobs) expect((await system.history(job.jobId)).find((e) => e.status === 'Requeued')).toBeDefined();
  });

  it('cancels from the CLI by id and names the status of an ended job', async () => {
    const job = system.job({ jobName: 'cancelled from the CLI', delayMs: 60_000 });
    await system.publish([job]);
    const first = await cli(['jobs', 'cancel', job.jobId]);
    expect(first.stdout).toContain('cancelled');
    expect((await system.history(job.jobId)).find((e) => e.status === 'CancelRequested')?.message).toContain('carol@cli');
    const second = await cli(['jobs', 'cancel', job.jobId, 'no-such-job']);
    expect(second.code).toBe(2);
    expect(second.stderr).toContain('already ended (Cancelled)');
    expect(second.stderr).toContain('no-such-job: no such job');
    const bad = await cli(['jobs', 'requeue', '--status', 'Whatever']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--status');
  });
});

