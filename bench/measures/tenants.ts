/**
 * @module Tenants (issue 13): storage requests per job with a tenant limit off and on; fair sharing
 * (tenant A publishes a backlog at concurrency 2, then tenant B publishes 20: how long until all of B's
 * are done, on two processors); and what A's throttled backlog costs per second while it waits.
 */
import { silentLogger } from '../../src/core/logger.js';
import type { JobRequest } from '../../src/contracts/job-request.js';
import { Publisher } from '../../src/publisher/publisher.js';
import { AMQP_URL, note, sleep, Space, waitUntil } from '../lib/infra.js';
import { metricSum, spawnProcessor, storageRequests, subtractCounts, type Metrics, type ProcessorChild } from '../lib/processes.js';
import { table, type Report } from '../lib/report.js';
import { noopJob } from './throughput.js';

export interface TenantsRun {
  readonly requestsPerJob: { readonly off: number; readonly on: number; readonly onByOperation: Record<string, number> };
  readonly fairness: { readonly backlog: number; readonly bJobs: number; readonly bDoneMs: number; readonly aCompletedMeanwhile: number };
  readonly throttledCost: { readonly windowSeconds: number; readonly waiting: number; readonly deliveriesPerSecond: number; readonly storageRequestsPerSecond: number; readonly throttledEvents: number };
}

const TENANT_PROCESSORS = 2;

async function withSystem<T>(connectionString: string, prefix: string, run: (space: Space, publisher: Publisher, processors: ProcessorChild[]) => Promise<T>): Promise<T> {
  const space = new Space(connectionString, prefix);
  space.extraTables.push(space.names.tenantsTable);
  const publisher = new Publisher({ amqpUrl: AMQP_URL, storageConnectionString: connectionString, namespace: space.namespace, publisherId: 'bench-publisher', logger: silentLogger() });
  const processors: ProcessorChild[] = [];
  try {
    await publisher.start();
    await publisher.storage.tenants.setOverrides('limited', { concurrency: 100, rate: '500/s' }, 'bench');
    await publisher.storage.tenants.setOverrides('a', { concurrency: 2 }, 'bench');
    for (let i = 1; i <= TENANT_PROCESSORS; i++) processors.push(await spawnProcessor({ env: space.env({ BATON_CONCURRENCY: '4', BATON_LEASE_SECONDS: '15', BATON_RENEW_SECONDS: '5' }), label: `p${i}` }));
    return await run(space, publisher, processors);
  } finally {
    await Promise.all(processors.map((p) => p.stop()));
    await publisher.close().catch(() => undefined);
    await space.cleanup();
  }
}

const metricsOf = (processors: ProcessorChild[]) => Promise.all(processors.map((p) => p.metrics()));
const sumOf = (all: Metrics[], name: string, labels: Record<string, string> = {}) => all.reduce((sum, m) => sum + metricSum(m, name, labels), 0);

function requestDelta(before: Metrics[], after: Metrics[]): Map<string, number> {
  const total = new Map<string, number>();
  after.forEach((metrics, i) => {
    for (const [op, n] of subtractCounts(storageRequests(metrics), storageRequests(before[i]!))) total.set(op, (total.get(op) ?? 0) + n);
  });
  return total;
}

/** Processor storage requests per completed job, for jobs of a tenant. */
async function requestsPerJob(publisher: Publisher, processors: ProcessorChild[], tenantId: string | undefined, jobs: number): Promise<Map<string, number>> {
  const before = await metricsOf(processors);
  const target = sumOf(before, 'baton_deliveries_total', { outcome: 'completed' }) + jobs;
  await publishLoose(publisher, Array.from({ length: jobs }, () => noopJob(tenantId ? { tenantId } : {})));
  await waitUntil(async () => sumOf(await metricsOf(processors), 'baton_deliveries_total', { outcome: 'completed' }) >= target, `${jobs} jobs of ${tenantId ?? 'no tenant'}`, 120_000, 250);
  await sleep(6000); // one limits refresh and tenant report fall inside, as they would in a long run
  const perJob = new Map<string, number>();
  for (const [op, n] of requestDelta(before, await metricsOf(processors))) perJob.set(op, n / jobs);
  return perJob;
}

/**
 * Publishes with a small window; a Queued event the (busy, in-memory) Azurite did not record in time is
 * counted, not fatal: the figures here come from processor metrics and Completed events.
 */
let unaudited = 0;
async function publishLoose(publisher: Publisher, jobs: readonly JobRequest[], window = 32): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(window, jobs.length) }, async () => {
    while (next < jobs.length) if (!(await publisher.publish(jobs[next++]!)).audited) unaudited++;
  }));
}

const total = (counts: Map<string, number>) => [...counts.values()].reduce((a, b) => a + b, 0);

