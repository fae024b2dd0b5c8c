/**
 * The cancel path under faults (issue 11): storage answers lost around the control row's read and the
 * Cancelled write (through the fault proxy), a processor killed mid-attempt, and a processor that misses
 * the `<ns>.control` broadcast because its broker connection was closed. Each ends with exactly one
 * Cancelled and the job never runs again; a handler that ignores the cancel keeps its lease until its processor exits (code 70).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { startStorageProxies, toxic, transactionWith } from '../helpers/fault-proxy.js';
import { killAll, closeBrokerConnections, TestSystem, waitFor, type ProcessorProcess } from '../helpers/system.js';

const HANDLERS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/cancel-handlers.mjs');
const system = new TestSystem();
const dir = mkdtempSync(path.join(os.tmpdir(), 'baton-cancel-faults-'));
let proxies: Awaited<ReturnType<typeof startStorageProxies>>;
const running: ProcessorProcess[] = [];

async function processor(env: Record<string, string> = {}): Promise<ProcessorProcess> {
  const started = await system.startProcessor({ BATON_HANDLERS: HANDLERS, BATON_STORAGE_CONNECTION_STRING: proxies.connectionString, BATON_LEASE_SECONDS: '15', BATON_RENEW_SECONDS: '3', ...env });
  running.push(started);
  return started;
}

async function count(jobId: string, status: string): Promise<number> {
  return (await system.statuses(jobId)).filter((s) => s === status).length;
}

beforeAll(async () => {
  proxies = await startStorageProxies({ seed: 11 });
  await system.start();
});
afterEach(async () => {
  proxies.table.clearRules();
  await killAll(running);
});
afterAll(async () => {
  await system.stop();
  await proxies.close();
  rmSync(dir, { recursive: true, force: true });
});

it('records one Cancelled when the running attempt\'s Cancelled write loses its answer', async () => {
  await processor();
  const job = system.job({ jobName: 'cancelled, answer lost', type: 'wind-down', processingParameters: { windDownMs: 200 } });
  await system.publish([job]);
  await waitFor(async () => (await count(job.jobId, 'Started')) === 1, 'the job to start', 30_000);
  const lost = proxies.table.addRule({ when: transactionWith('Cancelled'), times: 1, action: toxic.dropAnswer });
  expect((await system.publisher.cancel(job.jobId, 'dave')).kind).toBe('stopping');
  await waitFor(async () => (await count(job.jobId, 'Cancelled')) === 1, 'Cancelled', 30_000);
  expect(lost.hits).toBe(1);
  await new Promise((resolve) => setTimeout(resolve, 1500));
  expect(await count(job.jobId, 'Cancelled')).toBe(1);
  expect((await system.storage.audit.summary(job.jobId))?.status).toBe('Cancelled');
  system.publishRaw(JSON.stringify(job));
  await waitFor(async () => (await count(job.jobId, 'Duplicate')) === 1, 'the redelivery to be a Duplicate', 30_000);
  expect(await count(job.jobId, 'Started')).toBe(1);
});

it('cancels a job whose processor died mid-attempt, at its next delivery, through lost answers on the control row read and the Cancelled write', async () => {
  const doomed = await processor();
  const job = system.job({ jobName: 'processor killed', type: 'wind-down', processingParameters: { windDownMs: 0 } });
  await system.publish([job]);
  await waitFor(async () => (await count(job.jobId, 'Started')) === 1, 'the job to start', 30_000);
  doomed.signal('SIGKILL');
  await doomed.exited;
  // Status Started with no one running it: only the control row is written.
  expect((await system.publisher.cancel(job.jobId, 'dave')).kind).toBe('stopping');
  const readLost = proxies.table.addRule({ method: 'GET', url: /control/, times: 1, action: toxic.reset });
  const writeLost = proxies.table.addRule({ when: transactionWith('Cancelled'), times: 1, action: toxic.dropAnswer });
  await processor();
  // The message comes back once the killed processor's lease (15 s) has expired.
  await waitFor(async () => (await count(job.jobId, 'Cancelled')) >= 1, 'Cancelled', 60_000, 250);
  expect(readLost.hits).toBe(1);
  expect(writeLost.hits).toBe(1);
  await new Promise((resolve) => setTimeout(resolve, 1500));
  expect(await count(job.jobId, 'Cancelled')).toBe(1);
  expect(await count(job.jobId, 'Started')).toBe(1);
  expect((await system.storage.audit.summary(job.jobId))?.status).toBe('Cancelled');
});

it('stops a running job whose processor missed the broadcast (its broker connection was closed), at a lease renewal', async () => {
  const p = await processor();
  const job = system.job({ jobName: 'broadcast missed', type: 'wind-down', processingParameters: { windDownMs: 0 } });
  await system.publish([job]);
  await waitFor(async () => (await count(job.jobId, 'Started')) === 1, 'the job to start', 30_000);
  expect(await closeBrokerConnections(`baton processor ${p.processorId}`)).toBeGreaterThan(0);
  expect((await system.publisher.cancel(job.jobId, 'dave')).kind).toBe('stopping');
  await waitFor(async () => (await count(job.jobId, 'Cancelled')) === 1, 'Cancelled', 30_000);
  expect(await count(job.jobId, 'Started')).toBe(1);
  expect(await count(job.jobId, 'Cancelled')).toBe(1);
});

it('records Cancelled for a handler that ignores its signal, keeps its lease, and the processor exits (code 70)', async () => {
  const stuck = await processor({ BATON_SHUTDOWN_GRACE_SECONDS: '2' });
  const job = system.job({ jobName: 'ignores the cancel', type: 'stubborn', lockKey: 'stubborn-lock' });
  await system.publish([job]);
  await waitFor(async () => (await count(job.jobId, 'Started')) === 1, 'the job to start', 30_000);
  expect((await system.publisher.cancel(job.jobId, 'dave')).kind).toBe('stopping');
  // A job of the same lock key, and a second processor, waiting meanwhile.
  const next = system.job({ jobName: 'same lock key', lockKey: 'stubborn-lock', processingParameters: { steps: 1, stepMs: 10 } });
  await system.publish([next]);
  await processor();
  const exit = await stuck.exited;
  const exitedAt = Date.now();
  expect(exit.code).toBe(70);
  const cancelled = (await system.history(job.jobId)).find((e) => e.status === 'Cancelled')!;
  expect(cancelled.message).toContain('ignored its signal');
  // The lease was kept (renewed) until the stuck processor exited: the other job of its lock key starts only after.
  await system.waitForAll([next.jobId], 'Completed', 60_000);
  const started = (await system.history(next.jobId)).find((e) => e.status === 'Started')!;
  expect(Date.parse(started.timestamp)).toBeGreaterThanOrEqual(exitedAt - 500);
  expect(await count(job.jobId, 'Started')).toBe(1);
}, 120_000);

it('cancels a job waiting for its retry at once; the retry, when it comes, is acknowledged unrun', async () => {
  await processor({ BATON_RETRY_BASE_MS: '6000', BATON_RETRY_MAX_MS: '6000' });
  const job = system.job({ jobName: 'waits for a retry', maxAttempts: 3, processingParameters: { steps: 1, stepMs: 10, failTimes: 1 } });
  await system.publish([job]);
  await waitFor(async () => (await count(job.jobId, 'Retrying')) === 1, 'the first failure', 30_000);
  expect((await system.publisher.cancel(job.jobId, 'dave')).kind).toBe('cancelled');
  expect((await system.storage.audit.summary(job.jobId))?.status).toBe('Cancelled');
  await waitFor(async () => (await count(job.jobId, 'Duplicate')) === 1, 'the retry to be acknowledged unrun', 30_000);
  expect(await count(job.jobId, 'Started')).toBe(1);
  expect(await count(job.jobId, 'Completed')).toBe(0);
});
