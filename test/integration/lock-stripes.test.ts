/**
 * Lock stripes (src/storage/lock-stripes.ts) on the delivery path, against real Azurite and RabbitMQ, with the
 * blob service behind the fault proxy: a job's own lock is a reusable stripe blob (no blob per job), two unrelated
 * jobs that share a stripe never overlap (the later one is Deferred), and a stripe lease whose acquire or release
 * got no answer frees itself within one lease period — the job still runs exactly once.
 */
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { lockBlobName } from '../../src/storage/blob-lease-store.js';
import { stripeKey, stripeOf } from '../../src/storage/lock-stripes.js';
import { startStorageProxies, toxic, type ProxiedRequest } from '../helpers/fault-proxy.js';
import { killAll, attemptIntervals, TestSystem, waitFor, type ProcessorProcess } from '../helpers/system.js';

const system = new TestSystem();
let proxies: Awaited<ReturnType<typeof startStorageProxies>>;
const running: ProcessorProcess[] = [];
let run = 0;

async function processor(env: Record<string, string> = {}): Promise<ProcessorProcess> {
  const started = await system.startProcessor({ BATON_STORAGE_CONNECTION_STRING: proxies.connectionString, BATON_LEASE_SECONDS: '15', BATON_DEFER_SECONDS: '1', BATON_CONCURRENCY: '2', ...env });
  running.push(started);
  return started;
}

/** Two fresh jobIds that hash to the same lock stripe (unrelated jobs that collide). */
function collidingIds(): [string, string] {
  const prefix = `${system.namespace}-${++run}`;
  const seen = new Map<number, string>();
  for (let i = 0; ; i++) {
    const id = `${prefix}-${i}`;
    const other = seen.get(stripeOf(id));
    if (other) return [other, id];
    seen.set(stripeOf(id), id);
  }
}

const leaseAction = (action: string) => (request: ProxiedRequest) => request.url.includes('comp=lease') && request.headers['x-ms-lease-action'] === action && request.url.includes('stripe');

async function lockBlobs(): Promise<string[]> {
  const names: string[] = [];
  for await (const blob of system.storage.clients.blobService.getContainerClient(system.names.locksContainer).listBlobsFlat()) names.push(blob.name);
  return names;
}

beforeAll(async () => {
  proxies = await startStorageProxies({ seed: 15 });
  await system.start();
});
afterEach(async () => {
  proxies.blob.clearRules();
  proxies.blob.release();
  await killAll(running);
});
afterAll(async () => {
  await system.stop();
  await proxies.close();
});

it('leases a reusable stripe for a job\'s own lock: no blob per job, none left behind', async () => {
  await processor();
  const jobs = Array.from({ length: 6 }, (_, i) => system.job({ jobName: `own lock ${i}`, processingParameters: { steps: 1, stepMs: 0 } }));
  await system.publish(jobs);
  await system.waitForAll(jobs.map((j) => j.jobId), 'Completed', 60_000);
  const blobs = await lockBlobs();
  // Stripe blobs, one per stripe met, and none named after a job (the scheduler's own lock blob is the other one).
  expect(blobs.filter((name) => name.includes('stripe')).sort()).toEqual([...new Set(jobs.map((j) => lockBlobName(stripeKey(j.jobId))))].sort());
  for (const job of jobs) expect(blobs.some((name) => name.includes(job.jobId))).toBe(false);
  await waitFor(async () => {
    for await (const blob of system.storage.clients.blobService.getContainerClient(system.names.locksContainer).listBlobsFlat()) {
      if (blob.name.includes('stripe') && blob.properties.leaseState !== 'available') return false;
    }
    return true;
  }, 'every stripe lease to be released', 10_000);
});

