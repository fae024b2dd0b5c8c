/**
 * The dashboard page in headless Chromium (Debian's, driven by playwright-core) over a real system: the
 * real Publisher, a real Processor in-process, the dashboard on a free port. Events arrive without a
 * reload, a job opens by id with its timeline, markup in a job name stays text, the controls filter, and
 * the live indicator shows a dropped stream reconnecting. Saves a screenshot in the temporary folder
 * (tests leave the work tree clean); `npm run docs:screenshot` runs this file to regenerate docs/dashboard.png.
 */
import { existsSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import amqp from 'amqplib';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateJobRequest, type JobRequest, type JobRequestInput } from '../../src/contracts/job-request.js';
import { namesFor } from '../../src/contracts/names.js';
import { deleteTopology } from '../../src/broker/topology.js';
import { loadConfig } from '../../src/core/config.js';
import { silentLogger } from '../../src/core/logger.js';
import { startDashboard, type RunningDashboard } from '../../src/dashboard/dashboard-command.js';
import { Processor } from '../../src/processor/processor.js';
import { Publisher } from '../../src/publisher/publisher.js';
import { freshNamespace } from '../helpers/namespace.js';
import { AMQP_URL } from '../helpers/system.js';

const CHROMIUM = '/usr/bin/chromium';
const XSS_NAME = '<img src=x onerror=alert(1)>';

const namespace = freshNamespace('db');
/** BATON_DOCS_SCREENSHOT is set only by `npm run docs:screenshot`, to the README's picture. */
const SCREENSHOT = process.env.BATON_DOCS_SCREENSHOT ? path.resolve(process.env.BATON_DOCS_SCREENSHOT) : path.join(os.tmpdir(), `baton-dashboard-${namespace}.png`);
const names = namesFor(namespace);
const config = loadConfig({
  env: {},
  flags: { namespace, leaseSeconds: '15', concurrency: '4', processorId: 'worker-eu-1', retryBaseMs: '300', retryMaxMs: '1000' },
});
const logger = silentLogger();
const publisher = new Publisher({ amqpUrl: config.amqpUrl, storageConnectionString: config.storageConnectionString, namespace, publisherId: 'publisher', logger });
const processor = new Processor(config, { logger });
let dashboard: RunningDashboard;
let browser: Browser;
let page: Page;
const dialogs: string[] = [];

function job(input: Partial<JobRequestInput> & { jobName: string }): JobRequest {
  const parsed = validateJobRequest({ jobId: crypto.randomUUID(), ...input });
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.job;
}

const steps = (count: number, stepMs: number, failTimes = 0) => ({ processingParameters: { steps: count, stepMs, failTimes } });

function startDashboardOn(port: number): Promise<RunningDashboard> {
  return startDashboard({ ...config, dashboardHost: '127.0.0.1', dashboardPort: port }, logger);
}

const live = () => page.getByTestId('live-indicator');
/** expect.poll with a timeout that suits a browser on a shared 2-core machine. */
const poll = <T>(probe: () => Promise<T>, timeout = 10_000) => expect.poll(probe, { timeout, interval: 100 });
const row = (jobId: string) => page.locator(`tr[data-job-id="${jobId}"]`);

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  await publisher.start();
  await processor.start();
  dashboard = await startDashboardOn(0);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
});

afterAll(async () => {
  if (!process.env.BATON_DOCS_SCREENSHOT) rmSync(SCREENSHOT, { force: true });
  await browser?.close();
  await dashboard?.close();
  await processor.stop();
  await publisher.close();
  const { clients } = publisher.storage;
  for (const table of [names.auditTable, names.recentTable, names.fleetTable, names.schedulesTable]) await clients.table(table).deleteTable().catch(() => undefined);
  await clients.blobService.getContainerClient(names.locksContainer).deleteIfExists();
  const connection = await amqp.connect(AMQP_URL);
  const channel = await connection.createChannel();
  await deleteTopology(channel, names).catch(() => undefined);
  await connection.close().catch(() => undefined);
});

