/**
 * The operator's job actions in headless Chromium (Debian's, driven by playwright-core) against a real
 * dashboard and a real Processor on RabbitMQ and Azurite (issue 11, "Done means"): an operator signs in,
 * cancels a running job and sees it stop (listed as Cancelled); requeues a dead-lettered job from the
 * "Failed and dead-lettered" view and sees it complete; requeues all shown after a confirmation that states
 * the count; cancels all shown of a picked tenant only; sees the API's refusal (409) when another operator
 * acted first. A viewer sees no buttons.
 * Writes carry the token in the Authorization header only, never in a URL.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../src/contracts/audit-event.js';
import { loadConfig } from '../../src/core/config.js';
import { silentLogger } from '../../src/core/logger.js';
import { startDashboard, type RunningDashboard } from '../../src/dashboard/dashboard-command.js';
import { Processor } from '../../src/processor/processor.js';
import { deleteNamespaceQueues, deleteNamespaceStorage } from '../helpers/cleanup.js';
import { freshNamespace } from '../helpers/namespace.js';
import { waitFor } from '../helpers/system.js';

const CHROMIUM = '/usr/bin/chromium';
const OPERATOR = `op-${'c'.repeat(20)}`;
const VIEWER = `view-${'d'.repeat(20)}`;
const namespace = freshNamespace('ab');
const config = {
  ...loadConfig({ env: {}, flags: { namespace, dashboardHost: '127.0.0.1', dashboardTokens: `olga:operator:${OPERATOR},vera:viewer:${VIEWER}`, concurrency: '3' } }),
  dashboardPort: 0,
};
let dashboard: RunningDashboard;
let processor: Processor;
let browser: Browser;

async function api(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${dashboard.url}${path}`, { ...init, headers: { authorization: `Bearer ${OPERATOR}`, 'content-type': 'application/json', ...init.headers } });
}

async function submit(jobs: unknown[]): Promise<void> {
  expect((await api('/api/jobs', { method: 'POST', body: JSON.stringify(jobs) })).status).toBe(202);
}

async function status(jobId: string): Promise<string | undefined> {
  const response = await api(`/api/jobs/${jobId}/summary`);
  return response.ok ? ((await response.json()) as { summary: { status: string } }).summary.status : undefined;
}

const untilStatus = (jobId: string, wanted: string, timeoutMs = 60_000) =>
  waitFor(async () => (await status(jobId)) === wanted || undefined, `${jobId} ${wanted}`, timeoutMs, 200);

/** Waits until the job-state index lists the job under `state` (the views read it, written behind). */
const untilListed = (jobId: string, state: string) =>
  waitFor(async () => {
    const page = (await (await api(`/api/summaries?status=${state}&limit=1000`)).json()) as { items: Array<{ jobId: string }> };
    return page.items.some((item) => item.jobId === jobId) || undefined;
  }, `${jobId} listed as ${state}`, 60_000, 200);

async function signedIn(token: string): Promise<{ context: BrowserContext; page: Page; posts: Array<{ url: string; authorization: string | undefined }> }> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const page = await context.newPage();
  const posts: Array<{ url: string; authorization: string | undefined }> = [];
  page.on('request', (request) => {
    if (request.method() === 'POST') posts.push({ url: request.url(), authorization: request.headers().authorization });
  });
  await page.goto(dashboard.url);
  await expect.poll(() => page.getByTestId('sign-in').count(), { timeout: 30_000 }).toBe(1);
  await page.getByTestId('sign-in').locator('input[name="token"]').fill(token);
  await page.getByTestId('sign-in').getByRole('button', { name: 'Sign in' }).click();
  await expect.poll(() => page.getByTestId('who').count(), { timeout: 30_000 }).toBe(1);
  return { context, page, posts };
}

const row = (page: Page, jobId: string) => page.locator(`tr[data-list-job-id="${jobId}"]`);

const failing = (jobId: string) => ({ jobId, jobName: `Fails once: ${jobId}`, maxAttempts: 1, processingParameters: { steps: 1, stepMs: 0, failTimes: 1 } });

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  dashboard = await startDashboard(config, silentLogger());
  processor = new Processor(config, { logger: silentLogger() });
  await processor.start();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
});

afterAll(async () => {
  await browser?.close();
  await processor?.stop();
  await dashboard?.close();
  await deleteNamespaceQueues(namespace);
  await deleteNamespaceStorage(namespace, config.storageConnectionString);
});

