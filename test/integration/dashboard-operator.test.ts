/**
 * The page in headless Chromium (Debian's, through playwright-core) for what an operator and a new user
 * meet: the "Clear queues…" button (confirmed by typing the namespace, stating the count) empties the
 * queues; the status filter says it covers only the loaded events; card titles stay whole with the job
 * panel open.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config.js';
import { silentLogger } from '../../src/core/logger.js';
import { startDashboard, type RunningDashboard } from '../../src/dashboard/dashboard-command.js';
import { TestSystem } from '../helpers/system.js';

const CHROMIUM = '/usr/bin/chromium';
const TOKEN = 'operator-token-0123456789ab';
const system = new TestSystem();
let dashboard: RunningDashboard;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  await system.start();
  const config = loadConfig({ env: {}, flags: { namespace: system.namespace, dashboardToken: TOKEN } });
  dashboard = await startDashboard({ ...config, dashboardHost: '127.0.0.1', dashboardPort: 0 }, silentLogger());
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'] });
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
});

afterAll(async () => {
  await browser?.close();
  await dashboard?.close();
  await system.stop();
});

describe('the dashboard for an operator', () => {
  it('keeps every card title whole with the job panel open', async () => {
    const job = system.job({ jobName: 'Panel open' });
    await system.publish([job]);
    await page.goto(`${dashboard.url}/#job=${job.jobId}`);
    await page.getByTestId('job-panel').waitFor();
    const cut = await page.locator('.card-label').evaluateAll((labels) =>
      labels.filter((label) => label.scrollWidth > label.clientWidth + 1).map((label) => label.textContent),
    );
    expect(await page.locator('.card-label').count()).toBeGreaterThan(4);
    expect(cut).toEqual([]);
  });

  it('says that the status filter covers the loaded events only', async () => {
    await page.goto(`${dashboard.url}/`);
    await expect.poll(() => page.getByTestId('filter-count').textContent(), { timeout: 15_000 }).toMatch(/of the last \d+ events/);
    await page.locator('select[name=status]').selectOption('Queued');
    await expect.poll(() => page.getByTestId('filter-count').textContent(), { timeout: 5000 }).toMatch(/filters apply to the last \d+ events only/);
  });

  it('clears the queues from "Clear queues…" once the namespace is typed, stating the count first', async () => {
    await system.publish([system.job(), system.job()]);
    expect(await system.messageCount(system.names.jobsQueue)).toBe(3);
    await page.goto(`${dashboard.url}/`);
    await page.getByTestId('purge-open').click();
    const form = page.getByTestId('purge-form');
    await expect.poll(() => form.textContent(), { timeout: 15_000 }).toContain('3 messages now (3 waiting, 0 delayed, 0 dead letters)');
    const submit = form.locator('button[type=submit]');
    await form.locator('input[type=password]').fill(TOKEN);
    await form.locator('input[name=confirm]').fill('not-the-namespace');
    expect(await submit.isDisabled()).toBe(true);
    await form.locator('input[name=confirm]').fill(system.namespace);
    await submit.click();
    await expect.poll(() => page.getByTestId('purge-result').textContent(), { timeout: 15_000 }).toBe('Purged 3 messages (3 waiting, 0 delayed, 0 dead letters)');
    expect(await system.messageCount(system.names.jobsQueue)).toBe(0);
  });
});