describe('the dashboard page', () => {
  const xss = job({ jobName: XSS_NAME, description: '<script>alert(2)</script>', ...steps(3, 150) });
  const retried = job({ jobName: 'Invoice batch for tenant acme', ...steps(4, 200, 1) });
  const others = [
    ['Monthly report for October', 6], ['Image thumbnails nightly', 4], ['Customer export for the EU region', 5],
    ['Search reindex after schema change', 7], ['Payroll run weekly', 3], ['Ledger reconcile for audit', 5],
  ].map(([jobName, count]) => job({ jobName: String(jobName), ...steps(Number(count), 350) }));

  it('shows events as they happen, without a reload', async () => {
    await page.goto(dashboard.url);
    await poll(() => live().textContent()).toContain('Live');
    await poll(() => page.getByText('No events yet').count()).toBe(1);
    const navigations: string[] = [];
    page.on('framenavigated', (frame) => navigations.push(frame.url()));
    for (const j of [xss, retried, ...others]) await publisher.publish(j);
    await row(xss.jobId).first().waitFor({ timeout: 15_000 });
    await poll(() => row(xss.jobId).locator('.badge', { hasText: 'Completed' }).count(), 20_000).toBe(1);
    await poll(() => row(retried.jobId).locator('.badge', { hasText: 'Retrying' }).count(), 20_000).toBe(1);
    expect(navigations).toEqual([]);
  });

  it('renders markup in a job name as text and runs nothing', async () => {
    const name = row(xss.jobId).first().locator('.job-name');
    expect(await name.textContent()).toBe(XSS_NAME);
    expect(await page.locator('img[src="x"]').count()).toBe(0);
    expect(await page.locator('main script, main img').count()).toBe(0);
    await name.click();
    await page.getByTestId('job-panel').waitFor();
    await poll(() => page.locator('.panel-title').textContent()).toBe(XSS_NAME);
    expect(page.url()).toContain(`#job=${xss.jobId}`);
    expect(await page.locator('img[src="x"]').count()).toBe(0);
    expect(dialogs).toEqual([]);
  });

  it('opens a job by id: a timeline of attempts with processor, steps, durations and the error', async () => {
    await page.locator('input[name="jobId"]').fill(retried.jobId);
    await page.locator('form.search button[type="submit"]').click();
    const panel = page.getByTestId('job-panel');
    await poll(() => panel.locator('.panel-id').textContent()).toBe(retried.jobId);
    await poll(() => panel.getByTestId('attempt').count(), 30_000).toBe(2);
    await poll(() => panel.locator('.outcome-completed').count(), 30_000).toBe(1);
    const [first, second] = await panel.getByTestId('attempt').all();
    expect(await first!.locator('.tl-error').textContent()).toContain('simulated failure at step 1/4');
    expect(await first!.textContent()).toContain('worker-eu-1');
    expect(await second!.locator('.steps li').count()).toBe(4);
    expect(await second!.locator('.tl-meta').textContent()).toMatch(/on worker-eu-1 · \d/);
    const markers = await panel.getByTestId('timeline-event').allTextContents();
    expect(markers.some((text) => text.includes('Queued'))).toBe(true);
    expect(markers.some((text) => text.includes('Retrying'))).toBe(true);
    expect(await panel.locator('.facts').textContent()).toContain('Attempts2 (1 failed)');
  });

  it('refuses an id outside the pattern without asking the server', async () => {
    await page.locator('input[name="jobId"]').fill("x' or PartitionKey ne '");
    await page.locator('form.search button[type="submit"]').click();
    expect(await page.locator('.search-problem').textContent()).toContain('letters, digits');
  });

  it('filters: rows shown, status, hide completed', async () => {
    await page.locator('.close').click();
    await page.getByTestId('job-panel').waitFor({ state: 'detached' });
    await page.selectOption('select[name="rows"]', '15');
    await poll(() => page.locator('table.events tbody tr').count()).toBe(15);
    await page.selectOption('select[name="status"]', 'Step');
    await poll(() => page.locator('table.events tbody .badge').allTextContents()).toEqual(Array(15).fill('Step'));
    await page.selectOption('select[name="status"]', '');
    await page.selectOption('select[name="rows"]', '100');
    await poll(() => row(xss.jobId).count()).toBeGreaterThan(0);
    await page.check('input[name="hideCompleted"]');
    await poll(() => row(xss.jobId).count()).toBe(0);
    expect(await page.locator('table.events tbody .badge', { hasText: 'Completed' }).count()).toBe(0);
    await page.uncheck('input[name="hideCompleted"]');
    await poll(() => row(xss.jobId).count()).toBeGreaterThan(0);
    await page.selectOption('select[name="rows"]', '25');
    await poll(() => page.locator('table.events tbody tr').count()).toBe(25);
  });

  it('shows the stream dropping and reconnecting, then catches up', async () => {
    const port = Number(new URL(dashboard.url).port);
    await dashboard.close();
    await poll(() => live().textContent(), 10_000).toContain('Reconnecting');
    const late = job({ jobName: 'Published while the dashboard was down', ...steps(1, 50) });
    await publisher.publish(late);
    dashboard = await startDashboardOn(port);
    await poll(() => live().textContent(), 15_000).toContain('Live');
    await row(late.jobId).first().waitFor({ timeout: 15_000 });
  });

  it('saves a screenshot with figures, events and a timeline', async () => {
    const more = others.map((o) => job({ jobName: o.jobName, ...steps(10, 500) }));
    for (const j of more) await publisher.publish(j);
    const running = async () => ((await (await fetch(`${dashboard.url}/api/stats`)).json()) as { running: number }).running;
    await poll(running, 20_000).toBeGreaterThanOrEqual(3);
    // A fresh load fetches the figures at once, instead of at the page's next 5-second poll.
    await page.goto(`${dashboard.url}/#job=${retried.jobId}`);
    await page.reload();
    await poll(() => page.getByTestId('attempt').count(), 15_000).toBe(2);
    await poll(async () => Number(await page.getByTestId('card-running').locator('.card-value').textContent()), 15_000).toBeGreaterThanOrEqual(1);
    await poll(() => page.locator('table.events tbody .badge', { hasText: 'Step' }).count(), 15_000).toBeGreaterThan(8);
    await page.screenshot({ path: SCREENSHOT });
    expect(existsSync(SCREENSHOT)).toBe(true);
    expect(dialogs).toEqual([]);
  });
});
