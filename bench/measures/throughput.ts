/**
 * @module Measures 1 and 2: no-op jobs through two Baton processors (child processes) at a given
 * concurrency, counting every storage request on both sides; the seed's design (two plain workers); and
 * BullMQ on the local Redis. Jobs are queued while the workers are paused (SIGSTOP), so that both
 * processors start together and publishing does not compete with processing; throughput is the job
 * count over the span from the first Started to the last Completed, read from what each system stored.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { BlobServiceClient } from '@azure/storage-blob';
import { odata, TableClient } from '@azure/data-tables';
import amqp from 'amqplib';
import { validateJobRequest, type JobRequest } from '../../src/contracts/job-request.js';
import { silentLogger } from '../../src/core/logger.js';
import { Publisher } from '../../src/publisher/publisher.js';
import { BlobLeaseStore } from '../../src/storage/blob-lease-store.js';
import { stripeKey } from '../../src/storage/lock-stripes.js';
import { INDEX_FLUSH_MS } from '../../src/storage/recent-index.js';
import { AMQP_URL, note, sleep, Space, storageAnswers, waitForProgress, waitUntil } from '../lib/infra.js';
import { cpuSeconds, metricSum, pidOf, spawnBenchScript, spawnProcessor, storageRequests, subtractCounts, type Child, type ProcessorChild } from '../lib/processes.js';
import { loadBullmq } from '../lib/bullmq-peer.js';

export interface ThroughputRun {
  readonly jobs: number;
  readonly jobsPerSecond: number;
  readonly spanMs: number;
  /** CPU ms per job of the processes doing the work (workers + Azurite, or worker + Redis), broker excluded. */
  readonly cpuMsPerJob: number;
  /** The part of it spent by the store (Azurite, or Redis). */
  readonly storeCpuMsPerJob: number;
}

/** CPU seconds used so far by a set of processes. */
const cpuOf = (pids: number[]) => pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);

export interface BatonRun extends ThroughputRun {
  readonly concurrency: number;
  /** Requests by `service.operation`, both processors together, over the whole run. */
  readonly processorRequests: Map<string, number>;
  /** Requests of the publisher while it published the jobs (Queued events and their index rows). */
  readonly publisherRequests: Map<string, number>;
  readonly outcomes: Map<string, number>;
}

export function noopJob(extra: Record<string, unknown> = {}): JobRequest {
  const parsed = validateJobRequest({ jobId: randomUUID(), jobName: 'bench no-op', type: 'steps', processingParameters: { steps: 1, stepMs: 0 }, ...extra });
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.job;
}

/** Publishes with at most `window` jobs awaiting their confirm and Queued event, as `baton publish` does. */
export async function publishAll(publisher: Publisher, jobs: readonly JobRequest[], window = 256): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(window, jobs.length) }, async () => {
      while (next < jobs.length) {
        const job = jobs[next++]!;
        const published = await publisher.publish(job);
        if (!published.audited) throw new Error(`Queued not recorded for ${job.jobId}`);
      }
    }),
  );
}

async function consumers(queue: string): Promise<number> {
  const connection = await amqp.connect(AMQP_URL);
  try {
    const channel = await connection.createChannel();
    return (await channel.checkQueue(queue)).consumerCount;
  } finally {
    await connection.close().catch(() => undefined);
  }
}

function counts(snapshot: Record<string, number>): Map<string, number> {
  return new Map(Object.entries(snapshot));
}