describe('an operator', () => {
  it('cancels a running job and sees it stop: out of "Running now", into "Cancelled"', async () => {
    await submit([{ jobId: 'long-run', jobName: 'Runs for a minute', processingParameters: { steps: 300, stepMs: 200 } }]);
    await untilListed('long-run', 'Started');
    const { context, page, posts } = await signedIn(OPERATOR);
    await page.getByRole('tab', { name: 'Running now' }).click();
    await expect.poll(() => row(page, 'long-run').count(), { timeout: 30_000 }).toBe(1);
    const askedAt = Date.now();
    await row(page, 'long-run').getByTestId('cancel-job').click();
    await expect.poll(() => row(page, 'long-run').count(), { timeout: 30_000 }).toBe(0);
    await untilStatus('long-run', 'Cancelled', 30_000);
    expect(Date.now() - askedAt).toBeLessThan(30_000);
    await page.getByRole('tab', { name: 'Cancelled' }).click();
    await expect.poll(() => row(page, 'long-run').count(), { timeout: 30_000 }).toBe(1);
    expect(await row(page, 'long-run').locator('.badge').textContent()).toBe('Cancelled');
    // In the history: who asked, and the attempt's end.
    const history = (await (await api('/api/jobs/long-run')).json()) as AuditEvent[];
    expect(history.find((event) => event.status === 'CancelRequested')?.message).toContain('olga');
    expect(history.some((event) => event.status === 'Cancelled')).toBe(true);
    expect(history.some((event) => event.status === 'Completed')).toBe(false);
    // The write carried the token in its Authorization header, and in no URL.
    const cancel = posts.find((post) => post.url.endsWith('/api/jobs/long-run/cancel'));
    expect(cancel?.authorization).toBe(`Bearer ${OPERATOR}`);
    expect(posts.every((post) => !post.url.includes(OPERATOR))).toBe(true);
    await context.close();
  });

  it('requeues a dead-lettered job from the "Failed and dead-lettered" view and sees it complete', async () => {
    await submit([failing('flaky')]);
    await untilListed('flaky', 'DeadLettered');
    const { context, page } = await signedIn(OPERATOR);
    await page.getByRole('tab', { name: 'Failed and dead-lettered' }).click();
    await expect.poll(() => row(page, 'flaky').count(), { timeout: 30_000 }).toBe(1);
    await row(page, 'flaky').getByTestId('requeue-job').click();
    await expect.poll(() => row(page, 'flaky').count(), { timeout: 30_000 }).toBe(0);
    await page.getByRole('tab', { name: 'Completed' }).click();
    await expect.poll(() => row(page, 'flaky').count(), { timeout: 60_000 }).toBe(1);
    expect(await row(page, 'flaky').locator('.badge').textContent()).toBe('Completed');
    // The job panel tells the same story: requeued by olga, then a second attempt that completed.
    await row(page, 'flaky').locator('button.job-id').click();
    await expect.poll(() => page.getByTestId('job-panel').textContent(), { timeout: 30_000 }).toContain('Requeued by olga');
    expect(await page.getByTestId('panel-actions').count()).toBe(0);
    await context.close();
  });

  it('requeues all shown after a confirmation that states the count, from a dry run', async () => {
    await submit([failing('bulk-1'), failing('bulk-2')]);
    await untilListed('bulk-1', 'DeadLettered');
    await untilListed('bulk-2', 'DeadLettered');
    const { context, page } = await signedIn(OPERATOR);
    await page.getByRole('tab', { name: 'Failed and dead-lettered' }).click();
    await expect.poll(() => page.locator('tr[data-list-job-id]').count(), { timeout: 30_000 }).toBe(2);
    await page.getByTestId('bulk-requeue-open').click();
    await expect.poll(() => page.getByTestId('bulk-confirm').textContent(), { timeout: 30_000 }).toContain('Requeue 2 jobs (Failed and dead-lettered)?');
    // Nothing is sent until the operator says yes.
    expect(await status('bulk-1')).toBe('DeadLettered');
    await page.getByTestId('bulk-confirm-yes').click();
    await expect.poll(() => page.getByTestId('bulk-result').textContent(), { timeout: 30_000 }).toContain('Requeued 2 jobs of 2 matched');
    await untilStatus('bulk-1', 'Completed');
    await untilStatus('bulk-2', 'Completed');
    await context.close();
  });

  it("sees the API's refusal when another operator acted first (409), not a silent failure", async () => {
    await submit([failing('raced')]);
    await untilListed('raced', 'DeadLettered');
    const { context, page } = await signedIn(OPERATOR);
    await page.getByRole('tab', { name: 'Failed and dead-lettered' }).click();
    await expect.poll(() => row(page, 'raced').count(), { timeout: 30_000 }).toBe(1);
    // This page's list goes stale (its next refreshes are held, never answered: a slow network) while another
    // operator requeues the job and it completes; then this page's Requeue is pressed: the real API says 409.
    await page.route('**/api/summaries?status=DeadLettered*', () => undefined);
    expect((await api('/api/jobs/raced/requeue', { method: 'POST', body: '{}' })).status).toBe(202);
    await untilStatus('raced', 'Completed');
    await row(page, 'raced').getByTestId('requeue-job').click();
    const problem = page.locator('[data-testid="action-result"][role="alert"]');
    await expect.poll(() => problem.count(), { timeout: 30_000 }).toBe(1);
    expect(await problem.textContent()).toContain('raced is Completed');
    await context.close();
  });
});

