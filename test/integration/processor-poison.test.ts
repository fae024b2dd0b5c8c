/** A job that kills every processor that runs it is dead-lettered after maxAttempts, not redelivered forever. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TestSystem } from '../helpers/system.js';

const handlers = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/handlers.mjs');
const system = new TestSystem();

beforeAll(() => system.start());
afterAll(() => system.stop());

it('counts attempts that ended without a record as failures and dead-letters the job', async () => {
  const job = system.job({ jobName: 'poison', type: 'crash', maxAttempts: 2 });
  await system.publish([job]);
  // Each crash leaves its lease to run out (15 s) before the next processor may take the job.
  const env = { BATON_HANDLERS: handlers, BATON_LEASE_SECONDS: '15' };
  for (let i = 0; i < 2; i++) {
    const processor = await system.startProcessor(env);
    expect((await processor.exited).code).toBe(70);
  }
  await system.startProcessor(env);
  await system.waitForAll([job.jobId], 'DeadLettered', 40_000);
  const history = await system.history(job.jobId);
  // Deferred events come between the attempts while each dead processor's lease runs out.
  const attempts = history.filter((e) => e.status !== 'Deferred');
  expect(attempts.map((e) => e.status)).toEqual(['Queued', 'Started', 'Started', 'Started', 'Failed', 'DeadLettered']);
  expect(attempts[2]!.message).toMatch(/attempt 1 ended without a record/);
  expect(attempts[4]!.message).toMatch(/not run: 2 earlier attempts/);
  expect(await system.messageCount(system.names.deadQueue)).toBe(1);
});
