/**
 * The queued register (issue 15): a new job's Queued event is written to a few shared partitions, several
 * publishes to a transaction, and the job's first Started (or a cancel before it) copies it into the job's
 * own partition. Checked on Azurite and RabbitMQ, and under the fault proxy: lost answers write it once.
 */
import { odata } from '@azure/data-tables';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../src/contracts/audit-event.js';
import { namesFor } from '../../src/contracts/names.js';
import { validateJobRequest, type JobRequest } from '../../src/contracts/job-request.js';
import { AZURITE_CONNECTION_STRING } from '../../src/core/config.js';
import { silentLogger } from '../../src/core/logger.js';
import { Publisher } from '../../src/publisher/publisher.js';
import { openStorage, type BatonStorage } from '../../src/storage/baton-storage.js';
import { createStorageClients } from '../../src/storage/clients.js';
import { queuedFromHeader } from '../../src/storage/queued-event.js';
import { queuedPartition, QueuedRegister } from '../../src/storage/queued-register.js';
import { stampAt } from '../../src/storage/state-row.js';
import { deleteNamespaceQueues, deleteNamespaceStorage } from '../helpers/cleanup.js';
import { startStorageProxies, toxic, transactionWith } from '../helpers/fault-proxy.js';
import { freshNamespace } from '../helpers/namespace.js';
import { AMQP_URL, killAll, TestSystem, waitFor } from '../helpers/system.js';

const direct = createStorageClients(AZURITE_CONNECTION_STRING);

/** The job's Queued rows in its own partition, read straight from the table. */
async function partitionQueued(auditTable: string, jobId: string): Promise<Array<Record<string, unknown>>> {
  const rows: Array<Record<string, unknown>> = [];
  for await (const row of direct.table(auditTable).listEntities<Record<string, unknown>>({ queryOptions: { filter: odata`PartitionKey eq ${jobId} and status eq ${'Queued'}` } })) rows.push(row);
  return rows;
}

