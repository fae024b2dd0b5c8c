/**
 * @module Measure 6: audit queries through the dashboard's app (createApp over openDashboard, called with
 * `app.request()`, no port) with a small and a large number of events stored. Events are written straight
 * into `<ns>audit` and `<ns>recent` with the same entity layout Baton uses (event-entity.ts, event-keys.ts),
 * in transactions of 100. Next to each API figure, the same storage query made directly with the SDK, so
 * what the storage emulator costs can be told apart from what Baton adds.
 */
import { odata, TableClient, type TransactionAction } from '@azure/data-tables';
import type { AuditEvent, AuditStatus } from '../../src/contracts/audit-event.js';
import { silentLogger } from '../../src/core/logger.js';
import type { DashboardServices } from '../../src/dashboard/dashboard-services.js';
import { eventToProperties } from '../../src/storage/event-entity.js';
import { eventIdAt, INDEX_SHARDS, indexPartition, invertedMs } from '../../src/storage/event-keys.js';
import { AMQP_URL, Space } from '../lib/infra.js';
import { fromDist } from '../lib/processes.js';

// The dashboard finds its page's files next to its compiled module: use the real build in dist/.
type AppModule = typeof import('../../src/dashboard/app.js');
type ServicesModule = typeof import('../../src/dashboard/dashboard-services.js');

/** Jobs whose history is queried: 10 events each (Queued, Started, 7 Steps, Completed). */
const SAMPLE_JOBS = 10;
const SAMPLE_EVENTS = 10;
/** Filler jobs: 99 events plus the state row, one full transaction each. */
const FILLER_EVENTS = 99;

export interface AuditDataset {
  readonly events: number;
  readonly space: Space;
  readonly sampleJobIds: string[];
  readonly services: DashboardServices;
  readonly app: ReturnType<AppModule['createApp']>;
}

async function inParallel<T>(items: readonly T[], limit: number, run: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await run(items[next++]!);
  }));
}

function jobEvents(jobId: string, count: number, startMs: number, spacingMs: number): AuditEvent[] {
  return Array.from({ length: count }, (_, i): AuditEvent => {
    const ms = Math.round(startMs + i * spacingMs);
    const status: AuditStatus = i === 0 ? 'Queued' : i === 1 ? 'Started' : i === count - 1 ? 'Completed' : 'Step';
    return {
      jobId, eventId: eventIdAt(ms), status, timestamp: new Date(ms).toISOString(), processorId: 'bench-processor', attempt: i === 0 ? 0 : 1,
      message: status === 'Step' ? `Processing step ${i - 1}/${count - 3}` : `${status} (bench data)`, jobName: 'bench history',
      ...(status === 'Step' ? { step: i - 1, totalSteps: count - 3 } : {}),
    };
  });
}

