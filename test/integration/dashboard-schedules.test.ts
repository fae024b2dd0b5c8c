/** The dashboard's Schedules view in headless Chromium over real Azurite: next runs, last runs with their outcome. */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config.js';
import { silentLogger } from '../../src/core/logger.js';
import { startDashboard, type RunningDashboard } from '../../src/dashboard/dashboard-command.js';
import { namesFor } from '../../src/contracts/names.js';
import { openStorage } from '../../src/storage/baton-storage.js';
import { ScheduleStore } from '../../src/storage/schedule-store.js';
import { deleteNamespaceQueues, deleteNamespaceStorage } from '../helpers/cleanup.js';
import { freshNamespace } from '../helpers/namespace.js';

const CHROMIUM = '/usr/bin/chromium';
const namespace = freshNamespace('ds');
const names = namesFor(namespace);
const config = loadConfig({ env: {}, flags: { namespace } });
let dashboard: RunningDashboard;
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  dashboard = await startDashboard({ ...config, dashboardHost: '127.0.0.1', dashboardPort: 0 }, silentLogger());
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
});

afterAll(async () => {
  await browser?.close();
  await dashboard?.close();
  await deleteNamespaceQueues(namespace);
  await deleteNamespaceStorage(namespace, config.storageConnectionString);
});

describe('the Schedules view', () => {
  it('shows each schedule with its next runs and its last runs with their outcome', async () => {
    const storage = openStorage(config.storageConnectionString, names);
    const store = new ScheduleStore(storage.clients.table(names.schedulesTable));
    await store.ensureTable();
    await store.add({ name: 'nightly', cron: '0 2 * * *', timeZone: 'Europe/Berlin', job: {} });
    const due = '2026-12-01T01:00:00.000Z';
    await store.recordFired((await store.get('nightly'))!, [due]);
    await storage.audit.append({ jobId: `nightly:${due}`, jobName: 'nightly', status: 'Completed', attempt: 1, processorId: 'p', message: 'Job completed' });
    await storage.close();
    const page = await browser.newPage();
    await page.goto(dashboard.url);
    const view = page.getByTestId('schedules');
    await expect.poll(() => view.textContent(), { timeout: 15_000 }).toContain('nightly');
    const text = (await view.textContent()) ?? '';
    expect(text).toContain('0 2 * * * · Europe/Berlin');
    expect(text).toContain('Completed');
    await page.close();
  });
});
