/**
 * @module Measure 7: one processor holding `jobs` long-running jobs at once (concurrency = jobs, lease
 * 15 s, renew 5 s). Over a steady window: resident memory, live timers by creator (from the probe
 * preloaded into the processor), and lease renewals per second by outcome against jobs / renew period.
 */
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import { odata, TableClient } from '@azure/data-tables';
import { silentLogger } from '../../src/core/logger.js';
import { Publisher } from '../../src/publisher/publisher.js';
import { AMQP_URL, sleep, Space, waitUntil } from '../lib/infra.js';
import { BENCH_DIR, metricSum, spawnProcessor, type Metrics, type ProcessorChild } from '../lib/processes.js';
import type { ProbeSnapshot } from '../probe.js';
import { noopJob, publishAll } from './throughput.js';

export interface ScaleRun {
  readonly jobs: number;
  readonly rssMb: number;
  readonly heapMb: number;
  readonly rssAfterGcMb: number;
  readonly heapLiveMb: number;
  readonly idleRssMb: number;
  /** Live timers created by the lease manager (renewal). */
  readonly renewalTimers: number;
  /** Every live ref'd timer in the process, and the largest groups by creator. */
  readonly activeTimeouts: number;
  readonly timersBySite: Record<string, number>;
  readonly windowSeconds: number;
  readonly renewedPerSecond: number;
  readonly expectedPerSecond: number;
  readonly unknown: number;
  readonly lost: number;
  readonly leaseLostEvents: number;
}

function snapshot(processor: ProcessorChild, gc = false): Promise<ProbeSnapshot> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('probe did not answer')), 10_000);
    processor.child.once('message', (message) => {
      clearTimeout(timer);
      resolve(message as ProbeSnapshot);
    });
    processor.child.send(gc ? 'snapshot+gc' : 'snapshot');
  });
}

const renewals = (m: Metrics, outcome: string) => metricSum(m, 'baton_lease_renewals_total', { outcome });

export async function runScale(connectionString: string, jobCount: number, windowSeconds: number): Promise<ScaleRun> {
  const space = new Space(connectionString, 'scale');
  const publisher = new Publisher({ amqpUrl: AMQP_URL, storageConnectionString: connectionString, namespace: space.namespace, publisherId: 'bench-publisher', logger: silentLogger() });
  let processor: ProcessorChild | undefined;
  const leaseSeconds = 15;
  const renewSeconds = 5;
  try {
    await publisher.start();
    processor = await spawnProcessor({
      env: space.env({ BATON_CONCURRENCY: String(jobCount), BATON_LEASE_SECONDS: String(leaseSeconds), BATON_RENEW_SECONDS: String(renewSeconds) }),
      label: 'p1',
      nodeArgs: ['--expose-gc', '--import', pathToFileURL(path.join(BENCH_DIR, 'probe.js')).href],
      ipc: true,
    });
    const p = processor;
    await sleep(500);
    const idle = await snapshot(p);
    // Long enough to outlive the window; they are never meant to finish.
    await publishAll(publisher, Array.from({ length: jobCount }, () => noopJob({ processingParameters: { steps: 1, stepMs: 3_600_000 } })));
    // baton_leases_held is only updated when a delivery starts or ends, so count the Started state rows instead.
    const audit = TableClient.fromConnectionString(connectionString, space.names.auditTable, { allowInsecureConnection: true });
    const started = async () => {
      let count = 0;
      for await (const _row of audit.listEntities({ queryOptions: { filter: odata`RowKey eq ${'state'} and status eq ${'Started'}`, select: ['status'] } })) count++;
      return count;
    };
    await waitUntil(async () => (await started()) >= jobCount, `${jobCount} jobs started`, 90_000, 500);
    // Past the first renewal of every lease, so the window sees the steady state.
    await sleep((renewSeconds + 2) * 1000);
    const before = await p.metrics();
    const startedAt = performance.now();
    const probes: ProbeSnapshot[] = [];
    const steps = 3;
    for (let i = 0; i < steps; i++) {
      await sleep((windowSeconds * 1000) / steps);
      probes.push(await snapshot(p, i === steps - 1));
    }
    const after = await p.metrics();
    const seconds = (performance.now() - startedAt) / 1000;
    const last = probes[probes.length - 1]!;
    const leaseManagerTimers = Math.max(...probes.map((s) => Object.entries(s.timersBySite).filter(([site]) => site.startsWith('lease-manager.js')).reduce((sum, [, n]) => sum + n, 0)));
    return {
      jobs: jobCount,
      // Before the last probe's forced GC: resident memory as the processor left it.
      rssMb: Math.max(...probes.map((s) => s.rss)) / 2 ** 20,
      heapMb: Math.max(...probes.map((s) => s.heapUsed)) / 2 ** 20,
      rssAfterGcMb: last.rssAfterGc / 2 ** 20,
      heapLiveMb: last.heapLiveAfterGc / 2 ** 20,
      idleRssMb: idle.rss / 2 ** 20,
      renewalTimers: leaseManagerTimers,
      activeTimeouts: last.activeTimeouts,
      timersBySite: last.timersBySite,
      windowSeconds: seconds,
      renewedPerSecond: (renewals(after, 'Renewed') - renewals(before, 'Renewed')) / seconds,
      expectedPerSecond: jobCount / renewSeconds,
      unknown: renewals(after, 'Unknown'),
      lost: renewals(after, 'Lost'),
      leaseLostEvents: metricSum(after, 'baton_deliveries_total', { outcome: 'lease-lost' }),
    };
  } finally {
    await processor?.kill();
    await publisher.close().catch(() => undefined);
    await space.cleanup();
  }
}
