/**
 * Partitions on the real broker and Azurite: a processor serving `eu` never runs a `us` job; a job sent
 * to `<ns>.jobs` with a partition is moved to its queue unrun; a processor serving all partitions picks
 * up a partition created after it started; a job of a partition nobody serves waits in its queue.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TestSystem, waitFor, type ProcessorProcess } from '../helpers/system.js';

const system = new TestSystem();
let eu: ProcessorProcess;

beforeAll(async () => {
  await system.start();
  eu = await system.startProcessor({ BATON_PARTITIONS: 'eu', BATON_CONCURRENCY: '2' });
}, 60_000);
afterAll(() => system.stop());

const quick = { steps: 1, stepMs: 10 };

it('runs eu jobs on the eu processor only, and leaves an unserved partition\'s job waiting in its queue', async () => {
  const euJobs = Array.from({ length: 3 }, () => system.job({ partition: 'eu', processingParameters: quick }));
  const usJob = system.job({ partition: 'us', processingParameters: quick });
  await system.publish([...euJobs, usJob]);
  await system.waitForAll(euJobs.map((j) => j.jobId), 'Completed', 60_000);
  for (const job of euJobs) expect((await system.history(job.jobId)).find((e) => e.status === 'Started')?.processorId).toBe(eu.processorId);
  // Nobody serves us: the job waits, not run, not dead-lettered, in its partition's queue.
  await new Promise((resolve) => setTimeout(resolve, 2000));
  expect(await system.statuses(usJob.jobId)).toEqual(['Queued']);
  expect(await system.messageCount(system.names.partitionQueue('us'))).toBe(1);
  expect(await system.storage.tenants.listPartitions()).toEqual(['eu', 'us']);
}, 90_000);

it('moves a job sent to <ns>.jobs with a partition to its partition queue, unrun, where its processor runs it', async () => {
  await system.startProcessor({ BATON_PARTITIONS: 'default' });
  const job = system.job({ partition: 'eu', processingParameters: quick });
  system.publishRaw(JSON.stringify(job));
  await system.waitForAll([job.jobId], 'Completed', 60_000);
  const started = (await system.history(job.jobId)).filter((e) => e.status === 'Started');
  // Only the default processor consumes <ns>.jobs: the eu processor can have it only because it was moved, unrun.
  expect(started.map((e) => e.processorId)).toEqual([eu.processorId]);
}, 90_000);

it('picks up a partition created after an all-partitions processor started, within 30 s', async () => {
  const all = await system.startProcessor({});
  const late = system.job({ partition: 'apac', processingParameters: quick });
  const sentAt = Date.now();
  await system.publish([late]);
  await system.waitForAll([late.jobId], 'Completed', 45_000);
  const started = (await system.history(late.jobId)).find((e) => e.status === 'Started')!;
  expect(started.processorId).toBe(all.processorId);
  expect(Date.parse(started.timestamp) - sentAt).toBeLessThan(30_000);
  // And the us job that waited since the first test is now run by it too.
  const usQueue = system.names.partitionQueue('us');
  await waitFor(async () => (await system.messageCount(usQueue)) === 0, 'the us queue to drain', 30_000);
}, 90_000);