/** Writes `total` events (10 sample jobs, the rest in filler jobs), spread over the last two hours. */
export async function fillDataset(connectionString: string, total: number): Promise<AuditDataset> {
  const space = new Space(connectionString, 'audit');
  const audit = TableClient.fromConnectionString(connectionString, space.names.auditTable, { allowInsecureConnection: true });
  const recent = TableClient.fromConnectionString(connectionString, space.names.recentTable, { allowInsecureConnection: true });
  await audit.createTable();
  await recent.createTable();
  const spanMs = 2 * 60 * 60 * 1000;
  const spacing = spanMs / total;
  const start = Date.now() - spanMs;
  const jobs: AuditEvent[][] = [];
  let written = 0;
  const sampleJobIds: string[] = [];
  for (let j = 0; j < SAMPLE_JOBS; j++) {
    const jobId = `sample-${j}-${crypto.randomUUID()}`;
    sampleJobIds.push(jobId);
    jobs.push(jobEvents(jobId, SAMPLE_EVENTS, start + written * spacing, spacing));
    written += SAMPLE_EVENTS;
  }
  while (written < total) {
    const count = Math.min(FILLER_EVENTS, total - written);
    jobs.push(jobEvents(`filler-${crypto.randomUUID()}`, count, start + written * spacing, spacing));
    written += count;
  }
  await inParallel(jobs, 16, (events) => {
    const first = events[0]!;
    const last = events[events.length - 1]!;
    const actions: TransactionAction[] = [
      ['create', { partitionKey: first.jobId, rowKey: 'state', status: 'Completed', attempts: 1, failures: 0, processorId: 'bench-processor', jobName: 'bench history', type: 'steps', lockKey: first.jobId, firstStartedAt: first.timestamp, lastStartedAt: first.timestamp, completedAt: last.timestamp, updatedAt: last.timestamp }],
      ...events.map((event): TransactionAction => ['create', { partitionKey: event.jobId, rowKey: event.eventId, ...eventToProperties(event) }]),
    ];
    return audit.submitTransaction(actions);
  });
  const byPartition = new Map<string, AuditEvent[]>();
  for (const event of jobs.flat()) {
    const partition = indexPartition(Date.parse(event.timestamp), Math.floor(Math.random() * INDEX_SHARDS)); // spread as the index spreads its batches
    const list = byPartition.get(partition) ?? [];
    list.push(event);
    byPartition.set(partition, list);
  }
  const batches: Array<{ partition: string; events: AuditEvent[] }> = [];
  for (const [partition, list] of byPartition) for (let i = 0; i < list.length; i += 100) batches.push({ partition, events: list.slice(i, i + 100) });
  await inParallel(batches, 16, ({ partition, events }) =>
    recent.submitTransaction(events.map((event): TransactionAction => ['create', { partitionKey: partition, rowKey: `${invertedMs(Date.parse(event.timestamp))}-${event.eventId}`, ...eventToProperties(event) }])),
  );
  const { openDashboard } = await fromDist<ServicesModule>('dashboard/dashboard-services.js');
  const { createApp } = await fromDist<AppModule>('dashboard/app.js');
  const services = await openDashboard({ storageConnectionString: connectionString, amqpUrl: AMQP_URL, namespace: space.namespace, token: undefined, logger: silentLogger() });
  return { events: total, space, sampleJobIds, services, app: createApp(services.deps) };
}

export async function closeDataset(dataset: AuditDataset): Promise<void> {
  await dataset.services.close().catch(() => undefined);
  await dataset.space.cleanup();
}

export interface QuerySamples {
  readonly latenciesMs: number[];
  readonly storageRequestsPerCall: number;
}

/** Up to `samples` sequential calls of `path(i)` within `budgetMs`; each must answer 200. */
export async function sampleApi(dataset: AuditDataset, path: (i: number) => string, samples: number, budgetMs: number): Promise<QuerySamples> {
  const counter = dataset.services.storage.clients.counter;
  const requestsBefore = counter.total();
  const latenciesMs: number[] = [];
  const deadline = performance.now() + budgetMs;
  for (let i = 0; i < samples && (i < 5 || performance.now() < deadline); i++) {
    const started = performance.now();
    const response = await dataset.app.request(path(i));
    const body = await response.text();
    latenciesMs.push(performance.now() - started);
    if (response.status !== 200) throw new Error(`${path(i)} answered ${response.status}: ${body.slice(0, 200)}`);
  }
  return { latenciesMs, storageRequestsPerCall: (counter.total() - requestsBefore) / latenciesMs.length };
}

/** The same storage reads without Baton: the first page of 200 index rows, and one job's partition. */
export async function sampleRaw(dataset: AuditDataset, kind: 'recent' | 'job', samples: number): Promise<number[]> {
  const names = dataset.space.names;
  const table = TableClient.fromConnectionString(dataset.space.connectionString, kind === 'recent' ? names.recentTable : names.auditTable, { allowInsecureConnection: true });
  const latencies: number[] = [];
  for (let i = 0; i < samples; i++) {
    const started = performance.now();
    if (kind === 'recent') {
      await table.listEntities().byPage({ maxPageSize: 200 }).next();
    } else {
      const jobId = dataset.sampleJobIds[i % dataset.sampleJobIds.length]!;
      for await (const _entity of table.listEntities({ queryOptions: { filter: odata`PartitionKey eq ${jobId} and RowKey ne ${'state'}` } })) void _entity;
    }
    latencies.push(performance.now() - started);
  }
  return latencies;
}
