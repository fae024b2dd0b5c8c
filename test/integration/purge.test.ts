/**
 * Clearing a namespace: `baton jobs purge` (a confirmation stating the count, `--yes` for scripts, `--json`)
 * and `POST /api/purge` behind the token with `{ "confirm": "<namespace>" }`, on the real RabbitMQ.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AZURITE_CONNECTION_STRING } from '../../src/core/config.js';
import { silentLogger } from '../../src/core/logger.js';
import { createApp } from '../../src/dashboard/app.js';
import { openDashboard, type DashboardServices } from '../../src/dashboard/dashboard-services.js';
import { runPurge } from '../../src/queues/purge-command.js';
import { AMQP_URL, TestSystem } from '../helpers/system.js';

const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/cli.js');
const TOKEN = 'purge-token-0123456789abcdef';
const system = new TestSystem();
let services: DashboardServices;
let app: Hono;

function run(args: string[]) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, BATON_NAMESPACE: system.namespace, BATON_LOG_FORMAT: 'json' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdin.end('');
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Jobs waiting in `<ns>.jobs` (no processor runs in this file) and one message in the dead-letter queue. */
async function fill(jobs: number): Promise<void> {
  await system.publish(Array.from({ length: jobs }, () => system.job()));
  system.channel.sendToQueue(system.names.deadQueue, Buffer.from('{}'));
  await system.channel.checkQueue(system.names.deadQueue); // a round trip: the send has reached the broker
}

const config = () => ({ amqpUrl: AMQP_URL, namespace: system.namespace, connectTimeoutSeconds: 10 });

beforeAll(async () => {
  await system.start();
  services = await openDashboard({ storageConnectionString: AZURITE_CONNECTION_STRING, amqpUrl: AMQP_URL, namespace: system.namespace, token: TOKEN, logger: silentLogger() });
  app = createApp(services.deps);
});

afterAll(async () => {
  await services?.close();
  await system.stop();
});

describe('baton jobs purge', () => {
  it('states the count and purges only after "yes"', async () => {
    await fill(3);
    const questions: string[] = [];
    let out = '';
    const sink = { write: (text: string) => ((out += text), true) } as unknown as NodeJS.WritableStream;
    const declined = await runPurge({ config: config(), yes: false, json: false, out: sink, ask: async (q) => (questions.push(q), 'no') });
    expect(declined).toBeUndefined();
    expect(questions[0]).toContain(`Purge 4 messages (3 waiting, 0 delayed, 1 dead letter) from namespace "${system.namespace}"?`);
    expect(await system.messageCount(system.names.jobsQueue)).toBe(3);

    const purged = await runPurge({ config: config(), yes: false, json: false, out: sink, ask: async () => 'yes' });
    expect(purged).toEqual({ jobs: 3, delayed: 0, dead: 1, total: 4 });
    expect(out).toContain(`purged 4 messages (3 waiting, 0 delayed, 1 dead letter) from namespace ${system.namespace}`);
    expect(await system.messageCount(system.names.jobsQueue)).toBe(0);
    expect(await system.messageCount(system.names.deadQueue)).toBe(0);
  });

  it('refuses to purge without a terminal unless --yes, saying how many wait; --yes --json purges and reports', async () => {
    await fill(2);
    const refused = await run(['jobs', 'purge']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`namespace ${system.namespace} holds 3 messages (2 waiting, 0 delayed, 1 dead letter)`);
    expect(refused.stderr).toContain('--yes');
    expect(await system.messageCount(system.names.jobsQueue)).toBe(2);

    const purged = await run(['jobs', 'purge', '--yes', '--json']);
    expect(purged.code, purged.stderr).toBe(0);
    expect(JSON.parse(purged.stdout)).toEqual({ namespace: system.namespace, purged: { jobs: 2, delayed: 0, dead: 1, total: 3 } });
    expect(await system.messageCount(system.names.jobsQueue)).toBe(0);
  });
});

describe('POST /api/purge', () => {
  const post = (body: string, token = TOKEN) =>
    app.request('/api/purge', { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body });

  it('needs the token and the namespace spelt out', async () => {
    await fill(2);
    expect((await post(JSON.stringify({ confirm: system.namespace }), 'wrong-token-0123456789')).status).toBe(401);
    const missing = await post('{}');
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ error: expect.stringContaining('confirm') });
    const wrong = await post(JSON.stringify({ confirm: 'baton' }));
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toMatchObject({ error: `body confirm: must be the namespace, "${system.namespace}", to confirm the purge` });
    expect(await system.messageCount(system.names.jobsQueue)).toBe(2);
  });

  it('purges with the confirmation and says how many messages each queue held', async () => {
    const response = await post(JSON.stringify({ confirm: system.namespace }));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ namespace: system.namespace, purged: { jobs: 2, delayed: 0, dead: 1, total: 3 } });
    expect(await system.messageCount(system.names.jobsQueue)).toBe(0);
  });
});
