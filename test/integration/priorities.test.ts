/** Job priorities on the real RabbitMQ, and the upgrade path of a `<ns>.jobs` declared without them. */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import amqp from 'amqplib';
import { afterAll, describe, expect, it } from 'vitest';
import { LEGACY_QUEUE_WARNING, probeJobsQueue } from '../../src/broker/jobs-queue.js';
import { AMQP_URL, TestSystem, waitFor } from '../helpers/system.js';

const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/cli.js');
const systems: TestSystem[] = [];

afterAll(async () => {
  for (const system of systems) await system.stop();
});

async function startedOrder(system: TestSystem, jobIds: string[]): Promise<string[]> {
  const started = await Promise.all(
    jobIds.map(async (jobId) => ({ jobId, at: (await system.history(jobId)).find((e) => e.status === 'Started')!.timestamp })),
  );
  return started.sort((a, b) => a.at.localeCompare(b.at)).map((s) => s.jobId);
}

/** A system whose `<ns>.jobs` was declared the first edition's way, with no arguments. */
async function legacySystem(): Promise<TestSystem> {
  const system = new TestSystem();
  systems.push(system);
  const connection = await amqp.connect(AMQP_URL);
  const channel = await connection.createChannel();
  await channel.assertQueue(system.names.jobsQueue, { durable: true });
  await connection.close();
  return system.start();
}

async function queueMode(system: TestSystem): Promise<string> {
  const connection = await amqp.connect(AMQP_URL);
  try {
    return await probeJobsQueue(connection, system.names);
  } finally {
    await connection.close();
  }
}

describe('priorities', () => {
  it('runs higher priorities first among waiting jobs: they overtake a backlog; above 9 counts as 9', async () => {
    const system = new TestSystem();
    systems.push(system);
    await system.start();
    const quick = { processingParameters: { steps: 1, stepMs: 20 } };
    const low = Array.from({ length: 12 }, (_, i) => system.job({ jobName: `low ${i}`, ...quick }));
    const mid = Array.from({ length: 3 }, (_, i) => system.job({ jobName: `mid ${i}`, priority: 5, ...quick }));
    const high = [...Array.from({ length: 4 }, (_, i) => system.job({ jobName: `high ${i}`, priority: 9, ...quick })), system.job({ jobName: 'very high', priority: 200, ...quick })];
    // The backlog first, then the urgent jobs; nobody consumes yet.
    for (const job of low) await system.publisher.publish(job);
    for (const job of [...mid, ...high]) await system.publisher.publish(job);
    await system.startProcessor({ BATON_CONCURRENCY: '1' });
    const all = [...low, ...mid, ...high].map((j) => j.jobId);
    await system.waitForAll(all, 'Completed', 90_000);
    const order = await startedOrder(system, all);
    expect(new Set(order.slice(0, high.length))).toEqual(new Set(high.map((j) => j.jobId)));
    expect(new Set(order.slice(high.length, high.length + mid.length))).toEqual(new Set(mid.map((j) => j.jobId)));
  });
});

describe('a jobs queue declared without priorities (upgrade path)', () => {
  it('keeps working on the old queue with a warning, and `baton queues upgrade` re-declares it with its messages kept', async () => {
    const system = await legacySystem();
    expect(await queueMode(system)).toBe('legacy');
    // The publisher does not fail on the old queue; jobs wait there.
    const waiting = Array.from({ length: 4 }, (_, i) => system.job({ jobName: `waiting ${i}`, processingParameters: { steps: 1, stepMs: 10 } }));
    await system.publish(waiting);
    const { stdout } = await promisify(execFile)(process.execPath, [CLI, 'queues', 'upgrade'], { env: { ...process.env, BATON_NAMESPACE: system.namespace } });
    expect(stdout).toContain('4 waiting message(s) kept');
    expect(await queueMode(system)).toBe('priority');
    expect(await system.messageCount(system.names.jobsQueue)).toBe(4);
    const processor = await system.startProcessor();
    await system.waitForAll(waiting.map((j) => j.jobId), 'Completed');
    expect(processor.logged(LEGACY_QUEUE_WARNING)).toBe(false);
    // Again: nothing to do.
    const again = await promisify(execFile)(process.execPath, [CLI, 'queues', 'upgrade'], { env: { ...process.env, BATON_NAMESPACE: system.namespace } });
    expect(again.stdout).toContain('already has priorities');
  });

  it('lets a running processor serve the old queue, then follow the upgrade by reconnecting', async () => {
    const system = await legacySystem();
    const processor = await system.startProcessor();
    expect(processor.logged(LEGACY_QUEUE_WARNING)).toBe(true);
    const before = system.job({ jobName: 'on the old queue', processingParameters: { steps: 1, stepMs: 10 } });
    await system.publish([before]);
    await system.waitForAll([before.jobId], 'Completed');
    await promisify(execFile)(process.execPath, [CLI, 'queues', 'upgrade'], { env: { ...process.env, BATON_NAMESPACE: system.namespace } });
    await waitFor(() => processor.logged('the broker cancelled the consumer'), 'the processor to notice the upgrade', 20_000);
    const after = system.job({ jobName: 'on the new queue', processingParameters: { steps: 1, stepMs: 10 } });
    await waitFor(() => system.publish([after]).then(() => true, () => false), 'publishing to the new queue', 20_000, 500);
    await system.waitForAll([after.jobId], 'Completed');
    expect(processor.child.exitCode).toBeNull();
    expect(await queueMode(system)).toBe('priority');
  });
});
