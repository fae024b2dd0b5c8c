/**
 * What a new user found the dashboard saying against the README: 405 with Allow for a method a path does
 * not take, count errors naming the documented 1–50, `running` in /api/stats, /health's `ok` (the field a
 * processor's /health answers too), and metric names without a doubled word.
 */
import type { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AZURITE_CONNECTION_STRING } from '../../src/core/config.js';
import { silentLogger } from '../../src/core/logger.js';
import { createApp } from '../../src/dashboard/app.js';
import { openDashboard, type DashboardServices } from '../../src/dashboard/dashboard-services.js';
import { AMQP_URL, TestSystem, waitFor } from '../helpers/system.js';

const TOKEN = 'contract-token-0123456789ab';
const system = new TestSystem();
let services: DashboardServices;
let app: Hono;

beforeAll(async () => {
  await system.start();
  services = await openDashboard({ storageConnectionString: AZURITE_CONNECTION_STRING, amqpUrl: AMQP_URL, namespace: system.namespace, token: TOKEN, logger: silentLogger() });
  app = createApp(services.deps);
});

afterAll(async () => {
  await services?.close();
  await system.stop();
});

describe('the dashboard as the README describes it', () => {
  it.each([
    ['DELETE', '/api/jobs', 'GET, HEAD'],
    ['POST', '/api/jobs/some-job/summary', 'GET, HEAD'],
    ['GET', '/api/purge', 'POST'],
    ['PUT', '/api/demo-jobs', 'POST'],
  ])('%s %s is a 405 with Allow: %s', async (method, path, allow) => {
    const response = await app.request(path, { method });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe(allow);
    expect(await response.json()).toMatchObject({ code: 'method_not_allowed' });
  });

  it('still answers 404 for a path no method takes', async () => {
    expect((await app.request('/api/nothing-here', { method: 'DELETE' })).status).toBe(404);
  });

  it.each([47321479032283048, 51, 0, 2.5, '5'])('POST /api/demo-jobs {"count": %j} names the documented range', async (count) => {
    const response = await app.request('/api/demo-jobs', {
      method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: `{"count": ${JSON.stringify(count)}}`,
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'body count: must be an integer from 1 to 50' });
  });

  it('/api/stats says running (and keeps inFlight as an alias); /health says ok', async () => {
    // The broker probe connects in the background: until then the queue depths are null.
    const stats = await waitFor(async () => {
      const body = (await (await app.request('/api/stats')).json()) as Record<string, unknown>;
      return body.queues !== null ? body : undefined;
    }, 'queue depths in /api/stats', 20_000, 500);
    expect(stats.running).toEqual(expect.any(Number));
    expect(stats.inFlight).toBe(stats.running);
    expect(stats.queues).toMatchObject({ jobs: expect.any(Number), delayed: expect.any(Number), dead: expect.any(Number) });
    const health = (await (await app.request('/health')).json()) as Record<string, unknown>;
    expect(health).toMatchObject({ status: 'ok', ok: true });
  });

  it('names its process metrics without a doubled word', async () => {
    const text = await (await app.request('/metrics')).text();
    expect(text).toContain('baton_dashboard_process_cpu_user_seconds_total');
    expect(text).not.toMatch(/(\w+)_\1_/);
  });

});
