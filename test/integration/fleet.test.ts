/**
 * The fleet over real processes: two processors report themselves through heartbeats, `GET /api/processors`
 * shows what each runs with its lease's expiry, a SIGKILLed one turns `lost` within 30 s, one stopped with
 * SIGTERM is `stopped` at once; and a processor's /metrics carries seed 000's figures.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ChartData, ProcessorInfo } from '../../src/contracts/fleet.js';
import { AZURITE_CONNECTION_STRING } from '../../src/core/config.js';
import { silentLogger } from '../../src/core/logger.js';
import { createApp } from '../../src/dashboard/app.js';
import { openDashboard, type DashboardServices } from '../../src/dashboard/dashboard-services.js';
import { freePort } from '../../src/dev/ports.js';
import { AMQP_URL, TestSystem, waitFor } from '../helpers/system.js';

const system = new TestSystem();
let services: DashboardServices;
let app: ReturnType<typeof createApp>;

async function processors(): Promise<ProcessorInfo[]> {
  const response = await app.request('/api/processors');
  expect(response.status).toBe(200);
  return (await response.json()) as ProcessorInfo[];
}

const find = async (processorId: string) => (await processors()).find((p) => p.processorId === processorId);

beforeAll(async () => {
  await system.start();
  services = await openDashboard({ storageConnectionString: AZURITE_CONNECTION_STRING, amqpUrl: AMQP_URL, namespace: system.namespace, token: undefined, logger: silentLogger() });
  app = createApp(services.deps);
});

afterAll(async () => {
  await services?.close();
  await system.stop();
});

it('lists live processors with their jobs, shows a SIGKILLed one as lost within 30 s and a SIGTERMed one as stopped at once', async () => {
  const a = await system.startProcessor({ BATON_CONCURRENCY: '2', BATON_LEASE_SECONDS: '15', BATON_RENEW_SECONDS: '5' });
  const b = await system.startProcessor({ BATON_LEASE_SECONDS: '15', BATON_RENEW_SECONDS: '5' });

  // The first heartbeat is written as a processor starts.
  const both = await waitFor(async () => {
    const list = await processors();
    return list.filter((p) => p.state === 'live').length === 2 ? list : undefined;
  }, 'two live processors', 15_000, 250);
  const infoA = both.find((p) => p.processorId === a.processorId)!;
  expect(infoA).toMatchObject({ concurrency: 2, partitions: 'all', heartbeatSeconds: 10, runningCount: 0 });
  expect(infoA.host.length).toBeGreaterThan(0);
  expect(infoA.version).toMatch(/^\d+\.\d+\.\d+/);
  expect(Date.parse(infoA.startedAt)).toBeLessThanOrEqual(Date.parse(infoA.heartbeatAt));

  // Whichever processor takes the long job is the one killed.
  const long = system.job({ jobName: 'long job', processingParameters: { steps: 60, stepMs: 1000 } });
  await system.publish([long]);
  const holder = await waitFor(async () => (await processors()).find((p) => p.running.some((r) => r.jobId === long.jobId)), 'the job in a heartbeat', 30_000, 500);
  const running = holder.running.find((r) => r.jobId === long.jobId)!;
  expect(running).toMatchObject({ lockKey: long.lockKey, type: 'steps', attempt: 1 });
  expect(Date.parse(running.leaseExpiresAt)).toBeGreaterThan(Date.parse(holder.heartbeatAt));
  expect(holder.runningCount).toBe(1);

  const victim = holder.processorId === a.processorId ? a : b;
  const survivor = victim === a ? b : a;
  victim.signal('SIGKILL');
  const killedAt = Date.now();
  await waitFor(async () => (await find(victim.processorId))?.state === 'lost', 'the killed processor to be lost', 40_000, 500);
  expect(Date.now() - killedAt).toBeLessThan(30_000 + 2_000); // + one read of the dashboard's 2 s cache
  expect((await find(survivor.processorId))?.state).toBe('live');

  survivor.signal('SIGTERM');
  await survivor.exited;
  const stoppedAt = Date.now();
  await waitFor(async () => (await find(survivor.processorId))?.state === 'stopped', 'the stopped processor', 5_000, 100);
  expect(Date.now() - stoppedAt).toBeLessThan(5_000);
  expect((await find(victim.processorId))?.state).toBe('lost');
});

/** The value of one series in Prometheus text, or 0 when it is absent. */
function metric(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

it("exposes seed 000's figures on a processor's /metrics", async () => {
  const metricsPort = await freePort();
  // Concurrency 4: the long job of the first test may come back here, and must not hold these up.
  await system.startProcessor({ BATON_METRICS_PORT: String(metricsPort), BATON_CONCURRENCY: '4' });
  const ok = system.job({ jobName: 'fine', processingParameters: { steps: 1, stepMs: 10 } });
  const flaky = system.job({ jobName: 'fails once', processingParameters: { steps: 1, stepMs: 10, failTimes: 1 } });
  await system.publish([ok, flaky]);
  await system.waitForAll([ok.jobId, flaky.jobId], 'Completed');
  const text = await waitFor(async () => {
    const body = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    return metric(body, 'baton_jobs_processed_total{outcome="completed"}') >= 2 ? body : undefined;
  }, 'metrics to count both completions', 10_000, 200);
  expect(metric(text, 'baton_jobs_claimed_total{type="steps"}')).toBeGreaterThanOrEqual(3);
  expect(metric(text, 'baton_jobs_processed_total{outcome="failed"}')).toBe(1);
  for (const outcome of ['requeued', 'lease_lost', 'timed_out', 'cancelled']) expect(text).toContain(`baton_jobs_processed_total{outcome="${outcome}"}`);
  expect(text).toMatch(/^baton_jobs_in_flight \d+$/m);
  expect(metric(text, 'baton_job_duration_seconds_count{type="steps",outcome="completed"}')).toBeGreaterThanOrEqual(2);
  expect(metric(text, 'baton_job_duration_seconds_count{type="steps",outcome="failed"}')).toBe(1);
  expect(text).toContain('baton_lease_renewals_total');
  expect(metric(text, 'baton_errors_total{kind="delivery"}')).toBe(0);
});

it('serves the roll-up as chart series, refuses an unknown range, and documents both routes', async () => {
  // The previous test's jobs (two completed, one failed attempt) reach the roll-up with the next heartbeat.
  const charts = await waitFor(async () => {
    const body = (await (await app.request('/api/charts?range=1h')).json()) as ChartData;
    const completed = (body.completed.steps ?? []).reduce((a, b) => a + b, 0);
    return completed >= 2 ? body : undefined;
  }, 'the roll-up to reach the charts', 30_000, 500);
  expect(charts.minutes).toHaveLength(60);
  expect((charts.failed.steps ?? []).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(1);
  expect(charts.run.p50.some((v) => v !== null)).toBe(true);
  expect(charts.wait.p50.some((v) => v !== null)).toBe(true);
  expect(((await (await app.request('/api/charts?range=24h')).json()) as ChartData).minutes).toHaveLength(1440);

  const bad = await app.request('/api/charts?range=7d');
  expect(bad.status).toBe(400);
  expect(((await bad.json()) as { error: string }).error).toMatch(/range/);
  const doc = (await (await app.request('/api/openapi.json')).json()) as { paths: Record<string, unknown> };
  expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/processors', '/api/charts']));
});