export async function runTenants(connectionString: string, options: { backlog: number; costWindowSeconds: number }): Promise<TenantsRun> {
  return withSystem(connectionString, 'ten', async (space, publisher, processors) => {
    note('  tenants: requests per job, no tenant limit, then a limit that never throttles (concurrency 100, 500/s)');
    await sleep(6000); // the processors' limits caches have read the table
    const off = await requestsPerJob(publisher, processors, undefined, 200);
    const on = await requestsPerJob(publisher, processors, 'limited', 200);

    note(`  tenants: fairness, A publishes ${options.backlog} jobs of 1 s at concurrency 2, then B publishes 20`);
    const oneSecond = (tenantId: string): JobRequest => noopJob({ tenantId, processingParameters: { steps: 1, stepMs: 1000 } });
    await publishLoose(publisher, Array.from({ length: options.backlog }, () => oneSecond('a')));
    const bJobs = Array.from({ length: 20 }, () => oneSecond('b'));
    // The 400 jobs of the first part are done; A's are the rest, until B's 20 join them.
    const aBefore = (await completedTotal(publisher)) - 400;
    const bPublishedAt = Date.now();
    await publishLoose(publisher, bJobs);
    await waitUntil(async () => {
      for (const job of bJobs) if (!(await publisher.storage.audit.history(job.jobId)).some((e) => e.status === 'Completed')) return false;
      return true;
    }, "all of B's jobs", 300_000, 500);
    const bDoneMs = Date.now() - bPublishedAt;
    const aCompletedMeanwhile = (await completedTotal(publisher)) - 420 - aBefore;

    if (unaudited > 0) note(`  (${unaudited} Queued events not recorded in time; the jobs were published)`);
    note(`  tenants: cost of A's throttled backlog over ${options.costWindowSeconds} s`);
    const before = await metricsOf(processors);
    const eventsBefore = await throttledEvents(publisher, space);
    await sleep(options.costWindowSeconds * 1000);
    const after = await metricsOf(processors);
    const deliveries = sumOf(after, 'baton_deliveries_total') - sumOf(before, 'baton_deliveries_total');
    const waiting = options.backlog - ((await completedTotal(publisher)) - 420);
    return {
      requestsPerJob: { off: total(off), on: total(on), onByOperation: Object.fromEntries(on) },
      fairness: { backlog: options.backlog, bJobs: bJobs.length, bDoneMs, aCompletedMeanwhile },
      throttledCost: {
        windowSeconds: options.costWindowSeconds, waiting,
        deliveriesPerSecond: deliveries / options.costWindowSeconds,
        storageRequestsPerSecond: total(requestDelta(before, after)) / options.costWindowSeconds,
        throttledEvents: (await throttledEvents(publisher, space)) - eventsBefore,
      },
    };
  });
}

/** Jobs completed in the namespace, from the audit table's state rows (which carry no tenant). */
async function completedTotal(publisher: Publisher): Promise<number> {
  let count = 0;
  const rows = publisher.storage.clients.table(publisher.names.auditTable).listEntities({ queryOptions: { filter: "RowKey eq 'state' and status eq 'Completed'", select: ['PartitionKey'] } });
  for await (const row of rows) if (row) count++;
  return count;
}

async function throttledEvents(publisher: Publisher, space: Space): Promise<number> {
  let count = 0;
  const rows = publisher.storage.clients.table(space.names.auditTable).listEntities({ queryOptions: { filter: "status eq 'Throttled'", select: ['PartitionKey'] } });
  for await (const row of rows) if (row) count++;
  return count;
}

export function reportTenants(report: Report, runs: TenantsRun[]): void {
  const section = report.section('Tenants: limits, fairness and the cost of a throttled backlog');
  section.lines.push(
    `Two processors at concurrency 4 (lease 15 s). Requests per job: 200 no-op jobs with no tenant, then 200 of a tenant limited to concurrency 100 and 500/s (limits that never throttle them), processor storage requests per job. Fairness: tenant A (concurrency 2) publishes ${runs[0]?.fairness.backlog ?? 0} jobs of 1 s, then tenant B (no limit) publishes 20; figure = B's publish → the last of B's Completed. Cost: over a window after that, while A's backlog waits, processor deliveries and storage requests per second.`,
    '',
    ...table(['run', 'requests/job off', 'on', 'B done in', 'A completed meanwhile', 'A waiting', 'deliveries/s', 'storage requests/s', 'Throttled events in window'], runs.map((r, i) => [
      String(i + 1), r.requestsPerJob.off.toFixed(2), r.requestsPerJob.on.toFixed(2), `${(r.fairness.bDoneMs / 1000).toFixed(1)} s`, String(r.fairness.aCompletedMeanwhile),
      String(r.throttledCost.waiting), r.throttledCost.deliveriesPerSecond.toFixed(1), r.throttledCost.storageRequestsPerSecond.toFixed(1), String(r.throttledCost.throttledEvents),
    ])),
    '',
    `With the limit on, by operation: ${Object.entries(runs[0]?.requestsPerJob.onByOperation ?? {}).map(([op, n]) => `${op} ${n.toFixed(2)}`).join(', ')}.`,
  );
  const worst = Math.max(...runs.map((r) => r.fairness.bDoneMs / 1000));
  report.headline({ measure: 'tenants: B\'s 20 jobs behind A\'s backlog', median: `${worst.toFixed(1)} s (worst)`, spread: '—', target: '≤ 60 s', met: worst <= 60 });
}
