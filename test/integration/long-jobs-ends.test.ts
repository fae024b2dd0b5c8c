/**
 * How a handed-off attempt ends (issue 12): its delivery was acknowledged while it ran, so its end moves
 * the message by publishing — a retry round the backoff, a copy to the dead-letter queue, a copy back to
 * the queue after Interrupted — and its recovery copy, coming back, is dropped unrecorded.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { AuditEvent } from '../../src/contracts/audit-event.js';
import { TestSystem, waitFor } from '../helpers/system.js';

const HANDLERS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/long-job-handlers.mjs');
/** Handed off 1 s after arrival; recovery copies every 15 s. */
const ENV = { BATON_HANDLERS: HANDLERS, BATON_HANDOFF_AFTER_SECONDS: '1', BATON_LEASE_SECONDS: '15', BATON_CONCURRENCY: '4' };
const system = new TestSystem();

beforeAll(() => system.start());
afterAll(() => system.stop());

const statuses = (history: AuditEvent[]) => history.map((event) => event.status);

it('retries, dead-letters and interrupts handed-off attempts, and drops their recovery copies quietly', async () => {
  // No grace period: a SIGTERM interrupts at once.
  const first = await system.startProcessor({ ...ENV, BATON_SHUTDOWN_GRACE_SECONDS: '0' });
  const retried = system.job({ jobName: 'fails once after its handoff', type: 'slow-fail', processingParameters: { ms: 4000, failTimes: 1 } });
  const dead = system.job({ jobName: 'fails for good after its handoff', type: 'slow-fail', maxAttempts: 1, processingParameters: { ms: 4000, failTimes: 1 } });
  const interrupted = system.job({ jobName: 'interrupted after its handoff', type: 'slow-fail', processingParameters: { ms: 30_000 } });
  await system.publish([retried, dead, interrupted]);
  await waitFor(() => first.lines.filter((line) => line.includes('delivery handed off')).length >= 3, 'three handoffs', 20_000, 100);
  await system.waitForAll([retried.jobId], 'Completed', 30_000);
  await system.waitForAll([dead.jobId], 'DeadLettered', 10_000);

  // The long one, interrupted after its handoff, is published back at once and runs on the second processor.
  const second = await system.startProcessor(ENV);
  first.signal('SIGTERM');
  expect((await first.exited).code).toBe(0);
  await system.waitForAll([interrupted.jobId], 'Completed', 90_000);
  // The last recovery copies come back within a lease period, and are dropped.
  await new Promise((resolve) => setTimeout(resolve, 17_000));

  expect(statuses(await system.history(retried.jobId))).toEqual(['Queued', 'Started', 'Failed', 'Retrying', 'Started', 'Completed']);
  expect(statuses(await system.history(dead.jobId))).toEqual(['Queued', 'Started', 'Failed', 'DeadLettered']);
  const interruptedHistory = await system.history(interrupted.jobId);
  expect(statuses(interruptedHistory)).toEqual(['Queued', 'Started', 'Interrupted', 'Started', 'Completed']);
  expect(interruptedHistory[3]!.processorId).toBe(second.processorId);
  // Handed back at once, not after a recovery period: well inside the 15 s lease.
  expect(Date.parse(interruptedHistory[3]!.timestamp) - Date.parse(interruptedHistory[2]!.timestamp)).toBeLessThan(10_000);

  const deadLetters = await system.deadLetters();
  expect(deadLetters.map((message) => JSON.parse(message.body.toString()).jobId)).toEqual([dead.jobId]);
  expect(deadLetters[0]!.headers['x-baton-recovery-of']).toBeUndefined();
  expect(await system.messageCount(system.names.jobsQueue)).toBe(0);
}, 180_000);
