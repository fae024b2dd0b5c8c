/**
 * @module Job lists: `GET /api/summaries` through the dashboard's app (`app.request()`, no port) with a
 * small and a large number of jobs in the job-state index, and the storage requests each page costs. The
 * jobs are written straight into `<ns>audit` (state rows of the newest 2,000, which the sampled pages show) and `<ns>states` (their rows in
 * `Completed` and `all`) with the layout state-index.ts uses; the first page and a page reached by cursor
 * are timed.
 */
import { TableClient, type TransactionAction } from '@azure/data-tables';
import { silentLogger } from '../../src/core/logger.js';
import { rowKeyOf, STATE_SHARDS } from '../../src/storage/state-index.js';
import { AMQP_URL, Space } from '../lib/infra.js';
import { fromDist } from '../lib/processes.js';
import type { Report } from '../lib/report.js';
import { table } from '../lib/report.js';
import { fmt, median, quantile } from '../lib/stats.js';

type AppModule = typeof import('../../src/dashboard/app.js');
type ServicesModule = typeof import('../../src/dashboard/dashboard-services.js');

export interface ListSamples {
  readonly jobs: number;
  readonly first: number[];
  readonly deep: number[];
  readonly requestsPerPage: number;
}

async function inParallel<T>(items: readonly T[], limit: number, run: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await run(items[next++]!);
  }));
}

/** Pages sampled: the first and the eleventh (after ten by cursor), of 100 jobs each; state rows cover them with room to spare. */
const STATE_ROWS_WRITTEN = 2000;

/** Writes `jobs` completed jobs, then samples pages of 100: the first, and the one after 10 pages. */
export async function measureJobLists(connectionString: string, jobs: number, samples: number): Promise<ListSamples> {
  const space = new Space(connectionString, 'lists');
  const audit = TableClient.fromConnectionString(connectionString, space.names.auditTable, { allowInsecureConnection: true });
  const states = TableClient.fromConnectionString(connectionString, space.names.stateIndexTable, { allowInsecureConnection: true });
  await audit.createTable();
  await states.createTable();
  const now = Date.now();
  const all = Array.from({ length: jobs }, (_, i) => ({ jobId: `job-${i}`, createdAt: new Date(now - i * 10).toISOString() }));
  // A page reads the state rows of the jobs it shows, and the pages sampled here show the newest 1,100:
  // those jobs get state rows; the rest of the history is index rows only (batched), which is what a page's
  // range query walks. Writing 200,000 single state rows took over half an hour on Azurite and measured nothing.
  const shown = all.slice(0, STATE_ROWS_WRITTEN);
  await inParallel(shown, 32, (job) => audit.createEntity({
    partitionKey: job.jobId, rowKey: 'state', status: 'Completed', attempts: 1, failures: 0, processorId: 'bench', jobName: 'bench', type: 'steps',
    lockKey: job.jobId, firstStartedAt: job.createdAt, lastStartedAt: job.createdAt, completedAt: job.createdAt, updatedAt: job.createdAt,
  }));
  const batches: TransactionAction[][] = [];
  for (const partition of ['Completed', 'all']) {
    for (let i = 0; i < all.length; i += 100) {
      batches.push(all.slice(i, i + 100).map((job): TransactionAction => ['upsert', {
        partitionKey: partition, rowKey: rowKeyOf(job), jobId: job.jobId, jobName: 'bench', type: 'steps', createdAt: job.createdAt, updatedAt: job.createdAt,
        ...(partition === 'all' ? {} : { status: partition }),
      }]));
    }
  }
  await inParallel(batches, 16, (actions) => states.submitTransaction(actions));
  const { openDashboard } = await fromDist<ServicesModule>('dashboard/dashboard-services.js');
  const { createApp } = await fromDist<AppModule>('dashboard/app.js');
  const services = await openDashboard({ storageConnectionString: connectionString, amqpUrl: AMQP_URL, namespace: space.namespace, token: undefined, logger: silentLogger() });
  try {
    const app = createApp(services.deps);
    const get = async (path: string) => {
      const started = performance.now();
      const response = await app.request(path);
      const body = (await response.json()) as { items: unknown[]; nextCursor: string | null };
      if (response.status !== 200 || body.items.length !== 100) throw new Error(`${path} answered ${response.status} with ${body.items.length} items`);
      return { ms: performance.now() - started, cursor: body.nextCursor };
    };
    let cursor: string | null = null;
    for (let page = 0; page < 10; page++) cursor = (await get(`/api/summaries?status=Completed&limit=100${cursor ? `&cursor=${cursor}` : ''}`)).cursor;
    const counter = services.storage.clients.counter;
    const before = counter.total();
    const first: number[] = [];
    const deep: number[] = [];
    for (let i = 0; i < samples; i++) {
      first.push((await get('/api/summaries?status=Completed&limit=100')).ms);
      deep.push((await get(`/api/summaries?status=Completed&limit=100&cursor=${cursor}`)).ms);
    }
    return { jobs, first, deep, requestsPerPage: (counter.total() - before) / (2 * samples) };
  } finally {
    await services.close().catch(() => undefined);
    await space.cleanup();
  }
}

export function reportJobLists(report: Report, runs: ListSamples[]): void {
  const section = report.section('Job lists: GET /api/summaries with few and many jobs');
  section.lines.push(
    `Pages of 100 completed jobs from the job-state index, through the dashboard app; "deep" is the page after ten pages, reached by cursor. A page is one range query per partition of the status (its ${STATE_SHARDS} sub-partitions and its own) plus one point read per job shown.`,
    '',
    ...table(['jobs indexed', 'first page p50', 'first page p99', 'deep page p50', 'storage requests per page', 'samples'], runs.map((run) => [
      run.jobs.toLocaleString('en-US'), `${fmt(quantile(run.first, 0.5))} ms`, `${fmt(quantile(run.first, 0.99))} ms`, `${fmt(median(run.deep))} ms`, fmt(run.requestsPerPage), String(run.first.length),
    ])),
  );
}
