/**
 * examples/submit-over-http.sh (curl) against a real dashboard on a free port and a real processor: the
 * job is accepted (202), the retry with the same Idempotency-Key answers 200 and publishes nothing, and
 * the job completes.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config.js';
import { silentLogger } from '../../src/core/logger.js';
import { startDashboard, type RunningDashboard } from '../../src/dashboard/dashboard-command.js';
import { Processor } from '../../src/processor/processor.js';
import { deleteNamespaceQueues, deleteNamespaceStorage } from '../helpers/cleanup.js';
import { freshNamespace } from '../helpers/namespace.js';
import { waitFor } from '../helpers/system.js';

const SCRIPT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../examples/submit-over-http.sh');
const OPERATOR = 'script-operator-0123456789';
const namespace = freshNamespace('ex');
const config = { ...loadConfig({ env: {}, flags: { namespace, dashboardTokens: `ci:operator:${OPERATOR}`, leaseSeconds: '15' } }), dashboardPort: 0 };
let dashboard: RunningDashboard;
let processor: Processor;

beforeAll(async () => {
  dashboard = await startDashboard(config, silentLogger());
  processor = new Processor(config, { logger: silentLogger() });
  await processor.start();
});

afterAll(async () => {
  await processor?.stop();
  await dashboard?.close();
  await deleteNamespaceQueues(namespace);
  await deleteNamespaceStorage(namespace, config.storageConnectionString);
});

it('submits, retries safely and follows the job to Completed', async () => {
  const { stdout } = await promisify(execFile)('bash', [SCRIPT], { env: { ...process.env, BATON_URL: dashboard.url, BATON_TOKEN: OPERATOR, WAIT_SECONDS: '60' }, timeout: 90_000 });
  expect(stdout).toMatch(/^submit: HTTP 202 \{"jobId":"[0-9a-f-]{36}","statusUrl":"\/api\/jobs\/[0-9a-f-]{36}\/summary"\}$/m);
  expect(stdout).toMatch(/^retry: {2}HTTP 200 /m);
  const jobId = /"jobId":"([^"]+)"/.exec(stdout)![1]!;
  expect(stdout).toContain(`job ${jobId}: Completed`);
  // The job-state index is written behind (within INDEX_FLUSH_MS): the list shows the job within about a second.
  const listed = async () => ((await (await fetch(`${dashboard.url}/api/summaries`, { headers: { authorization: `Bearer ${OPERATOR}` } })).json()) as { items: Array<{ jobId: string }> }).items.map((item) => item.jobId);
  await waitFor(async () => (await listed()).length > 0, 'the job in the job list', 10_000, 200);
  expect(await listed()).toEqual([jobId]);
});

it('stops with a clear message without a token', async () => {
  const run = promisify(execFile)('bash', [SCRIPT], { env: { ...process.env, BATON_URL: dashboard.url, BATON_TOKEN: '' } });
  await expect(run).rejects.toMatchObject({ stderr: expect.stringContaining('set BATON_TOKEN') });
});
