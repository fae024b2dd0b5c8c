/** `/api/schedules` over the real Azurite and RabbitMQ: list, add, refuse, pause, resume, trigger, remove. */
import type { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AZURITE_CONNECTION_STRING } from '../../src/core/config.js';
import { silentLogger } from '../../src/core/logger.js';
import { createApp } from '../../src/dashboard/app.js';
import { openDashboard, type DashboardServices } from '../../src/dashboard/dashboard-services.js';
import { deleteNamespaceQueues, deleteNamespaceStorage } from '../helpers/cleanup.js';
import { freshNamespace } from '../helpers/namespace.js';
import { AMQP_URL } from '../helpers/system.js';

const TOKEN = 'schedules-token-0123456789';
const VIEWER = 'schedules-viewer-0123456789';
const namespace = freshNamespace('s');
let services: DashboardServices;
let app: Hono;

const read = (path: string) => app.request(path, { headers: { authorization: `Bearer ${VIEWER}` } });
const write = (method: string, path: string, body?: unknown, token: string | null = TOKEN) =>
  app.request(path, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });

beforeAll(async () => {
  services = await openDashboard({ storageConnectionString: AZURITE_CONNECTION_STRING, amqpUrl: AMQP_URL, namespace, tokens: `ops:operator:${TOKEN},watch:viewer:${VIEWER}`, token: undefined, logger: silentLogger() });
  app = createApp(services.deps);
});

afterAll(async () => {
  await services.close();
  await deleteNamespaceQueues(namespace);
  await deleteNamespaceStorage(namespace, AZURITE_CONNECTION_STRING);
});

describe('/api/schedules', () => {
  it('adds a schedule and lists it with its next runs in its zone', async () => {
    const created = await write('POST', '/api/schedules', { name: 'nightly', cron: '0 2 * * *', timeZone: 'Europe/Berlin', job: { jobName: 'Nightly', priority: 3 } });
    expect(created.status).toBe(201);
    const view = (await created.json()) as { nextRuns: string[]; paused: boolean; lastRuns: string[] };
    expect(view).toMatchObject({ name: 'nightly', cron: '0 2 * * *', timeZone: 'Europe/Berlin', paused: false, lastRuns: [] });
    expect(view.nextRuns).toHaveLength(5);
    // 02:00 in Berlin is 01:00 or 00:00 UTC, depending on the season.
    expect(view.nextRuns.every((run) => /T0[01]:00:00\.000Z$/.test(run))).toBe(true);
    const listed = (await (await read('/api/schedules')).json()) as Array<{ name: string }>;
    expect(listed.map((s) => s.name)).toEqual(['nightly']);
  });

  it('refuses a bad expression, zone, name or job with a 400 naming it, a second add with 409, and writes without a token', async () => {
    for (const [body, message] of [
      [{ name: 'x', cron: '61 * * * *' }, /minute/],
      [{ name: 'x', cron: '0 2 * * *', timeZone: 'Mars/Olympus' }, /time zone "Mars\/Olympus"/],
      [{ name: 'bad name!', cron: '0 2 * * *' }, /schedule name/],
      [{ name: 'x', cron: '0 2 * * *', job: { maxAttempts: 0 } }, /maxAttempts/],
      [{ name: 'x', cron: '0 2 * * *', job: { jobId: 'fixed' } }, /jobId/],
    ] as const) {
      const response = await write('POST', '/api/schedules', body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(((await response.json()) as { error: string }).error).toMatch(message);
    }
    expect((await write('POST', '/api/schedules', { name: 'nightly', cron: '* * * * *' })).status).toBe(409);
    expect((await write('POST', '/api/schedules', { name: 'y', cron: '* * * * *' }, null)).status).toBe(401);
    expect((await write('DELETE', '/api/schedules/nightly', undefined, 'wrong-token-0123456789')).status).toBe(401);
    // The access guard: a viewer's token reads but never writes.
    expect((await write('POST', '/api/schedules/nightly/pause', undefined, VIEWER)).status).toBe(403);
  });

  it('pauses, resumes, triggers and removes', async () => {
    const paused = (await (await write('POST', '/api/schedules/nightly/pause')).json()) as { paused: boolean; nextRuns: string[] };
    expect(paused).toMatchObject({ paused: true, nextRuns: [] });
    expect(((await (await write('POST', '/api/schedules/nightly/resume')).json()) as { paused: boolean }).paused).toBe(false);
    const triggered = await write('POST', '/api/schedules/nightly/trigger');
    expect(triggered.status).toBe(202);
    const { jobId } = (await triggered.json()) as { jobId: string };
    expect(jobId).toMatch(/^nightly:\d{4}-/);
    expect((await services.storage.audit.history(jobId))[0]).toMatchObject({ status: 'Queued', jobName: 'Nightly', message: expect.stringMatching(/ by ops$/) as unknown });
    expect((await write('POST', '/api/schedules/nope/pause')).status).toBe(404);
    expect((await write('DELETE', '/api/schedules/nightly')).status).toBe(204);
    expect((await write('DELETE', '/api/schedules/nightly')).status).toBe(404);
    expect(await (await read('/api/schedules')).json()).toEqual([]);
  });

  it('answers run-now for a job that is not waiting with 409, an unknown one with 404, and a bad id with 400', async () => {
    expect((await write('POST', '/api/jobs/no-such-job/run-now')).status).toBe(404);
    expect((await write('POST', '/api/jobs/bad%20id/run-now')).status).toBe(400);
    await services.storage.audit.append({ jobId: 'plain-job', jobName: 'plain', status: 'Queued', attempt: 0, processorId: 'p', message: 'q' });
    const refused = await write('POST', '/api/jobs/plain-job/run-now');
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { error: string }).error).toMatch(/not waiting/);
    expect((await write('POST', '/api/jobs/plain-job/run-now', undefined, null)).status).toBe(401);
    expect((await write('POST', '/api/jobs/plain-job/run-now', undefined, VIEWER)).status).toBe(403);
  });
});