describe('the queued register, with a real broker and processors', () => {
  const system = new TestSystem(freshNamespace('qr'));

  beforeAll(async () => {
    await system.start();
  });

  afterAll(async () => {
    await killAll(system.processors);
    await system.stop();
  });

  it('publishes 300 jobs in a few transactions; each unstarted job shows its Queued; the first Started copies it once', async () => {
    const proxies = await startStorageProxies({ seed: 3 });
    const publisher = new Publisher({ amqpUrl: AMQP_URL, storageConnectionString: proxies.connectionString, namespace: system.namespace, publisherId: 'window-publisher', logger: silentLogger() });
    const counted = proxies.table.addRule({ action: toxic.pass });
    try {
      await publisher.start();
      const jobs = Array.from({ length: 300 }, (_, i) => system.job({ jobName: `windowed ${i}`, processingParameters: { steps: 1, stepMs: 0 } }));
      const before = counted.hits;
      const published = await Promise.all(jobs.map((job) => publisher.publish(job)));
      expect(published.every((p) => p.audited)).toBe(true);
      await publisher.close();
      // The register's transactions and the two indexes' flushes: a few dozen requests, not 300 inserts.
      expect(counted.hits - before).toBeLessThan(60);

      for (const job of jobs.slice(0, 20)) {
        const history = await system.history(job.jobId);
        expect(history.map((e) => e.status)).toEqual(['Queued']);
        expect(history[0]!.message).toMatch(/^Queued \(/);
        expect(await partitionQueued(system.names.auditTable, job.jobId)).toHaveLength(0);
      }

      await system.startProcessor({ BATON_CONCURRENCY: '8' });
      await system.waitForAll(jobs.map((j) => j.jobId), 'Completed', 90_000);
      const registered = new QueuedRegister(direct.table(system.names.stateIndexTable));
      for (const job of jobs.slice(0, 40)) {
        const rows = await partitionQueued(system.names.auditTable, job.jobId);
        expect(rows).toHaveLength(1);
        expect(rows[0]!.eventId).toBe((await registered.read(job.jobId))!.event.eventId);
        expect(JSON.parse(rows[0]!.request as string).jobId).toBe(job.jobId);
        const statuses = (await system.history(job.jobId)).map((e) => e.status);
        expect(statuses.slice(0, 2)).toEqual(['Queued', 'Started']);
        // The index shard the publisher chose came with the message and is kept with the job.
        expect((await direct.table(system.names.auditTable).getEntity<{ indexShard?: number }>(job.jobId, 'state')).indexShard).toBeTypeOf('number');
        expect(statuses.filter((s) => s === 'Queued' || s === 'Completed')).toEqual(['Queued', 'Completed']);
      }
    } finally {
      await publisher.close().catch(() => undefined);
      await proxies.close();
    }
  });

  it('a jobId published twice: each Queued reaches the job\'s partition, the second with its Duplicate', async () => {
    await system.startProcessor();
    const job = system.job({ jobName: 'published twice', processingParameters: { steps: 1, stepMs: 0 } });
    await system.publish([job]);
    await system.waitForAll([job.jobId], 'Completed', 30_000);
    await system.publish([job]);
    await waitFor(async () => (await system.statuses(job.jobId)).includes('Duplicate'), 'the Duplicate', 30_000);
    expect(await partitionQueued(system.names.auditTable, job.jobId)).toHaveLength(2);
    const statuses = (await system.history(job.jobId)).map((e) => e.status).filter((s) => s !== 'Step');
    expect(statuses).toEqual(['Queued', 'Started', 'Completed', 'Queued', 'Duplicate']);
  });

  it('a cancel before the job started copies its Queued into the partition with Cancelled', async () => {
    const job = system.job({ jobName: 'cancelled early' });
    // Published with no processor consuming its partition's queue yet: it waits in <ns>.jobs.
    await killAll(system.processors);
    await system.publish([job]);
    expect(await system.publisher.cancel(job.jobId, 'ops')).toEqual({ kind: 'cancelled' });
    expect(await partitionQueued(system.names.auditTable, job.jobId)).toHaveLength(1);
    expect((await system.history(job.jobId)).map((e) => e.status)).toEqual(['Queued', 'CancelRequested', 'Cancelled']);
    // Its request is found for a requeue although the register is not read any more.
    expect((await system.storage.control.keptRequest(job.jobId))?.jobId).toBe(job.jobId);
  });
});

describe('the queued register under network faults', () => {
  const namespace = freshNamespace('qf');
  const names = namesFor(namespace);
  let proxies: Awaited<ReturnType<typeof startStorageProxies>>;
  let storage: BatonStorage;
  let directStorage: BatonStorage;

  function job(jobId: string): JobRequest {
    const parsed = validateJobRequest({ jobId, jobName: `job ${jobId}` });
    if (!parsed.ok) throw new Error(parsed.reason);
    return parsed.job;
  }

  function queuedEvent(j: JobRequest): AuditEvent {
    return stampAt({ jobId: j.jobId, jobName: j.jobName, status: 'Queued', attempt: 0, processorId: 'pub', message: 'Queued (steps)' }, Date.now());
  }

  beforeAll(async () => {
    proxies = await startStorageProxies({ seed: 11 });
    storage = openStorage(proxies.connectionString, names);
    directStorage = openStorage(AZURITE_CONNECTION_STRING, names);
    for (const table of [names.auditTable, names.stateIndexTable, names.recentTable]) await direct.table(table).createTable();
  });

  afterEach(() => {
    proxies.table.clearRules();
    proxies.table.release();
  });

  afterAll(async () => {
    await storage.close();
    await directStorage.close();
    await proxies.close();
    await deleteNamespaceStorage(namespace, AZURITE_CONNECTION_STRING);
    await deleteNamespaceQueues(namespace);
  });

  it('a register write whose answer was lost is made again and stored once', async () => {
    const j = job('lost-register-answer');
    const rule = proxies.table.addRule({ url: new RegExp(queuedPartition(j.jobId)), times: 1, action: toxic.dropAnswer });
    const event = queuedEvent(j);
    await storage.audit.register(event, j);
    expect(rule.hits).toBe(1);
    expect((await directStorage.audit.history(j.jobId)).map((e) => e.eventId)).toEqual([event.eventId]);
  });

  it('a batch of register writes whose answer was lost is made again, each stored once', async () => {
    const jobs = Array.from({ length: 30 }, (_, i) => job(`lost-batch-${i}`));
    const rule = proxies.table.addRule({ when: (request) => request.url.includes('$batch') && request.text.includes('queued-'), times: 2, action: toxic.dropAnswer });
    const events = jobs.map(queuedEvent);
    await Promise.all(jobs.map((j, i) => storage.audit.register(events[i]!, j)));
    expect(rule.hits).toBeGreaterThan(0);
    for (const [i, j] of jobs.entries()) expect((await directStorage.audit.history(j.jobId)).map((e) => e.eventId)).toEqual([events[i]!.eventId]);
  });

  it('a first Started whose answer was lost carries its Queued copy once', async () => {
    const j = job('lost-started-copy');
    const event = queuedEvent(j);
    await directStorage.audit.register(event, j);
    // What the processor reads off the message.
    const queued = queuedFromHeader(JSON.stringify({ id: event.eventId, at: event.timestamp, by: event.processorId, message: event.message }), j);
    expect(queued?.eventId).toBe(event.eventId);
    const rule = proxies.table.addRule({ when: transactionWith('Started'), times: 1, action: toxic.dropAnswer });
    const start = await storage.audit.startAttempt(j, 'p1', { firstDelivery: true, indexShard: 3, ...(queued ? { queued } : {}) });
    expect(rule.hits).toBe(1);
    if (start.kind !== 'started') throw new Error('expected a started attempt');
    expect(start.attempt.attempt).toBe(1);
    expect(await partitionQueued(names.auditTable, j.jobId)).toHaveLength(1);
    expect((await directStorage.audit.history(j.jobId)).map((e) => e.status)).toEqual(['Queued', 'Started']);
    // The index shard the message named is kept with the job, for whoever moves it next.
    expect((await direct.table(names.auditTable).getEntity<{ indexShard?: number }>(j.jobId, 'state')).indexShard).toBe(3);
  });

  it('a Deferred carrying the Queued copy whose answer was lost is written once, with one Queued', async () => {
    const j = job('lost-deferred-copy');
    const event = queuedEvent(j);
    await directStorage.audit.register(event, j);
    const rule = proxies.table.addRule({ when: transactionWith('Deferred'), times: 1, action: toxic.dropAnswer });
    await storage.audit.appendWithQueued({ jobId: j.jobId, jobName: j.jobName, status: 'Deferred', attempt: 0, processorId: 'p1', message: 'held elsewhere' }, { event, job: j });
    expect(rule.hits).toBe(1);
    expect(await partitionQueued(names.auditTable, j.jobId)).toHaveLength(1);
    expect((await directStorage.audit.history(j.jobId)).map((e) => e.status)).toEqual(['Queued', 'Deferred']);
  });
});
