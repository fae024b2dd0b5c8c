/**
 * A dead letter must not vanish when the broker refuses it. The dead-letter queue is made to refuse publishes
 * for a few seconds (a `max-length 0, overflow reject-publish` policy: "the DLQ is full", a common operator
 * setting), while a job built to fail uses up its attempts. The audit records DeadLettered ("it is in
 * <ns>.jobs.dead"); once the queue accepts messages again, the job's message must be there.
 *
 * Seen first in chaos-broker.test.ts as "a job built to fail missing from the dead-letter queue" when the broker
 * closed a processor's connection between the DeadLettered write and the dead-letter publish.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { rabbitmqctl } from '../chaos/broker-faults.js';
import { ChaosCluster } from '../chaos/cluster.js';
import { waitUntil, sleep } from '../chaos/processes.js';
import { validateJobRequest } from '../../src/contracts/job-request.js';

const cluster = new ChaosCluster({ namespacePrefix: 'cd', processorEnv: { BATON_LEASE_SECONDS: '15' } });
const policy = `baton-test-${cluster.namespace}-dlq-full`;

beforeAll(async () => {
  await cluster.start();
  await cluster.startProcessor();
});

afterAll(async () => {
  await rabbitmqctl(['clear_policy', policy]).catch(() => undefined);
  await cluster.dispose();
});

it('keeps a dead-lettered job\'s message until the dead-letter queue takes it', async () => {
  const pattern = `^${cluster.names.deadQueue.replace(/\./g, '\\.')}$`;
  await rabbitmqctl(['set_policy', policy, pattern, '{"max-length":0,"overflow":"reject-publish"}', '--apply-to', 'queues']);
  const parsed = validateJobRequest({ jobId: `${cluster.namespace}-doomed`, jobName: 'doomed while the DLQ is full', maxAttempts: 1, processingParameters: { steps: 1, stepMs: 10, failTimes: 5 } });
  if (!parsed.ok) throw new Error(parsed.reason);
  await cluster.publisher.publish(parsed.job);
  await waitUntil(async () => (await cluster.history(parsed.job.jobId)).some((e) => e.status === 'DeadLettered'), 'DeadLettered in the audit', 30_000);
  await sleep(3000);
  await rabbitmqctl(['clear_policy', policy]);
  // The message may come round again (a delay, a redelivery) before it lands: give it time.
  const dead = await waitUntil(async () => {
    const found = await cluster.drainDead();
    return found.length > 0 ? found : undefined;
  }, 'the job in the dead-letter queue', 20_000, 1000).catch(() => []);
  const depths = await cluster.queueDepths();
  const statuses = (await cluster.history(parsed.job.jobId)).map((e) => e.status).join(' ');
  // Today: "Queued Started Failed DeadLettered Duplicate", and the message is in no queue at all — the dead-letter
  // publish was refused, the message went back to <ns>.jobs, and its redelivery was acknowledged as a Duplicate.
  expect(dead.length, `in the dead-letter queue: ${dead.length}; in ${cluster.names.jobsQueue}: ${depths.jobs}; history: ${statuses}`).toBe(1);
}, 90_000);
