/** A job longer than its lease: the lease is renewed the whole time, and the job completes with no LeaseLost. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TestSystem } from '../helpers/system.js';

const system = new TestSystem();

beforeAll(() => system.start());
afterAll(() => system.stop());

it('keeps the lease of a job that runs longer than the lease', async () => {
  await system.startProcessor({ BATON_LEASE_SECONDS: '15', BATON_RENEW_SECONDS: '3', BATON_CONCURRENCY: '3' });
  // 20 s of work under a 15 s lease, three jobs at once: several renewals each.
  const jobs = Array.from({ length: 3 }, (_, i) => system.job({ jobName: `long ${i}`, processingParameters: { steps: 4, stepMs: 5000 } }));
  await system.publish(jobs);
  await system.waitForAll(jobs.map((j) => j.jobId), 'Completed', 60_000);
  for (const job of jobs) {
    expect(await system.statuses(job.jobId)).toEqual(['Queued', 'Started', 'Step', 'Step', 'Step', 'Step', 'Completed']);
  }
});
