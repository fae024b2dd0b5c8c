/**
 * A processor frozen (SIGSTOP) past its lease while running a job: the broker notices the frozen
 * client (heartbeat), another processor takes the job over once the lease expires, and when the frozen
 * one wakes (SIGCONT) it records LeaseLost and writes nothing else: still exactly one Completed.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { AMQP_URL, attemptIntervals, TestSystem, waitFor } from '../helpers/system.js';

const system = new TestSystem();
const SETTINGS = { BATON_LEASE_SECONDS: '15', BATON_RENEW_SECONDS: '5', BATON_AMQP_URL: `${AMQP_URL}?heartbeat=3` };

beforeAll(() => system.start());
afterAll(() => system.stop());

it('fences a processor paused past its lease: exactly one Completed, and the resumed one records LeaseLost', async () => {
  const a = await system.startProcessor(SETTINGS);
  const job = system.job({ jobName: 'paused', processingParameters: { steps: 8, stepMs: 1000 } });
  await system.publish([job]);
  await waitFor(async () => (await system.history(job.jobId)).some((e) => e.status === 'Started' && e.processorId === a.processorId), 'A to start the job');
  const b = await system.startProcessor(SETTINGS);
  a.signal('SIGSTOP');
  await waitFor(async () => (await system.history(job.jobId)).some((e) => e.status === 'Started' && e.processorId === b.processorId), 'B to take the job over', 60_000, 250);
  a.signal('SIGCONT');
  await waitFor(async () => {
    const statuses = await system.statuses(job.jobId);
    return statuses.includes('Completed') && statuses.includes('LeaseLost');
  }, 'Completed by B and LeaseLost by A', 60_000, 250);

  const history = await system.history(job.jobId);
  const completed = history.filter((e) => e.status === 'Completed');
  expect(completed).toHaveLength(1);
  expect(completed[0]!.processorId).toBe(b.processorId);
  const lost = history.find((e) => e.status === 'LeaseLost')!;
  expect(lost.processorId).toBe(a.processorId);
  expect(lost.message).toMatch(/noticed at/);
  // Nothing of A's attempt is recorded after its lease's last valid instant, and the attempts never overlap.
  const aEvents = history.filter((e) => e.processorId === a.processorId && e.attempt === lost.attempt);
  expect(aEvents.every((e) => Date.parse(e.timestamp) <= Date.parse(lost.timestamp))).toBe(true);
  const [first, second] = attemptIntervals(history).sort((x, y) => x.start - y.start);
  expect(first!.endStatus).toBe('LeaseLost');
  expect(second!.start).toBeGreaterThanOrEqual(first!.end);
});
