/**
 * @module Measure 4: dispatch latency on an idle system — one processor, jobs published one at a time,
 * each after the previous one completed. Latency = the Started event's timestamp minus the Queued
 * event's, which the publisher stamps the moment the broker's confirm arrives (synchronously after it).
 */
import { odata, TableClient } from '@azure/data-tables';
import { silentLogger } from '../../src/core/logger.js';
import { Publisher } from '../../src/publisher/publisher.js';
import { AMQP_URL, sleep, Space, waitUntil } from '../lib/infra.js';
import { metricSum, spawnProcessor, type ProcessorChild } from '../lib/processes.js';
import { noopJob } from './throughput.js';

/** Latencies in ms, one per job. */
export async function runDispatch(connectionString: string, samples: number): Promise<number[]> {
  const space = new Space(connectionString, 'disp');
  const publisher = new Publisher({ amqpUrl: AMQP_URL, storageConnectionString: connectionString, namespace: space.namespace, publisherId: 'bench-publisher', logger: silentLogger() });
  let processor: ProcessorChild | undefined;
  try {
    await publisher.start();
    processor = await spawnProcessor({ env: space.env({ BATON_CONCURRENCY: '1' }), label: 'p1' });
    const p = processor;
    const completed = async () => metricSum(await p.metrics(), 'baton_deliveries_total', { outcome: 'completed' });
    // Two warm-up jobs: first connections and first code paths are not what this measures.
    const warmup = 2;
    for (let i = 1; i <= samples + warmup; i++) {
      await publisher.publish(noopJob({ processingParameters: { steps: 0, stepMs: 0 } }));
      await sleep(60);
      await waitUntil(async () => (await completed()) >= i, `job ${i} to complete`, 30_000, 25);
      await sleep(20); // let the index flush and the processor go idle
    }
    const audit = TableClient.fromConnectionString(connectionString, space.names.auditTable, { allowInsecureConnection: true });
    const queued = new Map<string, number>();
    const started = new Map<string, number>();
    const filter = odata`status eq ${'Queued'} or status eq ${'Started'}`;
    for await (const row of audit.listEntities<{ jobId: string; status: string; at: string }>({ queryOptions: { filter, select: ['jobId', 'status', 'at'] } })) {
      (row.status === 'Queued' ? queued : started).set(row.jobId, Date.parse(row.at));
    }
    const latencies = [...queued]
      .sort(([, a], [, b]) => a - b)
      .slice(warmup)
      .map(([jobId, at]) => (started.get(jobId) ?? Number.NaN) - at);
    return latencies;
  } finally {
    await processor?.stop();
    await publisher.close().catch(() => undefined);
    await space.cleanup();
  }
}
