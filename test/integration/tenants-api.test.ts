/**
 * `/api/tenants` and `baton tenants` over the real Azurite store: limits set through PUT behind the
 * operator token, read back with defaults applied, bad input answered 4xx; the CLI sets and shows the same.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Hono } from 'hono';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { AZURITE_CONNECTION_STRING } from '../../src/core/config.js';
import { parseRate } from '../../src/contracts/tenant-limits.js';
import { silentLogger } from '../../src/core/logger.js';
import { createApp } from '../../src/dashboard/app.js';
import { openDashboard, type DashboardServices } from '../../src/dashboard/dashboard-services.js';
import { deleteNamespaceStorage } from '../helpers/cleanup.js';
import { freshNamespace } from '../helpers/namespace.js';
import { AMQP_URL } from '../helpers/system.js';

const TOKEN = 'tenant-token-0123456789abcdef';
const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/cli.js');
const namespace = freshNamespace('ta');
let services: DashboardServices;
let app: Hono;

beforeAll(async () => {
  services = await openDashboard({
    storageConnectionString: AZURITE_CONNECTION_STRING, amqpUrl: AMQP_URL, namespace, token: TOKEN, logger: silentLogger(),
    tenantDefaults: { concurrency: 10, rate: parseRate('100/min') },
  });
  app = createApp(services.deps);
});
afterAll(async () => {
  await services.close();
  await deleteNamespaceStorage(namespace, AZURITE_CONNECTION_STRING);
});

const put = (tenantId: string, body: unknown, token: string | null = TOKEN) =>
  app.request(`/api/tenants/${tenantId}`, {
    method: 'PUT',
    body: typeof body === 'string' ? body : JSON.stringify(body),
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
  });

it('sets a tenant\'s limits with the operator token and shows them with the defaults for the rest', async () => {
  const response = await put('acme', { concurrency: 3 });
  expect(response.status).toBe(200);
  expect(await response.json()).toMatchObject({ tenantId: 'acme', limits: { concurrency: 3, rate: '100/min' }, overrides: { concurrency: true, rate: false } });
  expect((await put('acme', { rate: null })).status).toBe(200);
  const read = (await (await app.request('/api/tenants/acme')).json()) as Record<string, unknown>;
  expect(read).toMatchObject({ limits: { concurrency: 3, rate: null }, use: { running: 0, startsInWindow: null, throttledWaiting: 0 } });
  const list = (await (await app.request('/api/tenants')).json()) as Array<{ tenantId: string }>;
  expect(list.map((t) => t.tenantId)).toContain('acme');
});

it('refuses writes without the operator token and bad input with a 4xx naming the problem', async () => {
  expect((await put('acme', { concurrency: 1 }, null)).status).toBe(401);
  expect((await put('acme', { concurrency: 1 }, 'wrong-token-0123456789abcdef')).status).toBe(401);
  for (const [tenant, body, field] of [
    ['acme', { concurrency: 0 }, 'concurrency'],
    ['acme', { rate: '5 per minute' }, 'rate'],
    ['acme', { colour: 'red' }, 'body'],
    ['acme', '{not json', 'body'],
    ['acme', {}, 'body'],
    ['bad%20tenant', { concurrency: 1 }, 'tenantId'],
  ] as const) {
    const response = await put(tenant, body);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toContain(field);
  }
  expect((await app.request('/api/tenants/bad%20tenant')).status).toBe(400);
});

it('baton tenants set and show work on the same table', async () => {
  const run = (args: string[]) => promisify(execFile)(process.execPath, [CLI, 'tenants', ...args], { env: { ...process.env, BATON_NAMESPACE: namespace, BATON_TENANT_RATE: '100/min' } });
  await run(['set', 'bolt', '--concurrency', '2', '--rate', '5/10s']);
  const { stdout } = await run(['show', 'bolt', '--json']);
  expect(JSON.parse(stdout)).toMatchObject({ tenantId: 'bolt', limits: { concurrency: 2, rate: '5/10s' } });
  await run(['set', 'bolt', '--rate', 'default']);
  const { stdout: text } = await run(['show', 'bolt']);
  expect(text).toContain('rate 100/min (default)');
  await expect(run(['set', 'bolt', '--concurrency', 'lots'])).rejects.toMatchObject({ stderr: expect.stringContaining('--concurrency') });
});
