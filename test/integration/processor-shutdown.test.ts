/** SIGTERM with a running job: Interrupted, lease released, and another processor starts it at once. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TestSystem, waitFor } from '../helpers/system.js';

const system = new TestSystem();

beforeAll(() => system.start());
afterAll(() => system.stop());

it('interrupts a running job on SIGTERM and hands it over without waiting for the lease', async () => {
  const a = await system.startProcessor({ BATON_SHUTDOWN_GRACE_SECONDS: '1', BATON_LEASE_SECONDS: '60' });
  const job = system.job({ jobName: 'handed over', processingParameters: { steps: 10, stepMs: 400 } });
  await system.publish([job]);
  await waitFor(async () => (await system.history(job.jobId)).some((e) => e.status === 'Started'), 'A to start the job');
  const b = await system.startProcessor({ BATON_LEASE_SECONDS: '60' });
  a.signal('SIGTERM');
  expect(await a.exited).toEqual({ code: 0, signal: null });
  await system.waitForAll([job.jobId], 'Completed', 60_000);

  const history = await system.history(job.jobId);
  const interrupted = history.find((e) => e.status === 'Interrupted')!;
  expect(interrupted.processorId).toBe(a.processorId);
  const restarted = history.find((e) => e.status === 'Started' && e.processorId === b.processorId)!;
  // Well before the 60 s lease would have expired: the lease was released, not left to run out.
  expect(Date.parse(restarted.timestamp) - Date.parse(interrupted.timestamp)).toBeLessThan(5_000);
  expect(history.filter((e) => e.status === 'Completed')).toHaveLength(1);
  expect(history.some((e) => e.status === 'Deferred')).toBe(false);
});
