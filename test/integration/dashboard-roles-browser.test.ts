/**
 * Roles in headless Chromium (Debian's, driven by playwright-core) against a real dashboard on a free port
 * with a viewer and an operator token: the page asks for a token before it shows any job, an operator
 * signs in (the token kept in sessionStorage, never in the URL or a cookie) and sees the write buttons, a
 * viewer sees none. Also: the loud start-up warning on a non-loopback address with no tokens.
 * Screenshots go to a temporary directory only.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import winston from 'winston';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config.js';
import { silentLogger } from '../../src/core/logger.js';
import { OPEN_DASHBOARD_WARNING, startDashboard, type RunningDashboard } from '../../src/dashboard/dashboard-command.js';
import { deleteNamespaceQueues, deleteNamespaceStorage } from '../helpers/cleanup.js';
import { freshNamespace } from '../helpers/namespace.js';

const CHROMIUM = '/usr/bin/chromium';
const OPERATOR = `op-${'a'.repeat(20)}`;
const VIEWER = `view-${'b'.repeat(20)}`;
const namespace = freshNamespace('rb');
const config = {
  ...loadConfig({ env: {}, flags: { namespace, dashboardHost: '127.0.0.1', dashboardTokens: `olga:operator:${OPERATOR},vera:viewer:${VIEWER}` } }),
  dashboardPort: 0, // any free port
};
const shots = mkdtempSync(path.join(os.tmpdir(), 'baton-roles-'));
let dashboard: RunningDashboard;
let browser: Browser;

async function signedIn(token: string | undefined): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  await page.goto(dashboard.url);
  await expect.poll(() => page.getByTestId('sign-in').count(), { timeout: 30_000 }).toBe(1);
  if (token !== undefined) {
    await page.getByTestId('sign-in').locator('input[name="token"]').fill(token);
    await page.getByTestId('sign-in').getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByTestId('who').count(), { timeout: 30_000 }).toBe(1);
  }
  return { context, page };
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  dashboard = await startDashboard(config, silentLogger());
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
  // A job to see, submitted over HTTP by the operator.
  const response = await fetch(`${dashboard.url}/api/jobs`, {
    method: 'POST', headers: { authorization: `Bearer ${OPERATOR}`, 'content-type': 'application/json' },
    body: JSON.stringify({ jobId: 'seen-by-roles', jobName: 'Visible to signed-in users', processingParameters: { steps: 1, stepMs: 0 } }),
  });
  expect(response.status).toBe(202);
});

afterAll(async () => {
  await browser?.close();
  await dashboard?.close();
  rmSync(shots, { recursive: true, force: true });
  await deleteNamespaceQueues(namespace);
  await deleteNamespaceStorage(namespace, config.storageConnectionString);
});

describe('the page with roles', () => {
  it('shows no job before sign-in', async () => {
    const { context, page } = await signedIn(undefined);
    await page.waitForTimeout(500);
    expect(await page.locator('tr[data-job-id]').count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Publish demo jobs' }).count()).toBe(0);
    await context.close();
  });

  it('lets an operator sign in, keeping the token out of the URL and cookies, and shows the write buttons', async () => {
    const { context, page } = await signedIn(OPERATOR);
    expect(await page.getByTestId('who').textContent()).toContain('olga (operator)');
    await expect.poll(() => page.locator('tr[data-job-id="seen-by-roles"]').count(), { timeout: 30_000 }).toBeGreaterThan(0);
    expect(await page.getByRole('button', { name: 'Publish demo jobs' }).count()).toBe(1);
    expect(page.url()).not.toContain(OPERATOR);
    expect(await page.evaluate(() => document.cookie)).toBe('');
    expect((await context.cookies()).length).toBe(0);
    expect(await page.evaluate(() => sessionStorage.getItem('baton.token'))).toBe(OPERATOR);
    await page.screenshot({ path: path.join(shots, 'operator.png') });
    await context.close();
  });

  it('shows a viewer the jobs and no write buttons', async () => {
    const { context, page } = await signedIn(VIEWER);
    expect(await page.getByTestId('who').textContent()).toContain('vera (viewer)');
    await expect.poll(() => page.locator('tr[data-job-id="seen-by-roles"]').count(), { timeout: 30_000 }).toBeGreaterThan(0);
    expect(await page.getByRole('button', { name: 'Publish demo jobs' }).count()).toBe(0);
    // The job lists by state: the job waits (no processor runs here), listed under "Waiting" only.
    await page.getByRole('tab', { name: 'Waiting' }).click();
    await expect.poll(() => page.locator('tr[data-list-job-id="seen-by-roles"]').count(), { timeout: 30_000 }).toBe(1);
    await page.getByRole('tab', { name: 'Running now' }).click();
    await expect.poll(() => page.getByTestId('job-lists').textContent(), { timeout: 30_000 }).toContain('No jobs here.');
    await page.screenshot({ path: path.join(shots, 'viewer.png') });
    await context.close();
  });

  it('refuses an unknown token at sign-in', async () => {
    const { context, page } = await signedIn(undefined);
    await page.getByTestId('sign-in').locator('input[name="token"]').fill('not-a-known-token-000');
    await page.getByTestId('sign-in').getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent(), { timeout: 30_000 }).toContain('not known');
    await context.close();
  });
});

describe('the API reference', () => {
  it('renders every operation of /api/openapi.json at /api/docs from local files only, with no token', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const requested: string[] = [];
    const blocked: string[] = [];
    page.on('request', (request) => requested.push(request.url()));
    page.on('console', (message) => {
      if (message.type() === 'error') blocked.push(message.text());
    });
    await page.goto(`${dashboard.url}/api/docs`);
    await expect.poll(() => page.locator('.opblock').count(), { timeout: 30_000 }).toBeGreaterThan(8);
    expect(await page.locator('.opblock-summary-path', { hasText: '/api/jobs' }).count()).toBeGreaterThan(0);
    expect(requested.filter((url) => !url.startsWith(dashboard.url))).toEqual([]);
    expect(blocked.filter((text) => /Content Security Policy/i.test(text))).toEqual([]);
    await page.screenshot({ path: path.join(shots, 'docs.png') });
    await context.close();
  });
});

describe('start-up warning', () => {
  it('says loudly that an open dashboard on a non-loopback address shows every job to anyone', async () => {
    const lines: string[] = [];
    const logger = winston.createLogger({
      level: 'info',
      format: winston.format.json(),
      transports: [new winston.transports.Stream({ stream: new Writable({ write(chunk, _e, done) { lines.push(String(chunk)); done(); } }) })],
    });
    const open = await startDashboard({ ...loadConfig({ env: {}, flags: { namespace, dashboardHost: '0.0.0.0' } }), dashboardPort: 0 }, logger);
    await open.close();
    expect(lines.some((line) => line.includes(OPEN_DASHBOARD_WARNING) && line.includes('"level":"warn"'))).toBe(true);
    lines.length = 0;
    const closed = await startDashboard({ ...loadConfig({ env: {}, flags: { namespace, dashboardHost: '127.0.0.1' } }), dashboardPort: 0 }, logger);
    await closed.close();
    expect(lines.some((line) => line.includes('WARNING'))).toBe(false);
  });
});
