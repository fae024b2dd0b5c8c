/**
 * Secrets and exposure with real credentials: a RabbitMQ user with a random password of its own and a private
 * Azurite whose account key is random (not the published development key). Processors, `baton publish` and the
 * dashboard run at debug level through the things that produce error output — jobs that fail, invalid messages,
 * the broker closing connections, storage stopping, wrong passwords and keys, an unreachable broker — and no line
 * they print, no HTTP answer, holds the password or the key. The dashboard listens on loopback by default, and its
 * one write action refuses every request without the right bearer token.
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rabbitmqctl } from '../chaos/broker-faults.js';
import { ChaosCluster } from '../chaos/cluster.js';
import { PrivateAzurite } from '../chaos/private-azurite.js';
import { CLI, freePort, portOpen, sleep, spawnBaton, waitUntil, type BatonProcess } from '../chaos/processes.js';
import { spawn } from 'node:child_process';

const azurite = new PrivateAzurite({ account: 'batonsecure' });
const user = `baton-sec-${randomBytes(4).toString('hex')}`;
const password = `Pw${randomBytes(16).toString('hex')}`;
const amqpUrl = `amqp://${user}:${password}@127.0.0.1:5672`;
const token = `tok-${randomBytes(16).toString('hex')}`;
let cluster: ChaosCluster;
/** Everything printed or answered, by whom. */
const outputs: Array<{ who: string; text: string }> = [];
const processes: BatonProcess[] = [];

function secrets(): string[] {
  const key = azurite.accountKey;
  return [password, key, key.slice(0, 24), key.slice(-24), encodeURIComponent(key).slice(0, 24), token];
}

function start(command: 'processor' | 'dashboard', name: string, env: Record<string, string>): BatonProcess {
  const processor = spawnBaton(command, name, {
    BATON_NAMESPACE: cluster.namespace, BATON_AMQP_URL: amqpUrl, BATON_STORAGE_CONNECTION_STRING: azurite.connectionString,
    BATON_LOG_LEVEL: 'debug', BATON_LEASE_SECONDS: '15', BATON_RETRY_BASE_MS: '200', ...env,
  });
  processes.push(processor);
  return processor;
}

function runCli(args: string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, BATON_NAMESPACE: cluster.namespace, BATON_LOG_LEVEL: 'debug', BATON_LOG_FORMAT: 'json', ...env } });
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
    child.on('exit', (code) => resolve(`${text}\nexit ${code}`));
  });
}

async function answer(who: string, url: string, init?: RequestInit): Promise<{ status: number; body: string }> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  const body = await response.text();
  outputs.push({ who: `${who} ${init?.method ?? 'GET'} ${url}`, text: body });
  return { status: response.status, body };
}

beforeAll(async () => {
  await azurite.start();
  cluster = new ChaosCluster({ namespacePrefix: 'se', storageConnectionString: azurite.connectionString });
  await rabbitmqctl(['add_user', user, password]);
  await rabbitmqctl(['set_permissions', '-p', '/', user, `^${cluster.namespace}\\..*`, `^(${cluster.namespace}\\..*|amq\\.default)$`, `^${cluster.namespace}\\..*`]);
  await cluster.start();
}, 60_000);

afterAll(async () => {
  for (const p of processes) p.signal('SIGKILL');
  await Promise.all(processes.map((p) => p.exited));
  await rabbitmqctl(['delete_user', user]).catch(() => undefined);
  await cluster.dispose();
  await azurite.dispose();
}, 60_000);

