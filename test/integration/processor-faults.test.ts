/**
 * Processors whose storage answers are lost, through the fault proxy (issue 9, defects 1 and 3): the attempt
 * whose Started answer was lost runs once and completes, the attempt whose Completed answer was lost ends
 * once, and an error message of 40,000 characters is recorded (truncated) instead of failing the write.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startStorageProxies, toxic, transactionWith, type ProxiedRequest } from '../helpers/fault-proxy.js';
import { TestSystem, waitFor } from '../helpers/system.js';

const HANDLERS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/fault-handlers.mjs');
const system = new TestSystem();
let proxies: Awaited<ReturnType<typeof startStorageProxies>>;

/** The job's transaction holding a `status` event. */
const jobTransaction = (jobId: string, status: string) => (request: ProxiedRequest) => transactionWith(status)(request) && request.text.includes(jobId);

beforeAll(async () => {
  proxies = await startStorageProxies({ seed: 9 });
  await system.start();
  await system.startProcessor({ BATON_STORAGE_CONNECTION_STRING: proxies.connectionString, BATON_HANDLERS: HANDLERS, BATON_LEASE_SECONDS: '15', BATON_RENEW_SECONDS: '5' });
});

afterAll(async () => {
  await system.stop();
  await proxies.close();
});

it('runs a maxAttempts 1 job once and completes it when its Started answer was lost', async () => {
  const job = system.job({ maxAttempts: 1, processingParameters: { steps: 2, stepMs: 50 } });
  const rule = proxies.table.addRule({ when: jobTransaction(job.jobId, 'Started'), times: 1, action: toxic.dropAnswer });
  await system.publish([job]);
  await system.waitForAll([job.jobId], 'Completed');
  expect(rule.hits).toBe(1);
  const history = await system.history(job.jobId);
  expect(history.filter((e) => e.status === 'Started').map((e) => e.attempt)).toEqual([1]);
  expect(history.filter((e) => e.status === 'Step')).toHaveLength(2);
  expect(history.map((e) => e.status)).not.toContain('LeaseLost');
  expect(history.map((e) => e.status)).not.toContain('DeadLettered');
  expect(history.some((e) => /ended without a record/.test(e.message))).toBe(false);
});

it('records exactly one end when the Completed answer was lost, and acknowledges the job', async () => {
  const job = system.job({ processingParameters: { steps: 1, stepMs: 50 } });
  const rule = proxies.table.addRule({ when: jobTransaction(job.jobId, 'Completed'), times: 1, action: toxic.dropAnswer });
  await system.publish([job]);
  await system.waitForAll([job.jobId], 'Completed');
  expect(rule.hits).toBe(1);
  await waitFor(async () => (await system.messageCount(system.names.jobsQueue)) === 0, 'the jobs queue to be empty', 20_000, 200);
  await new Promise((resolve) => setTimeout(resolve, 1000)); // anything written late would show now
  const statuses = await system.statuses(job.jobId);
  expect(statuses.filter((s) => s === 'Completed')).toHaveLength(1);
  expect(statuses).not.toContain('LeaseLost');
  expect(statuses.at(-1)).toBe('Completed');
});

it('records a Failed whose error message is 40,000 characters, truncated, and dead-letters the job for that reason', async () => {
  const job = system.job({ type: 'huge-error', maxAttempts: 1 });
  await system.publish([job]);
  await system.waitForAll([job.jobId], 'DeadLettered', 30_000);
  const history = await system.history(job.jobId);
  const failed = history.filter((e) => e.status === 'Failed');
  expect(failed).toHaveLength(1);
  expect(failed[0]!.message.startsWith('huge: xxx')).toBe(true);
  expect(failed[0]!.message.length).toBeLessThanOrEqual(4000);
  expect(history.filter((e) => e.status === 'Started')).toHaveLength(1);
  const summary = await system.storage.audit.summary(job.jobId);
  expect(summary?.status).toBe('DeadLettered');
  expect(summary?.lastError?.startsWith('huge: xxx')).toBe(true);
});
