/**
 * What someone else deletes (issue 9, defect 7): a delay queue, `<ns>.jobs`, the lock container. The
 * processor declares or creates it again, without a hot loop, or says on /health why it cannot serve.
 */
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { delayQueueNames } from '../../src/broker/delay-infrastructure.js';
import { freePort } from '../../src/dev/ports.js';
import { killAll, TestSystem, waitFor, type ProcessorProcess } from '../helpers/system.js';

const system = new TestSystem();
const running: ProcessorProcess[] = [];

async function processor(env: Record<string, string> = {}): Promise<ProcessorProcess> {
  const started = await system.startProcessor(env);
  running.push(started);
  return started;
}

beforeAll(() => system.start());
afterEach(async () => {
  await killAll(running);
});
afterAll(() => system.stop());

it('declares a deleted delay queue again instead of looping on it', async () => {
  await processor({ BATON_DEFER_SECONDS: '1', BATON_LEASE_SECONDS: '15', BATON_CONCURRENCY: '2' });
  /** A job holding the lock key for a while, and one deferred behind it until then. */
  const contend = async (round: number) => {
    const holder = system.job({ jobName: `holds the key ${round}`, lockKey: `deleted-delay-${round}`, processingParameters: { steps: 8, stepMs: 500 } });
    const waiter = system.job({ jobName: `waits for the key ${round}`, lockKey: `deleted-delay-${round}`, processingParameters: { steps: 1, stepMs: 10 } });
    await system.publish([holder]);
    await waitFor(async () => (await system.statuses(holder.jobId)).includes('Started'), 'the holder to start');
    await system.publish([waiter]);
    await system.waitForAll([holder.jobId, waiter.jobId], 'Completed', 60_000);
    return (await system.statuses(waiter.jobId)).filter((s) => s === 'Deferred').length;
  };
  expect(await contend(1)).toBeGreaterThan(0); // the processor has declared (and remembers) the delay queue
  // Deleted while empty (a queue deleted with messages in it loses them: that is the deleter's doing).
  for (const queue of delayQueueNames(system.names)) await system.channel.deleteQueue(queue);
  // About one Deferred per delay while the holder runs (≈ 4 s, delays of 0.5–1 s), not hundreds.
  expect(await contend(2)).toBeLessThan(30);
}, 120_000);

it('declares a deleted <ns>.jobs again and consumes from it', async () => {
  const metricsPort = await freePort();
  const p = await processor({ BATON_METRICS_PORT: String(metricsPort) });
  await system.channel.deleteQueue(system.names.jobsQueue);
  await waitFor(() => p.logged('declaring it again'), 'the processor to notice the deleted queue', 20_000);
  const job = system.job({ jobName: 'after the queue came back', processingParameters: { steps: 1, stepMs: 10 } });
  await system.publish([job]);
  await system.waitForAll([job.jobId], 'Completed', 30_000);
  const health = await fetch(`http://127.0.0.1:${metricsPort}/health`);
  expect(health.status).toBe(200);
});

it('creates a deleted lock container again, and /health says it is missing until then', async () => {
  const metricsPort = await freePort();
  await processor({ BATON_METRICS_PORT: String(metricsPort) });
  await system.storage.clients.blobService.getContainerClient(system.names.locksContainer).delete();
  const unhealthy = await fetch(`http://127.0.0.1:${metricsPort}/health`);
  expect(unhealthy.status).toBe(503);
  expect(JSON.stringify(await unhealthy.json())).toContain('is missing');
  const job = system.job({ jobName: 'after the container was deleted', processingParameters: { steps: 1, stepMs: 10 } });
  await system.publish([job]);
  await system.waitForAll([job.jobId], 'Completed', 30_000);
  expect((await fetch(`http://127.0.0.1:${metricsPort}/health`)).status).toBe(200);
});

it('does not hold a job back for ever when storage refuses its records: logged at error, dead-lettered after three refusals (defect 3)', async () => {
  const p = await processor({ BATON_DEFER_SECONDS: '1' });
  const audit = system.storage.clients.table(system.names.auditTable);
  await audit.deleteTable(); // every write of the job is now a 404: a refusal, not an outage
  try {
    const job = system.job({ jobName: 'refused by storage', processingParameters: { steps: 1, stepMs: 10 } });
    system.publishRaw(JSON.stringify(job));
    await waitFor(async () => (await system.messageCount(system.names.deadQueue)) === 1, 'the job in the dead-letter queue', 60_000);
    const [dead] = await system.deadLetters();
    expect(String(dead!.headers['x-baton-reason'])).toMatch(/storage refused this job's records 3 times \(status 404/);
    expect(JSON.parse(dead!.body.toString()).jobId).toBe(job.jobId);
    // Logged at error once per refusal, by whichever processor met it (a slow start may leave an earlier test's running).
    const errors = system.processors.flatMap((each) => each.lines).filter((line) => line.includes('"level":"error"') && line.includes('storage refused a write'));
    expect(errors).toHaveLength(3);
    expect(p.lines.some((line) => line.includes('storage refused a write'))).toBe(true);
  } finally {
    await waitFor(async () => audit.createTable().then(() => true, () => false), 'the audit table to be created again', 30_000, 1000);
  }
});
