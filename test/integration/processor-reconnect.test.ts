/** The broker drops the processor's connection: it reconnects with backoff and carries on; nothing is lost. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { closeBrokerConnections, TestSystem, waitFor } from '../helpers/system.js';

const system = new TestSystem();

beforeAll(() => system.start());
afterAll(() => system.stop());

it('reconnects after the broker closes its connection, and finishes every job exactly once', async () => {
  const processor = await system.startProcessor({ BATON_CONCURRENCY: '4', BATON_LEASE_SECONDS: '15' });
  const jobs = Array.from({ length: 8 }, (_, i) => system.job({ jobName: `through a drop ${i}`, processingParameters: { steps: 3, stepMs: 300 } }));
  await system.publish(jobs);
  await waitFor(async () => (await system.statuses(jobs[0]!.jobId)).includes('Started'), 'the first job to start');
  expect(await closeBrokerConnections(`baton processor ${processor.processorId} `)).toBe(1);
  await waitFor(() => processor.logged('connected to RabbitMQ'), 'the processor to reconnect', 20_000);
  await system.waitForAll(jobs.map((j) => j.jobId), 'Completed', 60_000);
  for (const job of jobs) {
    expect((await system.statuses(job.jobId)).filter((s) => s === 'Completed')).toHaveLength(1);
  }
  await waitFor(async () => (await system.messageCount(system.names.jobsQueue)) === 0, 'the queue to drain', 30_000);
});
