/**
 * A mixed fleet (issue 10, item 4): a processor that lacks a job's handler does not reject the job; it
 * waits, visibly, until a processor that has the handler runs it. Rejected events carry the jobName.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TestSystem, waitFor } from '../helpers/system.js';

const handlers = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/handlers.mjs');
const system = new TestSystem();

beforeAll(() => system.start());
afterAll(() => system.stop());

it('leaves a job whose handler a processor lacks to one that has it, waiting visibly meanwhile', async () => {
  const plain = await system.startProcessor(); // knows only `steps`
  const job = system.job({ jobName: 'needs echo', type: 'echo', processingParameters: { text: 'hi' } });
  await system.publish([job]);
  await waitFor(async () => (await system.history(job.jobId)).some((e) => e.status === 'Deferred' && e.message.includes('no handler for job type "echo"')), 'the job to wait visibly');
  // Still waiting after several tries, and never dead-lettered.
  await new Promise((resolve) => setTimeout(resolve, 3000));
  expect(await system.statuses(job.jobId)).not.toContain('Rejected');
  expect(await system.messageCount(system.names.deadQueue)).toBe(0);
  const withEcho = await system.startProcessor({ BATON_HANDLERS: handlers });
  await system.waitForAll([job.jobId], 'Completed', 60_000);
  const history = await system.history(job.jobId);
  expect(history.find((e) => e.status === 'Completed')?.processorId).toBe(withEcho.processorId);
  expect(history.filter((e) => e.status === 'Started').every((e) => e.processorId !== plain.processorId)).toBe(true);
});

it('records the jobName with Rejected when the message has one', async () => {
  system.publishRaw(JSON.stringify({ jobId: 'named-but-invalid', jobName: 'a named job', maxAttempts: 'three' }));
  await waitFor(async () => (await system.statuses('named-but-invalid')).includes('Rejected'), 'Rejected');
  const rejected = (await system.history('named-but-invalid')).find((e) => e.status === 'Rejected');
  expect(rejected?.jobName).toBe('a named job');
});