it('never overlaps two unrelated jobs that share a stripe: the later one is Deferred, then runs', async () => {
  await processor();
  const [first, second] = collidingIds();
  const long = system.job({ jobId: first, jobName: 'holds the stripe', processingParameters: { steps: 4, stepMs: 500 } });
  await system.publish([long]);
  await waitFor(async () => (await system.statuses(first)).includes('Started'), 'the first job to start');
  const short = system.job({ jobId: second, jobName: 'shares the stripe', processingParameters: { steps: 1, stepMs: 0 } });
  await system.publish([short]);
  await system.waitForAll([first, second], 'Completed', 60_000);
  const [a, b] = await Promise.all([system.history(first), system.history(second)]);
  const [ia] = attemptIntervals(a);
  const [ib] = attemptIntervals(b);
  expect(ib!.start).toBeGreaterThanOrEqual(ia!.end);
  expect(b.some((e) => e.status === 'Deferred' && e.message.includes(`lock stripe ${stripeOf(second)} is taken by another job`))).toBe(true);
  for (const history of [a, b]) expect(history.filter((e) => e.status === 'Completed')).toHaveLength(1);
  // Behind a stripe, the job comes back soon, then less and less soon (0.2 s, 0.4 s, …), never past the lock-key wait (1 s here).
  const waits = b.filter((e) => e.status === 'Deferred').map((e) => waitMs(e.message));
  expect(waits[0]).toBeLessThanOrEqual(300);
  expect(waits.length).toBeGreaterThan(1);
  for (let i = 1; i < waits.length; i++) expect(waits[i]).toBeGreaterThanOrEqual(waits[i - 1]!);
  expect(Math.max(...waits)).toBeLessThanOrEqual(1000);
});

/** The wait a Deferred event names ("delivering again in 400 ms" or "in 1.2 s"). */
function waitMs(message: string): number {
  const match = /delivering again in ([\d.]+) (ms|s)\b/.exec(message);
  if (!match) throw new Error(`no wait in "${message}"`);
  return Number(match[1]) * (match[2] === 's' ? 1000 : 1);
}

it('a stripe acquire whose answer is lost is retried with the lease id it proposed, and granted: the job runs at once, once', async () => {
  await processor();
  const job = system.job({ jobName: 'acquire answer lost', processingParameters: { steps: 1, stepMs: 0 } });
  await system.storage.leases.createLockBlobs([stripeKey(job.jobId)]); // the stripe exists, as in any namespace that ran before
  // The service grants the lease; the processor never hears so. Its retry proposes the same lease id.
  const lost = proxies.blob.addRule({ method: 'PUT', when: leaseAction('acquire'), times: 1, action: toxic.dropAnswer });
  const publishedAt = Date.now();
  await system.publish([job]);
  await system.waitForAll([job.jobId], 'Completed', 60_000);
  expect(lost.hits).toBe(1);
  const history = await system.history(job.jobId);
  // Not Deferred behind its own orphaned lease for 15 s: the retry got that very lease.
  expect(history.map((e) => e.status).filter((s) => s !== 'Step')).toEqual(['Queued', 'Started', 'Completed']);
  expect(Date.parse(history.find((e) => e.status === 'Started')!.timestamp) - publishedAt).toBeLessThan(10_000);
});

it('a stripe release whose answer is lost (applied) frees the stripe at once for the next job that shares it', async () => {
  await processor();
  const [first, second] = collidingIds();
  const lost = proxies.blob.addRule({ method: 'PUT', when: leaseAction('release'), times: 1, action: toxic.dropAnswer });
  await system.publish([system.job({ jobId: first, jobName: 'release answer lost', processingParameters: { steps: 1, stepMs: 0 } })]);
  await system.waitForAll([first], 'Completed', 30_000);
  await waitFor(() => lost.hits >= 1, 'the release to be answered into the void', 10_000);
  await system.publish([system.job({ jobId: second, jobName: 'next on the stripe', processingParameters: { steps: 1, stepMs: 0 } })]);
  await system.waitForAll([second], 'Completed', 30_000);
  // The release was applied: the next job on the stripe is not held back.
  for (const jobId of [first, second]) expect((await system.statuses(jobId)).filter((s) => s !== 'Step')).toEqual(['Queued', 'Started', 'Completed']);
});