describe('secrets', () => {
  it('appear in no log line, error output or HTTP answer, whatever goes wrong', async () => {
    const processor = start('processor', 'processor', {});
    await waitUntil(() => processor.logged('processor started'), 'the processor to start', 30_000);
    const dashboardPort = await freePort();
    const dashboard = start('dashboard', 'dashboard', { BATON_DASHBOARD_PORT: String(dashboardPort), BATON_DASHBOARD_TOKEN: token });
    await waitUntil(() => dashboard.logged('dashboard listening'), 'the dashboard to listen', 30_000);
    const base = `http://127.0.0.1:${dashboardPort}`;
    const env = { BATON_AMQP_URL: amqpUrl, BATON_STORAGE_CONNECTION_STRING: azurite.connectionString };

    // Jobs that complete, fail, and are not jobs at all.
    outputs.push({ who: 'publish', text: await runCli(['publish', '--count', '3', '--steps', '1', '--step-ms', '50'], env) });
    outputs.push({ who: 'publish failing', text: await runCli(['publish', '--fail-times', '3', '--max-attempts', '1', '--steps', '1'], env) });
    await cluster.publishRaw([{ body: Buffer.from('not json') }]);
    // The broker closes the processor's and dashboard's connections.
    await sleep(1500);
    await rabbitmqctl(['list_connections', 'pid', 'user', '--no-table-headers', '--quiet']).then(async (listing) => {
      for (const line of listing.split('\n').filter((l) => l.includes(user))) await rabbitmqctl(['close_connection', line.split('\t')[0]!.trim(), 'security test']).catch(() => undefined);
    });
    // Storage goes away: health, API and publishing fail while it is down.
    await azurite.stop();
    await answer('dashboard', `${base}/health`);
    await answer('dashboard', `${base}/api/jobs`);
    await answer('dashboard', `${base}/api/jobs/anything`);
    await answer('dashboard', `${base}/api/stats`);
    outputs.push({ who: 'publish while storage is down', text: await runCli(['publish', '--steps', '1', '--step-ms', '0'], env) });
    await sleep(2000);
    await azurite.start();
    await waitUntil(async () => (await answer('dashboard', `${base}/health`)).status === 200, 'health to recover', 30_000, 500);
    await answer('dashboard', `${base}/metrics`);
    await answer('dashboard', `${base}/api/info`);

    // Wrong password, wrong key, unreachable broker, unparseable settings: each fails loudly, without the secret.
    const wrongKey = azurite.connectionString.replace(azurite.accountKey, randomBytes(64).toString('base64'));
    const failures = [
      start('processor', 'wrong password', { BATON_AMQP_URL: amqpUrl.replace(password, `${password}x`) }),
      start('processor', 'wrong key', { BATON_STORAGE_CONNECTION_STRING: wrongKey }),
      start('processor', 'no broker', { BATON_AMQP_URL: amqpUrl.replace(':5672', `:${await freePort()}`) }),
      start('processor', 'port out of range', { BATON_AMQP_URL: amqpUrl.replace(':5672', ':99999') }),
      start('dashboard', 'dashboard wrong key', { BATON_STORAGE_CONNECTION_STRING: wrongKey, BATON_DASHBOARD_PORT: String(await freePort()) }),
    ];
    outputs.push({ who: 'publish wrong password', text: await runCli(['publish'], { ...env, BATON_AMQP_URL: amqpUrl.replace(password, 'nope') }) });
    outputs.push({ who: 'publish bad url', text: await runCli(['publish'], { ...env, BATON_AMQP_URL: `amqq://${user}:${password}@127.0.0.1` }) });
    await sleep(4000);
    for (const p of failures) p.signal('SIGTERM');
    await Promise.all(failures.map((p) => Promise.race([p.exited, sleep(15_000)])));
    processor.signal('SIGTERM');
    dashboard.signal('SIGTERM');
    await Promise.all([processor.exited, dashboard.exited]);

    for (const p of processes) outputs.push({ who: p.name, text: p.lines.join('\n') });
    expect(outputs.some((o) => /ECONNREFUSED|storage unavailable|cannot reach RabbitMQ|refused/i.test(o.text))).toBe(true);
    expect(failures[0]!.lines.join('\n')).toMatch(/ACCESS.REFUSED|refused/i);
    for (const { who, text } of outputs) {
      for (const secret of secrets()) expect(text.includes(secret), `${who} printed a secret (${secret.slice(0, 4)}…)`).toBe(false);
    }
  }, 110_000);
});

describe('the dashboard', () => {
  it('listens on loopback unless told otherwise', async () => {
    const port = await freePort();
    const dashboard = start('dashboard', 'dashboard defaults', { BATON_DASHBOARD_PORT: String(port), BATON_DASHBOARD_HOST: '' });
    await waitUntil(() => dashboard.logged('dashboard listening'), 'the dashboard to listen', 30_000);
    expect(dashboard.lines.find((line) => line.includes('dashboard listening'))).toContain(`http://127.0.0.1:${port}`);
    expect(await portOpen(port, '127.0.0.1')).toBe(true);
    const external = Object.values(os.networkInterfaces()).flat().filter((a) => a && !a.internal && a.family === 'IPv4').map((a) => a!.address);
    for (const address of external) expect(await portOpen(port, address), `reachable on ${address}`).toBe(false);
    dashboard.signal('SIGTERM');
    await dashboard.exited;
  }, 60_000);

  it('refuses its write action without the right bearer token, and has no other', async () => {
    const port = await freePort();
    const dashboard = start('dashboard', 'dashboard with token', { BATON_DASHBOARD_PORT: String(port), BATON_DASHBOARD_TOKEN: token });
    await waitUntil(() => dashboard.logged('dashboard listening'), 'the dashboard to listen', 30_000);
    const base = `http://127.0.0.1:${port}`;
    const post = (headers: Record<string, string>, path = '/api/demo-jobs') => answer('dashboard', `${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{"count":1}' });
    const attempts: Array<Record<string, string>> = [{}, { authorization: 'Bearer wrong-token-0123456789' }, { authorization: `Bearer ${token}x` }, { authorization: `Basic ${Buffer.from(`x:${token}`).toString('base64')}` }, { authorization: `Bearer ${token} extra` }, { authorization: token }, { cookie: `token=${token}` }];
    for (const headers of attempts) {
      expect((await post(headers)).status, JSON.stringify(headers)).toBe(401);
    }
    expect((await post({}, `/api/demo-jobs?token=${token}`)).status).toBe(401);
    for (const method of ['PUT', 'DELETE', 'PATCH']) {
      for (const path of ['/api/jobs', '/api/jobs/x', '/api/demo-jobs', '/health', '/']) {
        const { status } = await answer('dashboard', `${base}${path}`, { method, headers: { authorization: `Bearer ${token}` } });
        expect(status, `${method} ${path}`).toBeGreaterThanOrEqual(400);
        expect(status, `${method} ${path}`).toBeLessThan(500);
      }
    }
    const accepted = await post({ authorization: `Bearer ${token}` });
    expect(accepted.status).toBe(201);
    dashboard.signal('SIGTERM');
    await dashboard.exited;
    // Without a token the action does not exist.
    const port2 = await freePort();
    const closed = start('dashboard', 'dashboard without token', { BATON_DASHBOARD_PORT: String(port2) });
    await waitUntil(() => closed.logged('dashboard listening'), 'the dashboard to listen', 30_000);
    const refused = await answer('dashboard', `http://127.0.0.1:${port2}/api/demo-jobs`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: '{}' });
    expect(refused.status).toBe(403);
    closed.signal('SIGTERM');
    await closed.exited;
  }, 60_000);
});
