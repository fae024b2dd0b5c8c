/**
 * The tenant filter in headless Chromium (Debian's, driven by playwright-core) against a real dashboard and a
 * real Processor: jobs of two tenants run; picking one tenant shows only its jobs in the job lists, the recent
 * events and the snapshot figures, says which panels stay fleet-wide, survives a reload, and "Show all
 * tenants" brings the others back. The tenants table shows the tenant's limits and use.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config.js';
import { silentLogger } from '../../src/core/logger.js';
import { startDashboard, type RunningDashboard } from '../../src/dashboard/dashboard-command.js';
import { Processor } from '../../src/processor/processor.js';
import { deleteNamespaceQueues, deleteNamespaceStorage } from '../helpers/cleanup.js';
import { freshNamespace } from '../helpers/namespace.js';
import { waitFor } from '../helpers/system.js';

const CHROMIUM = '/usr/bin/chromium';
const OPERATOR = `op-${'t'.repeat(20)}`;
const namespace = freshNamespace('tb');
const config = {
  ...loadConfig({ env: {}, flags: { namespace, dashboardHost: '127.0.0.1', dashboardTokens: `olga:operator:${OPERATOR}`, concurrency: '4' } }),
  dashboardPort: 0,
};
const ACME = ['acme-1', 'acme-2'];
const BOLT = ['bolt-1', 'bolt-2'];
let dashboard: RunningDashboard;
let processor: Processor;
let browser: Browser;

async function api(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${dashboard.url}${path}`, { ...init, headers: { authorization: `Bearer ${OPERATOR}`, 'content-type': 'application/json', ...init.headers } });
}

const listedJobs = (page: Page) => page.locator('tr[data-list-job-id]').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-list-job-id')).sort());
const eventJobs = (page: Page) => page.locator('tr[data-job-id]').evaluateAll((rows) => [...new Set(rows.map((row) => row.getAttribute('data-job-id')))].sort());

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  dashboard = await startDashboard(config, silentLogger());
  processor = new Processor(config, { logger: silentLogger() });
  await processor.start();
  expect((await api('/api/tenants/acme', { method: 'PUT', body: JSON.stringify({ concurrency: 3 }) })).status).toBe(200);
  const jobs = [...ACME.map((jobId) => ({ jobId, tenantId: 'acme' })), ...BOLT.map((jobId) => ({ jobId, tenantId: 'bolt' }))];
  const response = await api('/api/jobs', { method: 'POST', body: JSON.stringify(jobs.map((job) => ({ ...job, jobName: `Job ${job.jobId}`, processingParameters: { steps: 1, stepMs: 0 } }))) });
  expect(response.status).toBe(202);
  await waitFor(async () => {
    const page = (await (await api('/api/summaries?status=Completed')).json()) as { items: unknown[] };
    return page.items.length === 4 || undefined;
  }, 'four jobs completed', 60_000, 300);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
});

afterAll(async () => {
  await browser?.close();
  await processor?.stop();
  await dashboard?.close();
  await deleteNamespaceQueues(namespace);
  await deleteNamespaceStorage(namespace, config.storageConnectionString);
});

it("picks a tenant and sees only its jobs: job lists, recent events, figures; then every tenant again", async () => {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const page = await context.newPage();
  await page.goto(dashboard.url);
  await page.getByRole('tab', { name: 'Completed' }).click();
  await expect.poll(() => listedJobs(page), { timeout: 30_000 }).toEqual([...ACME, ...BOLT].sort());
  await expect.poll(() => eventJobs(page), { timeout: 30_000 }).toEqual([...ACME, ...BOLT].sort());

  await expect.poll(() => page.locator('select[name="tenant"] option').allTextContents(), { timeout: 30_000 }).toEqual(['All tenants', 'acme', 'bolt']);
  await page.selectOption('select[name="tenant"]', 'acme');
  await expect.poll(() => listedJobs(page), { timeout: 30_000 }).toEqual(ACME);
  await expect.poll(() => eventJobs(page), { timeout: 30_000 }).toEqual(ACME);
  expect(await page.getByTestId('list-tenant').allTextContents()).toEqual(['acme', 'acme']);
  await expect.poll(() => page.getByTestId('card-completed').locator('.card-value').textContent(), { timeout: 30_000 }).toBe('2');
  expect(await page.getByTestId('tenant-scope').textContent()).toContain('fleet-wide');
  // The tenants table: acme's own limit, its use, highlighted as picked.
  const row = page.locator('[data-testid="tenants"] tr[data-tenant-id="acme"]');
  expect(await row.getAttribute('class')).toContain('picked');
  expect(await row.textContent()).toContain('3');
  expect(await row.getByTestId('tenant-running').textContent()).toBe('0');

  // The choice survives a reload (it is kept in localStorage, not in the URL).
  await page.reload();
  await page.getByRole('tab', { name: 'Completed' }).click();
  await expect.poll(() => listedJobs(page), { timeout: 30_000 }).toEqual(ACME);
  expect(page.url()).not.toContain('acme');

  // A tenant typed in, known or not.
  await page.locator('input[name="tenantId"]').fill('bolt');
  await page.getByTestId('tenant-picker').getByRole('button', { name: 'Show', exact: true }).click();
  await expect.poll(() => listedJobs(page), { timeout: 30_000 }).toEqual(BOLT);
  await expect.poll(() => eventJobs(page), { timeout: 30_000 }).toEqual(BOLT);

  await page.getByRole('button', { name: 'Show all tenants' }).click();
  await expect.poll(() => listedJobs(page), { timeout: 30_000 }).toEqual([...ACME, ...BOLT].sort());
  await expect.poll(() => page.getByTestId('card-completed').locator('.card-value').textContent(), { timeout: 30_000 }).toBe('4');
  await context.close();
});