it('a stripe release that never reaches the service: the lease expires within one lease period, then the stripe serves again', async () => {
  await processor();
  const [first, second] = collidingIds();
  const refused = proxies.blob.addRule({ method: 'PUT', when: leaseAction('release'), action: toxic.reset });
  await system.publish([system.job({ jobId: first, jobName: 'release refused', processingParameters: { steps: 1, stepMs: 0 } })]);
  await system.waitForAll([first], 'Completed', 30_000);
  await waitFor(() => refused.hits >= 1, 'the release to be refused', 20_000);
  // The rule stays: every try of the release (the SDK's retries included) is refused.
  const sentAt = Date.now();
  await system.publish([system.job({ jobId: second, jobName: 'waits for the stripe', processingParameters: { steps: 1, stepMs: 0 } })]);
  await system.waitForAll([second], 'Completed', 60_000);
  const history = await system.history(second);
  expect(history.some((e) => e.status === 'Deferred')).toBe(true);
  // Behind an orphaned stripe lease the waits grow from 0.2 s and stop at the lock-key wait (1 s here): no spinning.
  const waits = history.filter((e) => e.status === 'Deferred').map((e) => waitMs(e.message));
  expect(waits[0]).toBeLessThanOrEqual(300);
  expect(Math.max(...waits)).toBeLessThanOrEqual(1000);
  expect(waits.length).toBeLessThan(40);
  expect(Date.parse(history.find((e) => e.status === 'Started')!.timestamp) - sentAt).toBeLessThan(15_000 + 10_000);
  expect(history.filter((e) => e.status === 'Completed')).toHaveLength(1);
  expect(refused.hits).toBeGreaterThanOrEqual(1);
}, 90_000);

it('a completed job\'s ack does not wait for its stripe release; the next job of that stripe waits for it, not Deferred; a stop waits for it', async () => {
  const p = await processor({ BATON_CONCURRENCY: '1' });
  const [first, third] = collidingIds();
  const held = proxies.blob.addRule({ method: 'PUT', when: leaseAction('release'), times: 1, action: toxic.hold });
  const job = (jobId: string, jobName: string) => system.job({ jobId, jobName, processingParameters: { steps: 1, stepMs: 0 } });
  await system.publish([job(first, 'release held')]);
  await system.waitForAll([first], 'Completed', 30_000);
  await waitFor(() => held.hits >= 1, 'the release to be held', 10_000);
  // One slot: the next job runs only once the first one's delivery is settled — while its release is still held.
  const second = job(`${system.namespace}-unrelated`, 'runs meanwhile');
  expect(stripeOf(second.jobId)).not.toBe(stripeOf(first));
  await system.publish([second]);
  await system.waitForAll([second.jobId], 'Completed', 10_000);
  expect(held.hits).toBe(1);
  // The first job's stripe, taken by a job of the same processor: it waits for its own release, then runs.
  await system.publish([job(third, 'same stripe, same processor')]);
  await new Promise((resolve) => setTimeout(resolve, 500));
  proxies.blob.release();
  await system.waitForAll([third], 'Completed', 10_000);
  for (const jobId of [first, second.jobId, third]) expect((await system.statuses(jobId)).filter((s) => s !== 'Step')).toEqual(['Queued', 'Started', 'Completed']);

  // Stopping: the processor lets go of a stripe release still on its way before it exits.
  const [fourth] = collidingIds();
  const heldAgain = proxies.blob.addRule({ method: 'PUT', when: leaseAction('release'), times: 1, action: toxic.hold });
  await system.publish([job(fourth, 'released at stop')]);
  await system.waitForAll([fourth], 'Completed', 30_000);
  await waitFor(() => heldAgain.hits >= 1, 'the release to be held', 10_000);
  p.signal('SIGTERM');
  await new Promise((resolve) => setTimeout(resolve, 1000));
  expect(p.logged('processor stopped')).toBe(false);
  proxies.blob.release();
  expect((await p.exited).code).toBe(0);
  expect(await system.storage.leases.isHeld(stripeKey(fourth))).toBe(false);
});
