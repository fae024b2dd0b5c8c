/**
 * The Processors view and the charts in headless Chromium (Debian's, driven by playwright-core) over real
 * processes: two processors show as live, a burst of jobs draws the charts, and the SIGKILLed processor turns
 * lost. Screenshots go to a temporary directory only (removed afterwards unless KEEP_SHOTS=1, which prints it).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../../src/core/config.js';
import { silentLogger } from '../../src/core/logger.js';
import { startDashboard, type RunningDashboard } from '../../src/dashboard/dashboard-command.js';
import { TestSystem } from '../helpers/system.js';

const CHROMIUM = '/usr/bin/chromium';
const system = new TestSystem();
const shots = mkdtempSync(path.join(tmpdir(), 'baton-fleet-'));
let dashboard: RunningDashboard;
let browser: Browser;
let page: Page;

const poll = <T>(probe: () => Promise<T>, timeout: number) => expect.poll(probe, { timeout, interval: 250 });
const rows = () => page.locator('[data-testid="processors"] tbody tr[data-processor-id]');
const stateOf = (processorId: string) => page.locator(`tr[data-processor-id="${processorId}"]`).getAttribute('data-state');

/** Pixels of a chart's canvas close to `rgb`: the series' line or bars, not the axes or grid. */
function seriesPixels(testid: string, rgb: [number, number, number]): Promise<number> {
  return page.evaluate(
    ([id, [r, g, b]]) => {
      const canvas = document.querySelector<HTMLCanvasElement>(`[data-testid="${id}"] canvas`);
      const context = canvas?.getContext('2d');
      if (!canvas || !context || canvas.width === 0) return 0;
      const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
      let count = 0;
      for (let i = 0; i < data.length; i += 4) {
        if (Math.abs(data[i]! - r) + Math.abs(data[i + 1]! - g) + Math.abs(data[i + 2]! - b) < 60 && data[i + 3]! > 200) count++;
      }
      return count;
    },
    [testid, rgb] as const,
  );
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  await system.start();
  const config = loadConfig({ env: {}, flags: { namespace: system.namespace } });
  dashboard = await startDashboard({ ...config, dashboardHost: '127.0.0.1', dashboardPort: 0 }, silentLogger());
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
  page = await browser.newPage({ viewport: { width: 1500, height: 1400 } });
});

afterAll(async () => {
  await browser?.close();
  await dashboard?.close();
  await system.stop();
  if (!process.env.KEEP_SHOTS) rmSync(shots, { recursive: true, force: true });
  else console.log(shots);
});

it('shows two live processors, draws the charts after a burst of jobs, then shows the SIGKILLed processor as lost', async () => {
  const a = await system.startProcessor({ BATON_CONCURRENCY: '4' });
  const b = await system.startProcessor({ BATON_CONCURRENCY: '4' });
  await page.goto(dashboard.url);
  await poll(async () => (await rows().count()) === 2 && (await stateOf(a.processorId)) === 'live' && (await stateOf(b.processorId)) === 'live', 20_000).toBe(true);
  await poll(() => page.getByTestId('processors').getByText('2 live of 2').isVisible(), 5_000).toBe(true);

  const jobs = Array.from({ length: 24 }, (_, i) => system.job({ jobName: `burst ${i}`, processingParameters: { steps: 1, stepMs: 50 + (i % 4) * 100, failTimes: i % 6 === 0 ? 1 : 0 } }));
  await system.publish(jobs);
  await system.waitForAll(jobs.map((j) => j.jobId), 'Completed');

  // Heartbeats carry the minute's figures within 10 s; the page polls the charts every 15 s.
  const completed = page.getByTestId('chart-completed');
  await poll(async () => Number(await completed.getAttribute('data-total')), 60_000).toBeGreaterThanOrEqual(24);
  await poll(async () => Number(await page.getByTestId('chart-failed').getAttribute('data-total')), 30_000).toBeGreaterThanOrEqual(4);
  await poll(async () => Number(await page.getByTestId('chart-run').getAttribute('data-total')), 30_000).toBeGreaterThan(0);
  await poll(async () => Number(await page.getByTestId('chart-wait').getAttribute('data-total')), 30_000).toBeGreaterThan(0);
  // Drawn, not only counted: the 'steps' line (the first colour) is on the canvas, and the run time p50.
  await poll(() => seriesPixels('chart-completed', [0x25, 0x63, 0xeb]), 10_000).toBeGreaterThan(5);
  await poll(() => seriesPixels('chart-run', [0x0e, 0xa5, 0xe9]), 10_000).toBeGreaterThan(5);
  await page.screenshot({ path: path.join(shots, 'charts.png'), fullPage: true });

  a.signal('SIGKILL');
  await poll(() => stateOf(a.processorId), 45_000).toBe('lost');
  expect(await stateOf(b.processorId)).toBe('live');
  await poll(() => page.getByTestId('processors').getByText('1 live of 2').isVisible(), 10_000).toBe(true);
  await page.getByTestId('processors').screenshot({ path: path.join(shots, 'processors.png') });
  await page.getByTestId('charts').screenshot({ path: path.join(shots, 'charts-section.png') });
}, 240_000); // a shared, loaded machine: every wait above is bounded on its own
