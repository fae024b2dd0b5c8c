/**
 * @module Measure 5: failover. Two processors (lease 15 s, renew 5 s, other settings default); one long
 * job; SIGKILL the processor running it `killAfterMs` after its Started; the figure is the time from the
 * kill to the Started of the next attempt, recorded by the other processor.
 */
import { silentLogger } from '../../src/core/logger.js';
import { Publisher } from '../../src/publisher/publisher.js';
import { AMQP_URL, sleep, Space, waitUntil } from '../lib/infra.js';
import { spawnProcessor, type ProcessorChild } from '../lib/processes.js';
import { noopJob } from './throughput.js';

export interface FailoverRun {
  /** Kill → Started of attempt 2, ms. */
  readonly failoverMs: number;
  readonly killAfterMs: number;
  readonly deferrals: number;
}

export async function runFailover(connectionString: string, killAfterMs: number): Promise<FailoverRun> {
  const space = new Space(connectionString, 'fail');
  const publisher = new Publisher({ amqpUrl: AMQP_URL, storageConnectionString: connectionString, namespace: space.namespace, publisherId: 'bench-publisher', logger: silentLogger() });
  const processors: ProcessorChild[] = [];
  try {
    await publisher.start();
    const env = space.env({ BATON_LEASE_SECONDS: '15', BATON_RENEW_SECONDS: '5', BATON_SHUTDOWN_GRACE_SECONDS: '0' });
    for (const label of ['p1', 'p2']) processors.push(await spawnProcessor({ env, label }));
    const job = noopJob({ processingParameters: { steps: 200, stepMs: 1000 } });
    await publisher.publish(job);
    const first = await waitUntil(async () => (await publisher.storage.audit.history(job.jobId)).find((e) => e.status === 'Started'), 'the first Started', 30_000, 50);
    const victim = processors.find((p) => p.label === first.processorId);
    if (!victim) throw new Error(`no processor named ${first.processorId}`);
    await sleep(Math.max(0, Date.parse(first.timestamp) + killAfterMs - Date.now()));
    victim.signal('SIGKILL');
    const killedAt = Date.now();
    await victim.exited;
    const second = await waitUntil(
      async () => (await publisher.storage.audit.history(job.jobId)).find((e) => e.status === 'Started' && e.attempt >= 2),
      'the next attempt to start', 90_000, 100,
    );
    if (second.processorId === victim.label) throw new Error('the killed processor started the job again?');
    const deferrals = (await publisher.storage.audit.history(job.jobId)).filter((e) => e.status === 'Deferred').length;
    return { failoverMs: Date.parse(second.timestamp) - killedAt, killAfterMs, deferrals };
  } finally {
    await Promise.all(processors.map((p) => p.kill()));
    await publisher.close().catch(() => undefined);
    await space.cleanup();
  }
}