export async function runBaton(connectionString: string, azuritePid: number, concurrency: number, jobCount: number, timeoutMs: number): Promise<BatonRun> {
  const space = new Space(connectionString, 'thr');
  const processors: ProcessorChild[] = [];
  const publisher = new Publisher({ amqpUrl: AMQP_URL, storageConnectionString: connectionString, namespace: space.namespace, publisherId: 'bench-publisher', logger: silentLogger() });
  try {
    await publisher.start();
    for (const label of ['p1', 'p2']) processors.push(await spawnProcessor({ env: space.env({ BATON_CONCURRENCY: String(concurrency) }), label }));
    await waitUntil(async () => (await consumers(space.names.jobsQueue)) === 2, 'both processors to consume', 20_000);
    const jobs = Array.from({ length: jobCount }, () => noopJob());
    // Steady state: a namespace that has run before has every lock stripe its jobs meet (each is created once, ever).
    await new BlobLeaseStore(BlobServiceClient.fromConnectionString(connectionString), space.names.locksContainer).createLockBlobs(jobs.map((job) => stripeKey(job.jobId)));
    const before = await Promise.all(processors.map((p) => p.metrics()));
    for (const p of processors) p.signal('SIGSTOP');
    const publisherBefore = counts(publisher.storage.clients.counter.snapshot());
    const publishStarted = performance.now();
    await publishAll(publisher, jobs);
    await Promise.all([publisher.storage.index.flush(), publisher.storage.states.flush()]);
    const publisherRequests = subtractCounts(counts(publisher.storage.clients.counter.snapshot()), publisherBefore);
    note(`  published ${jobCount} in ${((performance.now() - publishStarted) / 1000).toFixed(1)} s; releasing the processors`);
    const pids = [azuritePid, ...processors.map((p) => p.pid)];
    const cpuBefore = cpuOf(pids);
    const storeBefore = cpuSeconds(azuritePid);
    for (const p of processors) p.signal('SIGCONT');

    const released = performance.now();
    const completed = async () => (await Promise.all(processors.map((p) => p.metrics()))).reduce((sum, m) => sum + metricSum(m, 'baton_deliveries_total', { outcome: 'completed' }), 0);
    await waitForProgress(completed, jobCount, `Baton 2×${concurrency}`, { timeoutMs, stallMs: 30_000, diagnose: () => storageAnswers(connectionString) });
    note(`  ${jobCount} completed ${((performance.now() - released) / 1000).toFixed(1)} s after release`);
    await sleep(INDEX_FLUSH_MS + 1000); // the index is written behind: count its last flush too
    const cpuMsPerJob = ((cpuOf(pids) - cpuBefore) * 1000) / jobCount;
    const storeCpuMsPerJob = ((cpuSeconds(azuritePid) - storeBefore) * 1000) / jobCount;
    const after = await Promise.all(processors.map((p) => p.metrics()));
    const processorRequests = new Map<string, number>();
    const outcomes = new Map<string, number>();
    after.forEach((metrics, i) => {
      for (const [op, n] of subtractCounts(storageRequests(metrics), storageRequests(before[i]!))) processorRequests.set(op, (processorRequests.get(op) ?? 0) + n);
      for (const [series, value] of metrics) {
        const outcome = /^baton_deliveries_total\{outcome="([^"]+)"\}$/.exec(series)?.[1];
        if (outcome) outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + value - (before[i]!.get(series) ?? 0));
      }
    });

    const audit = TableClient.fromConnectionString(connectionString, space.names.auditTable, { allowInsecureConnection: true });
    let first = Number.POSITIVE_INFINITY;
    let last = 0;
    let done = 0;
    for await (const row of audit.listEntities<{ firstStartedAt?: string; completedAt?: string; status?: string }>({ queryOptions: { filter: odata`RowKey eq ${'state'}`, select: ['firstStartedAt', 'completedAt', 'status'] } })) {
      if (row.status !== 'Completed' || !row.firstStartedAt || !row.completedAt) continue;
      done++;
      first = Math.min(first, Date.parse(row.firstStartedAt));
      last = Math.max(last, Date.parse(row.completedAt));
    }
    if (done !== jobCount) throw new Error(`expected ${jobCount} completed state rows, found ${done}`);
    const spanMs = Math.max(1, last - first);
    return { concurrency, jobs: jobCount, jobsPerSecond: jobCount / (spanMs / 1000), spanMs, cpuMsPerJob, storeCpuMsPerJob, processorRequests, publisherRequests, outcomes };
  } catch (error) {
    for (const p of processors) process.stderr.write(`--- ${p.label} (last lines) ---\n${p.tail(5)}\n`);
    throw error;
  } finally {
    await Promise.all(processors.map((p) => p.stop()));
    await publisher.close().catch(() => undefined);
    await space.cleanup();
  }
}

