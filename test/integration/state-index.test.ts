/**
 * The job-state index on Azurite, counted request by request: what a transition costs (alone, and shared
 * by 100 jobs moving in one flush), and that a page costs the same with 2,000 more jobs in the history.
 */
import { odata, type TransactionAction } from '@azure/data-tables';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateJobRequest, type JobRequest } from '../../src/contracts/job-request.js';
import { namesFor } from '../../src/contracts/names.js';
import { AZURITE_CONNECTION_STRING } from '../../src/core/config.js';
import { ensureStorage, openStorage, type BatonStorage } from '../../src/storage/baton-storage.js';
import { RequestCounter } from '../../src/storage/request-counter.js';
import { rowKeyOf, STATE_SHARDS, StateIndex } from '../../src/storage/state-index.js';
import { deleteNamespaceStorage } from '../helpers/cleanup.js';
import { freshNamespace } from '../helpers/namespace.js';

const namespace = freshNamespace('si');
const names = namesFor(namespace);
const counter = new RequestCounter();
let storage: BatonStorage;

function job(jobId: string, createdAt = new Date().toISOString()): JobRequest {
  const parsed = validateJobRequest({ jobId, jobName: jobId, createdAt });
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.job;
}

/** Table requests made by `work` (the counter sees every request of this storage's clients). */
async function requests(work: () => Promise<unknown>): Promise<Record<string, number>> {
  // The recent-events index writes behind on the same counter: let it finish what it holds first.
  await storage.index.flush();
  const before = counter.snapshot();
  await work();
  const after = counter.snapshot();
  return Object.fromEntries(
    Object.entries(after).map(([key, n]) => [key.replace(/^table\./, ''), n - (before[key] ?? 0)]).filter(([key, n]) => !String(key).startsWith('blob.') && (n as number) > 0),
  );
}

const total = (counts: Record<string, number>) => Object.values(counts).reduce((sum, n) => sum + n, 0);

async function runToCompletion(j: JobRequest): Promise<void> {
  const started = await storage.audit.startAttempt(j, 'proc', { firstDelivery: true });
  if (started.kind !== 'started') throw new Error('expected an attempt');
  await started.attempt.write([{ jobId: j.jobId, jobName: j.jobName, status: 'Completed', message: 'done', processorId: 'proc', attempt: 1 }], { status: 'Completed' });
}

beforeAll(async () => {
  storage = openStorage(AZURITE_CONNECTION_STRING, names, { counter });
  await ensureStorage(storage, names);
});

afterAll(async () => {
  await storage.close();
  await deleteNamespaceStorage(namespace, AZURITE_CONNECTION_STRING);
});

