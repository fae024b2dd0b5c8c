/**
 * The handoff of long jobs (issue 12) under the fault proxies: the broker connection lost around the
 * handoff (the recovery copy's confirm lost; the copy landed but the ack lost), and storage failing when a
 * recovery copy must be decided, and the broker gone when a handed-off attempt's end must publish its
 * retry. Whatever happens, the job is neither lost nor run twice at once.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import type { AuditEvent } from '../../src/contracts/audit-event.js';
import { stripeOf } from '../../src/storage/lock-stripes.js';
import { startStorageProxies, TcpFaultProxy, toxic } from '../helpers/fault-proxy.js';
import { killAll, attemptIntervals, TestSystem, waitFor, type ProcessorProcess } from '../helpers/system.js';

const HANDLERS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/long-job-handlers.mjs');
const system = new TestSystem();
let broker: TcpFaultProxy;
let storage: Awaited<ReturnType<typeof startStorageProxies>>;
const running: ProcessorProcess[] = [];

/** Hands off 2 s after a delivery arrives; leases of 15 s, so recovery copies come back every 15 s. */
async function processor(): Promise<ProcessorProcess> {
  const started = await system.startProcessor({
    BATON_HANDLERS: HANDLERS,
    BATON_AMQP_URL: broker.amqpUrl(),
    BATON_STORAGE_CONNECTION_STRING: storage.connectionString,
    BATON_HANDOFF_AFTER_SECONDS: '2',
    BATON_LEASE_SECONDS: '15',
  });
  running.push(started);
  return started;
}

beforeAll(async () => {
  broker = await TcpFaultProxy.start();
  storage = await startStorageProxies({ seed: 12 });
  await system.start();
});
afterEach(async () => {
  broker.resume();
  storage.blob.clearRules();
  storage.table.clearRules();
  await killAll(running);
});
afterAll(async () => {
  await system.stop();
  await broker.close();
  await storage.close();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const count = (history: AuditEvent[], status: string) => history.filter((e) => e.status === status).length;

/** One attempt, one Completed, and no copy left over once the leftovers have come back (one lease period). */
async function expectRunOnce(jobId: string): Promise<AuditEvent[]> {
  await system.waitForAll([jobId], 'Completed', 90_000);
  await waitFor(async () => (await system.messageCount(system.names.jobsQueue)) === 0, 'the queue to be empty', 30_000, 250);
  await sleep(17_000);
  const history = await system.history(jobId);
  expect(count(history, 'Started')).toBe(1);
  expect(count(history, 'Completed')).toBe(1);
  const [only] = attemptIntervals(history);
  expect(only!.endStatus).toBe('Completed');
  expect(await system.messageCount(system.names.jobsQueue)).toBe(0);
  return history;
}

function tenSecondJob(name: string) {
  return system.job({ jobName: name, processingParameters: { steps: 4, stepMs: 2500 } });
}

it('loses no job when the recovery copy\'s confirm never comes (the connection blackholed, then reset)', async () => {
  const p = await processor();
  const job = tenSecondJob('confirm lost');
  await system.publish([job]);
  await waitFor(async () => (await system.statuses(job.jobId)).includes('Started'), 'the job to start', 20_000, 100);
  broker.blackhole(); // the handoff (2 s after arrival) publishes into the hole
  await sleep(3_000);
  broker.reset();
  broker.resume();
  await waitFor(() => p.logged('could not hand the delivery off'), 'the failed handoff to be noticed', 20_000, 250);
  expect(p.logged('delivery handed off')).toBe(false);
  // The original went back to the queue with the connection: it waited for the slot, then found the job Completed.
  const history = await expectRunOnce(job.jobId);
  expect(count(history, 'Duplicate')).toBe(1);
}, 150_000);

it('runs the job once when the recovery copy landed but the ack was lost (connection reset after the confirm)', async () => {
  const p = await processor();
  const job = tenSecondJob('ack lost');
  await system.publish([job]);
  await waitFor(async () => (await system.statuses(job.jobId)).includes('Started'), 'the job to start', 20_000, 100);
  // Slow both ways: the copy lands 1.5 s after it is sent, its confirm 1.5 s later, and the ack would take 1.5 s more.
  broker.latency(1_500);
  await waitFor(() => p.logged('delivery handed off'), 'the handoff to be confirmed', 20_000, 50);
  broker.reset(); // the ack is still in the slow lane
  broker.resume();
  const history = await expectRunOnce(job.jobId);
  // Two messages were left: the original, requeued by the broker (it waited for the slot, then found the job
  // Completed: the one Duplicate), and the recovery copy, dropped unrecorded.
  expect(count(history, 'Duplicate')).toBe(1);
}, 150_000);

it('keeps a recovery copy quiet and the job safe while storage cannot decide it', async () => {
  await processor();
  const job = system.job({ jobName: 'decided through an outage', processingParameters: { steps: 10, stepMs: 2500 } });
  await system.publish([job]);
  await waitFor(async () => (await system.statuses(job.jobId)).includes('Started'), 'the job to start', 20_000, 100);
  // The recovery copy's lease question (a HEAD of the job's lock stripe blob, `lock-%01stripe%3A<n>` in the
  // URL's own encoding) gets no answer for a while.
  const lockBlob = new RegExp(`/lock-[^/?]*stripe[^/?]*3A${stripeOf(job.jobId)}(\\?|$)`);
  const outage = storage.blob.addRule({ method: 'HEAD', url: lockBlob, action: toxic.reset });
  await waitFor(() => outage.hits >= 2, 'the recovery copy to be asked about (and held back)', 40_000, 250);
  outage.remove();
  const history = await expectRunOnce(job.jobId);
  for (const noise of ['Deferred', 'Duplicate', 'LeaseLost']) expect(count(history, noise)).toBe(0);
}, 150_000);

it('publishes a handed-off attempt\'s retry once the broker is back (the connection down when it failed)', async () => {
  const p = await processor();
  const job = system.job({ jobName: 'fails while the broker is away', type: 'slow-fail', processingParameters: { ms: 6000, failTimes: 1 } });
  await system.publish([job]);
  await waitFor(() => p.logged('delivery handed off'), 'the handoff', 20_000, 100);
  broker.blackhole(); // the attempt fails (at 6 s) and records Retrying while its retry cannot be published
  await waitFor(async () => (await system.statuses(job.jobId)).includes('Retrying'), 'Retrying to be recorded', 20_000, 100);
  await sleep(2_000);
  broker.reset();
  broker.resume();
  await waitFor(() => p.logged('could not send a handed-off job\'s message on; trying again'), 'the retried publish', 30_000, 250);
  await system.waitForAll([job.jobId], 'Completed', 60_000);
  await sleep(17_000);
  const history = await system.history(job.jobId);
  expect(history.map((e) => e.status)).toEqual(['Queued', 'Started', 'Failed', 'Retrying', 'Started', 'Completed']);
  expect(await system.messageCount(system.names.jobsQueue)).toBe(0);
}, 150_000);