export async function runSeed(connectionString: string, azuritePid: number, jobCount: number, timeoutMs: number): Promise<ThroughputRun> {
  const space = new Space(connectionString, 'seed');
  const queue = `${space.namespace}.seed`;
  const container = `${space.namespace}-seedlocks`;
  const tableName = `${space.namespace}seed`;
  space.extraQueues.push(queue);
  space.extraContainers.push(container);
  space.extraTables.push(tableName);
  const workers: Child[] = [];
  const connection = await amqp.connect(AMQP_URL);
  try {
    await BlobServiceClient.fromConnectionString(connectionString).getContainerClient(container).createIfNotExists();
    const table = TableClient.fromConnectionString(connectionString, tableName, { allowInsecureConnection: true });
    await table.createTable();
    const channel = await connection.createConfirmChannel();
    await channel.assertQueue(queue, { durable: true });
    let done = 0;
    for (const label of ['s1', 's2']) {
      const worker = spawnBenchScript('seed-design.js', { SEED_AMQP_URL: AMQP_URL, SEED_STORAGE: connectionString, SEED_QUEUE: queue, SEED_CONTAINER: container, SEED_TABLE: tableName }, label);
      worker.onLine = (line) => {
        if (line === 'done') done++;
      };
      workers.push(worker);
    }
    await waitUntil(async () => (await channel.checkQueue(queue)).consumerCount === 2, 'both seed workers to consume', 20_000);
    for (const w of workers) w.signal('SIGSTOP');
    for (let i = 0; i < jobCount; i++) {
      channel.sendToQueue(queue, Buffer.from(JSON.stringify({ jobId: randomUUID(), jobName: 'bench no-op' })), { persistent: true });
    }
    await channel.waitForConfirms();
    const pids = [azuritePid, ...workers.map((w) => w.pid)];
    const cpuBefore = cpuOf(pids);
    const storeBefore = cpuSeconds(azuritePid);
    for (const w of workers) w.signal('SIGCONT');
    await waitForProgress(async () => {
      if (workers.some((w) => !w.running)) throw new Error('a seed worker exited');
      return done;
    }, jobCount, 'seed design', { timeoutMs, stallMs: 30_000, everyMs: 100, diagnose: () => storageAnswers(connectionString) });
    const cpuMsPerJob = ((cpuOf(pids) - cpuBefore) * 1000) / jobCount;
    const storeCpuMsPerJob = ((cpuSeconds(azuritePid) - storeBefore) * 1000) / jobCount;

    let first = Number.POSITIVE_INFINITY;
    let last = 0;
    for await (const row of table.listEntities<{ status?: string; at?: string }>({ queryOptions: { select: ['status', 'at'] } })) {
      const at = Date.parse(row.at ?? '');
      if (row.status === 'Started') first = Math.min(first, at);
      if (row.status === 'Completed') last = Math.max(last, at);
    }
    const spanMs = Math.max(1, last - first);
    return { jobs: jobCount, jobsPerSecond: jobCount / (spanMs / 1000), spanMs, cpuMsPerJob, storeCpuMsPerJob };
  } catch (error) {
    for (const w of workers) process.stderr.write(`--- ${w.label} (last lines) ---\n${w.tail(5)}\n`);
    throw error;
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
    await connection.close().catch(() => undefined);
    await space.cleanup();
  }
}

export async function runBullmq(jobCount: number, concurrency: number, timeoutMs: number): Promise<ThroughputRun> {
  const name = `bench-${randomBytes(5).toString('hex')}`;
  const prefix = 'batonbench';
  const connection = { host: '127.0.0.1', port: 6379, maxRetriesPerRequest: null };
  const { Queue } = await loadBullmq();
  const queue = new Queue(name, { prefix, connection });
  let worker: Child | undefined;
  try {
    for (let i = 0; i < jobCount; i += 500) {
      await queue.addBulk(Array.from({ length: Math.min(500, jobCount - i) }, (_, k) => ({ name: 'noop', data: { i: i + k } })));
    }
    const redisPid = pidOf('redis-server');
    const cpuRedisBefore = redisPid ? cpuSeconds(redisPid) : 0;
    worker = spawnBenchScript('bullmq-worker.js', { BULL_QUEUE: name, BULL_PREFIX: prefix, BULL_CONCURRENCY: String(concurrency) }, 'bullmq');
    await waitForProgress(async () => {
      if (!worker?.running) throw new Error(`BullMQ worker exited:\n${worker?.tail()}`);
      return (await queue.getJobCounts('completed')).completed ?? 0;
    }, jobCount, 'BullMQ', { timeoutMs, stallMs: 30_000, everyMs: 100 });
    // The worker's whole life (start-up included) and Redis over it; the bench's own polling adds a little to Redis.
    const storeCpuMsPerJob = ((redisPid ? cpuSeconds(redisPid) - cpuRedisBefore : 0) * 1000) / jobCount;
    const cpuMsPerJob = (cpuSeconds(worker.pid) * 1000) / jobCount + storeCpuMsPerJob;
    let first = Number.POSITIVE_INFINITY;
    let last = 0;
    for (let i = 0; i < jobCount; i += 500) {
      for (const job of await queue.getJobs(['completed'], i, Math.min(jobCount, i + 500) - 1)) {
        if (job.processedOn) first = Math.min(first, job.processedOn);
        if (job.finishedOn) last = Math.max(last, job.finishedOn);
      }
    }
    const spanMs = Math.max(1, last - first);
    return { jobs: jobCount, jobsPerSecond: jobCount / (spanMs / 1000), spanMs, cpuMsPerJob, storeCpuMsPerJob };
  } finally {
    await worker?.stop();
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
  }
}