describe('an operator with a tenant picked', () => {
  it("cancels all shown of that tenant only: the confirmation counts the tenant's jobs, the others keep waiting", async () => {
    // Never run (no handler for their type): they wait in "Waiting" until cancelled.
    await submit([
      { jobId: 'acme-wait-1', jobName: 'acme waits', type: 'nohandler', tenantId: 'acme' },
      { jobId: 'acme-wait-2', jobName: 'acme waits', type: 'nohandler', tenantId: 'acme' },
      { jobId: 'bolt-wait-1', jobName: 'bolt waits', type: 'nohandler', tenantId: 'bolt' },
    ]);
    for (const jobId of ['acme-wait-1', 'acme-wait-2', 'bolt-wait-1']) await untilListed(jobId, 'Queued');
    const { context, page } = await signedIn(OPERATOR);
    await page.locator('input[name="tenantId"]').fill('acme');
    await page.getByTestId('tenant-picker').getByRole('button', { name: 'Show', exact: true }).click();
    await page.getByRole('tab', { name: 'Waiting' }).click();
    await expect.poll(() => page.locator('tr[data-list-job-id]').count(), { timeout: 30_000 }).toBe(2);
    await page.getByTestId('bulk-cancel-open').click();
    await expect.poll(() => page.getByTestId('bulk-confirm').textContent(), { timeout: 30_000 }).toContain('Cancel 2 jobs (Waiting, tenant acme)?');
    await page.getByTestId('bulk-confirm-yes').click();
    await expect.poll(() => page.getByTestId('bulk-result').textContent(), { timeout: 30_000 }).toContain('Cancelled 2 jobs of 2 matched');
    await untilStatus('acme-wait-1', 'Cancelled');
    await untilStatus('acme-wait-2', 'Cancelled');
    expect(await status('bolt-wait-1')).not.toBe('Cancelled');
    await context.close();
  });
});

describe('a viewer', () => {
  it('sees the same lists and no action buttons', async () => {
    await submit([{ jobId: 'viewer-long', jobName: 'Runs while a viewer looks', processingParameters: { steps: 300, stepMs: 200 } }, failing('viewer-dead')]);
    await untilListed('viewer-long', 'Started');
    await untilListed('viewer-dead', 'DeadLettered');
    const { context, page, posts } = await signedIn(VIEWER);
    for (const [tab, jobId] of [['Running now', 'viewer-long'], ['Failed and dead-lettered', 'viewer-dead'], ['Cancelled', 'long-run']] as const) {
      await page.getByRole('tab', { name: tab }).click();
      await expect.poll(() => row(page, jobId).count(), { timeout: 30_000 }).toBe(1);
      expect(await page.locator('[data-testid="cancel-job"], [data-testid="requeue-job"], [data-testid^="bulk-"]').count(), tab).toBe(0);
    }
    await row(page, 'long-run').locator('button.job-id').click();
    await expect.poll(() => page.getByTestId('job-panel').textContent(), { timeout: 30_000 }).toContain('Cancelled');
    expect(await page.getByTestId('panel-actions').count()).toBe(0);
    expect(posts).toEqual([]);
    await context.close();
    await api('/api/jobs/viewer-long/cancel', { method: 'POST', body: '{}' });
  });
});
