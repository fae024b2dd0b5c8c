/**
 * The delivery path under faults on the processor's side (issue 9): storage answers lost or refused
 * through the fault proxy, the broker connection closed from the test, handlers that misbehave.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { freePort } from '../../src/dev/ports.js';
import { startStorageProxies, toxic, transactionWith } from '../helpers/fault-proxy.js';
import { killAll, AMQP_URL, attemptIntervals, closeBrokerConnections, TestSystem, waitFor, type ProcessorProcess } from '../helpers/system.js';

const handlers = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/fault-handlers.mjs');
const system = new TestSystem();
let proxies: Awaited<ReturnType<typeof startStorageProxies>>;
const running: ProcessorProcess[] = [];

async function processor(env: Record<string, string> = {}): Promise<ProcessorProcess> {
  const started = await system.startProcessor({ BATON_HANDLERS: handlers, BATON_STORAGE_CONNECTION_STRING: proxies.connectionString, ...env });
  running.push(started);
  return started;
}

beforeAll(async () => {
  proxies = await startStorageProxies({ seed: 9 });
  await system.start();
});
afterEach(async () => {
  proxies.table.clearRules();
  proxies.blob.clearRules();
  await killAll(running);
});
afterAll(async () => {
  await system.stop();
  await proxies.close();
});

it('holds a Rejected message back until its event is written (defect 6)', async () => {
  await processor({ BATON_DEFER_SECONDS: '1' });
  const refused = proxies.table.addRule({ method: 'POST', when: (r) => r.text.includes('"status":"Rejected"'), action: toxic.reset });
  system.publishRaw(JSON.stringify({ jobId: 'rejected-while-storage-refuses', jobName: 42 }));
  await waitFor(() => refused.hits >= 3, 'the Rejected event to be tried three times', 30_000);
  // Not acknowledged (dead-lettered) while its event cannot be written.
  expect(await system.messageCount(system.names.deadQueue)).toBe(0);
  refused.remove();
  await waitFor(async () => (await system.statuses('rejected-while-storage-refuses')).includes('Rejected'), 'Rejected to be recorded', 30_000);
  await waitFor(async () => (await system.messageCount(system.names.deadQueue)) === 1, 'the message in the dead-letter queue', 10_000);
});

it('never runs more attempts than BATON_CONCURRENCY after a reconnect (defect 4)', async () => {
  const p = await processor({ BATON_CONCURRENCY: '1', BATON_LEASE_SECONDS: '15' });
  const jobs = [0, 1, 2].map((i) => system.job({ jobName: `one at a time ${i}`, processingParameters: { steps: 6, stepMs: 500 } }));
  await system.publish(jobs);
  await waitFor(async () => {
    for (const job of jobs) if ((await system.statuses(job.jobId)).includes('Started')) return true;
    return false;
  }, 'a first job to start');
  expect(await closeBrokerConnections(`baton processor ${p.processorId} `)).toBe(1);
  await waitFor(() => p.logged('connected to RabbitMQ'), 'the processor to reconnect', 20_000);
  await system.waitForAll(jobs.map((j) => j.jobId), 'Completed', 90_000);
  const intervals = (await Promise.all(jobs.map((job) => system.history(job.jobId)))).flatMap((history) => attemptIntervals(history));
  intervals.sort((a, b) => a.start - b.start);
  for (let i = 1; i < intervals.length; i++) {
    // Each attempt started after the one before it ended: never two at once on a processor of concurrency 1.
    expect(intervals[i]!.start).toBeGreaterThanOrEqual(intervals[i - 1]!.end);
  }
  for (const job of jobs) expect((await system.statuses(job.jobId)).filter((s) => s === 'Completed')).toHaveLength(1);
});

it('records nothing of an attempt after its end: ctx.step after return or throw (defect 5)', async () => {
  await processor();
  const returned = system.job({ jobName: 'steps after return', type: 'late-step' });
  const threw = system.job({ jobName: 'steps after throw', type: 'late-step-throw', maxAttempts: 1 });
  await system.publish([returned, threw]);
  await system.waitForAll([returned.jobId], 'Completed');
  await system.waitForAll([threw.jobId], 'DeadLettered');
  await new Promise((resolve) => setTimeout(resolve, 2000)); // the late steps fire 500 ms after the end
  expect(await system.statuses(returned.jobId)).toEqual(['Queued', 'Started', 'Completed']);
  expect(await system.statuses(threw.jobId)).toEqual(['Queued', 'Started', 'Failed', 'DeadLettered']);
});

it('gives the lease up when an attempt\'s end cannot be recorded within it, and counts the lease it holds (defect 2)', async () => {
  const metricsPort = await freePort();
  await processor({ BATON_LEASE_SECONDS: '15', BATON_RENEW_SECONDS: '5', BATON_METRICS_PORT: String(metricsPort) });
  // The table service takes every Completed transaction and never answers (each try times out, and is tried again).
  const hung = proxies.table.addRule({ method: 'POST', when: transactionWith('Completed'), action: toxic.hold });
  const job = system.job({ jobName: 'end never answered', processingParameters: { steps: 2, stepMs: 1000 } });
  await system.publish([job]);
  await waitFor(async () => (await system.statuses(job.jobId)).includes('Started'), 'the attempt to start');
  const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  expect(metrics).toMatch(/^baton_leases_held 1$/m);
  await waitFor(() => hung.hits >= 1, 'the Completed write to hang', 20_000);
  // Within about one lease period the attempt gives up: LeaseLost, lease released, message back in the queue.
  await waitFor(async () => (await system.statuses(job.jobId)).includes('LeaseLost'), 'LeaseLost', 60_000, 250);
  hung.remove();
  await system.waitForAll([job.jobId], 'Completed', 60_000);
  const history = await system.history(job.jobId);
  const lost = history.find((e) => e.status === 'LeaseLost');
  expect(lost?.attempt).toBe(1);
  expect(lost?.message).toMatch(/could not be recorded within its lease/);
  expect(history.filter((e) => e.status === 'Completed').map((e) => e.attempt)).toEqual([2]);
}, 90_000);

it('never runs one jobId twice at once, even when its copies name different lock keys (defect 8)', async () => {
  await processor({ BATON_CONCURRENCY: '2', BATON_DEFER_SECONDS: '1', BATON_LEASE_SECONDS: '15' });
  const job = system.job({ jobName: 'two lock keys', lockKey: 'first-key', processingParameters: { steps: 6, stepMs: 500 } });
  await system.publish([job]);
  await waitFor(async () => (await system.statuses(job.jobId)).includes('Started'), 'the first copy to start');
  system.publishRaw(JSON.stringify({ ...job, lockKey: 'second-key' }));
  await system.waitForAll([job.jobId], 'Completed', 60_000);
  await waitFor(async () => (await system.messageCount(system.names.jobsQueue)) === 0, 'the second copy to be settled', 30_000);
  const history = await system.history(job.jobId);
  const intervals = attemptIntervals(history).sort((a, b) => a.start - b.start);
  for (let i = 1; i < intervals.length; i++) expect(intervals[i]!.start).toBeGreaterThanOrEqual(intervals[i - 1]!.end);
  expect(history.filter((e) => e.status === 'Completed')).toHaveLength(1);
  expect(history.some((e) => e.status === 'Deferred' && e.message.includes('running elsewhere'))).toBe(true);
});

it('runs jobs with fields of a newer edition, keeping them, with one warning per field name (defect 11)', async () => {
  const p = await processor();
  const jobs = [1, 2].map((i) => system.job({ jobName: `from a newer publisher ${i}`, processingParameters: { steps: 1, stepMs: 10 } }));
  for (const job of jobs) system.publishRaw(JSON.stringify({ ...job, region: 'eu-1', deadlineAt: '2027-01-01T00:00:00Z' }));
  await system.waitForAll(jobs.map((j) => j.jobId), 'Completed', 30_000);
  const deadIds = (await system.deadLetters()).map((d) => (JSON.parse(d.body.toString()) as { jobId?: string }).jobId);
  for (const job of jobs) expect(deadIds).not.toContain(job.jobId);
  const warnings = p.lines.filter((line) => line.includes('does not know'));
  expect(warnings.filter((line) => line.includes('region')).length).toBe(1);
  expect(warnings.filter((line) => line.includes('deadlineAt')).length).toBe(1);
});

it('ctx.assertLease() refuses a side effect once the lease has ended, even right after a long pause (defect 12)', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'baton-fencing-'));
  try {
    const file = path.join(dir, 'effects.ndjson');
    // Heartbeats let the broker notice the frozen processor and hand the message to the other one.
    const env = { BATON_LEASE_SECONDS: '15', BATON_RENEW_SECONDS: '5', BATON_DEFER_SECONDS: '2', BATON_AMQP_URL: `${AMQP_URL}?heartbeat=3` };
    const a = await processor(env);
    const job = system.job({ jobName: 'side effects', type: 'side-effects', lockKey: 'fenced-key', processingParameters: { file, count: 60, everyMs: 500 } });
    await system.publish([job]);
    const written = () => (existsSync(file) ? readFileSync(file, 'utf8') : '');
    await waitFor(() => written().includes(a.processorId), 'the first side effect', 20_000);
    const b = await processor(env);
    a.signal('SIGSTOP');
    const stoppedAt = Date.now();
    // B takes the job over once A's lease has run out; then A wakes up.
    await waitFor(() => written().includes(b.processorId), 'B to take over', 60_000);
    a.signal('SIGCONT');
    await system.waitForAll([job.jobId], 'Completed', 90_000);
    const effects = readFileSync(file, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { at: number; processorId: string; token: number });
    const byA = effects.filter((e) => e.processorId === a.processorId);
    const byB = effects.filter((e) => e.processorId === b.processorId);
    expect(byA.length).toBeGreaterThan(0);
    // Nothing from A after its pause: its first timer after SIGCONT found the lease over.
    expect(byA.filter((e) => e.at > stoppedAt + 1000)).toEqual([]);
    expect(Math.min(...byB.map((e) => e.token))).toBeGreaterThan(Math.max(...byA.map((e) => e.token)));
    expect((await system.statuses(job.jobId)).filter((s) => s === 'LeaseLost')).toHaveLength(1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 150_000);

it('logs a handler\'s error with its stack at warn, and keeps the redacted, bounded stack as the Failed event\'s detail (issue 10, item 3)', async () => {
  const p = await processor();
  const secret = system.job({ jobName: 'secret in the error', type: 'secret-error', maxAttempts: 1 });
  const huge = system.job({ jobName: 'huge error', type: 'huge-error', maxAttempts: 1 });
  await system.publish([secret, huge]);
  await system.waitForAll([secret.jobId, huge.jobId], 'DeadLettered');
  const failed = (await system.history(secret.jobId)).find((e) => e.status === 'Failed')!;
  expect(failed.message).toContain('AccountKey=[redacted]');
  expect(failed.detail).toMatch(/fault-handlers\.mjs/);
  expect(failed.detail).toContain('Caused by: Error: the inner cause');
  expect(failed.detail).not.toContain('c2VjcmV0');
  const hugeFailed = (await system.history(huge.jobId)).find((e) => e.status === 'Failed')!;
  expect(Buffer.byteLength(hugeFailed.detail ?? '')).toBeLessThanOrEqual(4096);
  expect(hugeFailed.detail).toMatch(/^Error: huge: x+/);
  const warned = p.lines.filter((line) => line.includes('"handler failed"') && line.includes('"level":"warn"'));
  expect(warned.some((line) => line.includes('fault-handlers.mjs') && line.includes(secret.jobId))).toBe(true);
  expect(p.lines.join('\n')).not.toContain('c2VjcmV0');
});
