/** Attempt time limits on the real RabbitMQ and Azurite: TimedOut as a failure, and a handler that ignores its signal. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestSystem, waitFor } from '../helpers/system.js';

const HANDLERS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/timeout-handlers.mjs');
const system = new TestSystem();
const stuckSystem = new TestSystem();

beforeAll(async () => {
  await system.start();
  await stuckSystem.start();
  await system.startProcessor({ BATON_HANDLERS: HANDLERS, BATON_CONCURRENCY: '4', BATON_JOB_TIMEOUT_SECONDS: '2' });
});

afterAll(async () => {
  await system.stop();
  await stuckSystem.stop();
});

describe('timeouts', () => {
  it('stops an attempt past its timeoutSeconds with TimedOut, retries it with backoff, and dead-letters it after maxAttempts', async () => {
    const job = system.job({ jobName: 'too slow', type: 'sleepy', timeoutSeconds: 1, maxAttempts: 2 });
    await system.publish([job]);
    await system.waitForAll([job.jobId], 'DeadLettered', 60_000);
    const history = await system.history(job.jobId);
    expect(history.map((e) => e.status)).toEqual(['Queued', 'Started', 'TimedOut', 'Retrying', 'Started', 'TimedOut', 'DeadLettered']);
    const started = Date.parse(history[1]!.timestamp);
    const timedOut = Date.parse(history[2]!.timestamp);
    expect(timedOut - started).toBeGreaterThanOrEqual(1_000);
    expect(history[2]!.message).toContain('timed out after 1 s');
  });

  it('takes the limit from the handler registration, else from BATON_JOB_TIMEOUT_SECONDS', async () => {
    const byHandler = system.job({ jobName: 'handler default', type: 'limited-sleepy', maxAttempts: 1 });
    const byProcessor = system.job({ jobName: 'processor default', type: 'sleepy', maxAttempts: 1 });
    await system.publish([byHandler, byProcessor]);
    await system.waitForAll([byHandler.jobId, byProcessor.jobId], 'DeadLettered', 60_000);
    expect((await system.history(byHandler.jobId)).find((e) => e.status === 'TimedOut')!.message).toContain('after 1 s');
    expect((await system.history(byProcessor.jobId)).find((e) => e.status === 'TimedOut')!.message).toContain('after 2 s');
  });

  it('records TimedOut for a handler that ignores its signal, then the processor exits (code 70) so its supervisor restarts it', async () => {
    const processor = await stuckSystem.startProcessor({ BATON_HANDLERS: HANDLERS, BATON_SHUTDOWN_GRACE_SECONDS: '2' });
    const job = stuckSystem.job({ jobName: 'stubborn', type: 'stubborn', timeoutSeconds: 1, maxAttempts: 2 });
    await stuckSystem.publish([job]);
    const exit = await processor.exited;
    expect(exit.code).toBe(70);
    const history = await stuckSystem.history(job.jobId);
    const timedOut = history.find((e) => e.status === 'TimedOut')!;
    expect(timedOut.message).toContain('ignored its signal');
    expect(history.map((e) => e.status)).toContain('Retrying');
    // A new processor takes the retry only once the stuck one's lease has expired: no overlap.
    const next = await stuckSystem.startProcessor({ BATON_HANDLERS: HANDLERS, BATON_LEASE_SECONDS: '15' });
    await waitFor(async () => (await stuckSystem.statuses(job.jobId)).filter((s) => s === 'Started').length === 2, 'the retry to start elsewhere', 60_000, 250);
    const second = (await stuckSystem.history(job.jobId)).filter((e) => e.status === 'Started')[1]!;
    expect(Date.parse(second.timestamp)).toBeGreaterThan(Date.parse(timedOut.timestamp));
    next.signal('SIGKILL');
  }, 120_000);
});