describe('what a transition costs', () => {
  it('one job moving alone: an upsert, and a delete of the row it left', async () => {
    const j = job('alone');
    await storage.audit.append({ jobId: j.jobId, jobName: j.jobName, status: 'Queued', message: 'q', processorId: 'p', attempt: 0 }, undefined, j);
    // Queued: its row and the `all` row.
    expect(await requests(() => storage.states.flush())).toEqual({ upsert: 2 });
    await runToCompletion(j);
    // Started and Completed in one flush collapse: one upsert (Completed), deletes of Queued and Started, the `all` row.
    const moved = await requests(() => storage.states.flush());
    expect(moved.upsert).toBe(2);
    expect(total(moved)).toBeLessThanOrEqual(5);
    expect((await storage.states.list({ status: 'Completed', limit: 10 })).items.map((item) => item.jobId)).toEqual(['alone']);
    expect((await storage.states.list({ status: 'Queued', limit: 10 })).items).toEqual([]);
  });

  it('99 jobs moving in one flush share one transaction per partition', async () => {
    // Its own index with a long flush interval, so that the 100 moves surely meet in one flush.
    const index = new StateIndex(storage.clients.table(names.stateIndexTable), storage.clients.table(names.auditTable), { flushMs: 600_000 });
    // 99: at 100 queued jobs the index flushes at once (it bounds what it holds in memory).
    const jobs = Array.from({ length: 99 }, (_, i) => job(`many-${String(i).padStart(3, '0')}`)).map((j) => ({ jobId: j.jobId, jobName: j.jobName, type: j.type, createdAt: j.createdAt }));
    for (const j of jobs) index.moved({ job: j, to: 'Queued' });
    expect(await requests(() => index.flush())).toEqual({ transaction: 2 }); // Queued and `all`
    for (const j of jobs) index.moved({ job: j, from: 'Queued', to: 'Started' });
    expect(await requests(() => index.flush())).toEqual({ transaction: 3 }); // upserts in Started and `all`, deletes in Queued
    for (const j of jobs) index.moved({ job: j, from: 'Started', to: 'Retrying' });
    for (const j of jobs) index.moved({ job: j, from: 'Retrying', to: 'Started' });
    for (const j of jobs) index.moved({ job: j, from: 'Started', to: 'Completed' });
    // Three moves each, collapsed: upserts in Completed, deletes in Started (Retrying was never written).
    expect(await requests(() => index.flush())).toEqual({ transaction: 2 });
    // Away and back within one flush: the row it ends in is upserted, never deleted.
    for (const j of jobs.slice(0, 10)) index.moved({ job: j, from: 'Completed', to: 'Retrying' });
    for (const j of jobs.slice(0, 10)) index.moved({ job: j, from: 'Retrying', to: 'Completed' });
    expect(await requests(() => index.flush())).toEqual({ transaction: 1 });
    const table = storage.clients.table(names.stateIndexTable);
    const count = async (partition: string) => {
      let n = 0;
      for await (const row of table.listEntities<{ jobId: string }>({ queryOptions: { filter: odata`PartitionKey eq ${partition}` } })) if (row.jobId.startsWith('many-')) n++;
      return n;
    };
    expect([await count('Queued'), await count('Started'), await count('Retrying'), await count('Completed'), await count('all')]).toEqual([0, 0, 0, 99, 99]);
  });
});

describe('what a page costs', () => {
  const seed = async (count: number, prefix: string, createdAtMs: number) => {
    const table = storage.clients.table(names.stateIndexTable);
    for (let offset = 0; offset < count; offset += 100) {
      const actions: TransactionAction[] = [];
      for (let i = offset; i < Math.min(count, offset + 100); i++) {
        const createdAt = new Date(createdAtMs - i).toISOString();
        const jobId = `${prefix}-${i}`;
        actions.push(['upsert', { partitionKey: 'Queued', rowKey: rowKeyOf({ jobId, createdAt }), jobId, jobName: jobId, type: 'steps', createdAt, updatedAt: createdAt, status: 'Queued' }]);
      }
      await table.submitTransaction(actions);
    }
  };

  it('is one query per sub-partition plus one read per job shown, with 50 or 2,050 jobs in the list', async () => {
    await seed(50, 'new', Date.now());
    const small = await requests(() => storage.states.list({ status: 'Queued', limit: 20 }));
    const firstSmall = await storage.states.list({ status: 'Queued', limit: 20 });
    const secondSmall = await requests(() => storage.states.list({ status: 'Queued', limit: 20, cursor: firstSmall.nextCursor! }));
    await seed(2000, 'old', Date.now() - 86_400_000); // a day of older history
    const large = await requests(() => storage.states.list({ status: 'Queued', limit: 20 }));
    const firstLarge = await storage.states.list({ status: 'Queued', limit: 20 });
    const secondLarge = await requests(() => storage.states.list({ status: 'Queued', limit: 20, cursor: firstLarge.nextCursor! }));
    // The status's own partition (jobs with no index shard, as these) and its STATE_SHARDS sub-partitions.
    expect(small).toEqual({ query: STATE_SHARDS + 1, get: 20 });
    expect(large).toEqual(small);
    expect(secondLarge).toEqual(secondSmall);
    expect(firstLarge.items.map((item) => item.jobId)).toEqual(firstSmall.items.map((item) => item.jobId));
  });
});

