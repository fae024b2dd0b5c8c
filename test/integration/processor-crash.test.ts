/** A processor SIGKILLed mid-job: another processor finishes the job once the lease runs out. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TestSystem, waitFor } from '../helpers/system.js';

const system = new TestSystem();
const FAST_LEASE = { BATON_LEASE_SECONDS: '15', BATON_RENEW_SECONDS: '5' };

beforeAll(() => system.start());
afterAll(() => system.stop());

it('finishes a job on another processor after SIGKILL, with exactly one Completed', async () => {
  const a = await system.startProcessor(FAST_LEASE);
  const job = system.job({ jobName: 'crash victim', processingParameters: { steps: 6, stepMs: 1000 } });
  await system.publish([job]);
  await waitFor(async () => (await system.history(job.jobId)).some((e) => e.status === 'Started' && e.processorId === a.processorId), 'A to start the job');
  const b = await system.startProcessor(FAST_LEASE);
  a.signal('SIGKILL');
  const killedAt = Date.now();
  await system.waitForAll([job.jobId], 'Completed', 60_000);
  const history = await system.history(job.jobId);
  const completed = history.filter((e) => e.status === 'Completed');
  expect(completed).toHaveLength(1);
  expect(completed[0]!.processorId).toBe(b.processorId);
  const takeover = history.find((e) => e.status === 'Started' && e.processorId === b.processorId)!;
  // The lease (15 s) bounds the wait; deferrals come back every few seconds, so takeover follows soon after.
  expect(Date.parse(takeover.timestamp) - killedAt).toBeLessThan(15_000 + 5_000);
  expect(await system.messageCount(system.names.jobsQueue)).toBe(0);
});