describe('sub-partitions (issue 15: no status is one partition for the whole fleet)', () => {
  const table = () => storage.clients.table(names.stateIndexTable);
  const partitionsOfJob = async (jobId: string) => {
    const found: string[] = [];
    for await (const row of table().listEntities<{ jobId: string }>({ queryOptions: { filter: odata`jobId eq ${jobId}` } })) found.push(String(row.partitionKey));
    // The queued register shares the table (queued-register.ts): not an index row.
    return found.filter((partition) => !partition.startsWith('queued-')).sort();
  };

  it('keeps all of a job\'s rows in the sub-partition its publisher chose, from Queued to Completed, and lists it', async () => {
    const j = job('sharded');
    const shard = 5;
    const queued = { jobId: j.jobId, jobName: j.jobName, status: 'Queued' as const, message: 'Queued (steps)', processorId: 'pub', attempt: 0 };
    await storage.audit.register({ ...queued, eventId: `${Date.now()}-sharded`, timestamp: new Date().toISOString() }, j, shard);
    await storage.states.flush();
    expect(await partitionsOfJob(j.jobId)).toEqual(['Queued~5', 'all~5']);
    expect((await storage.states.list({ status: 'Queued', limit: 10 })).items.map((item) => item.jobId)).toContain(j.jobId);
    const started = await storage.audit.startAttempt(j, 'proc', { firstDelivery: true, indexShard: shard });
    if (started.kind !== 'started') throw new Error('expected an attempt');
    await started.attempt.write([{ jobId: j.jobId, jobName: j.jobName, status: 'Completed', message: 'done', processorId: 'proc', attempt: 1 }], { status: 'Completed' });
    await storage.states.flush();
    expect(await partitionsOfJob(j.jobId)).toEqual(['Completed~5', 'all~5']);
    expect((await storage.clients.table(names.auditTable).getEntity<{ indexShard?: number }>(j.jobId, 'state')).indexShard).toBe(shard);
    expect((await storage.states.list({ status: 'Completed', limit: 1000 })).items.filter((item) => item.jobId === j.jobId)).toHaveLength(1);
    expect((await storage.states.list({ limit: 1000 })).items.filter((item) => item.jobId === j.jobId)).toHaveLength(1);
  });

  it('a later attempt, a cancel and a requeue find the job\'s rows through its state row', async () => {
    const j = job('sharded-later');
    await storage.audit.register({ jobId: j.jobId, jobName: j.jobName, status: 'Queued', message: 'Queued', processorId: 'pub', attempt: 0, eventId: `${Date.now()}-later`, timestamp: new Date().toISOString() }, j, 2);
    const first = await storage.audit.startAttempt(j, 'proc', { firstDelivery: true, indexShard: 2 });
    if (first.kind !== 'started') throw new Error('expected an attempt');
    await first.attempt.write([{ jobId: j.jobId, jobName: j.jobName, status: 'Retrying', message: 'again', processorId: 'proc', attempt: 1 }], { status: 'Retrying' });
    // The retry's message says nothing of the shard: the state row does.
    const second = await storage.audit.startAttempt(j, 'proc2', { firstDelivery: false });
    if (second.kind !== 'started') throw new Error('expected an attempt');
    await second.attempt.write([{ jobId: j.jobId, jobName: j.jobName, status: 'DeadLettered', message: 'gave up', processorId: 'proc2', attempt: 2 }], { status: 'DeadLettered' });
    await storage.states.flush();
    expect(await partitionsOfJob(j.jobId)).toEqual(['DeadLettered~2', 'all~2']);
    const requeued = await storage.control.requeue(j.jobId, 'ops');
    expect(requeued).toMatchObject({ kind: 'requeued', indexShard: 2 });
    await storage.states.flush();
    expect(await partitionsOfJob(j.jobId)).toEqual(['Queued~2', 'all~2']);
  });

  it('a publisher gives 100 jobs in a row one sub-partition, then the next', () => {
    const index = new StateIndex(storage.clients.table(names.stateIndexTable), storage.clients.table(names.auditTable));
    const shards = Array.from({ length: 250 }, () => index.nextShard());
    expect(new Set(shards.slice(0, 100)).size).toBe(1);
    expect(shards[100]).toBe((shards[0]! + 1) % STATE_SHARDS);
    expect(new Set(shards.slice(100, 200)).size).toBe(1);
    expect(shards[200]).toBe((shards[0]! + 2) % STATE_SHARDS);
  });
});
