/**
 * `baton dev` as a user runs it: a real child process that starts Azurite (in memory, on ports of its
 * own so it does not meet the test Azurite), the dashboard and two processors; a job published into it
 * completes; SIGINT stops everything and leaves no process behind. And the RabbitMQ-unreachable message.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import amqp from 'amqplib';
import { afterAll, describe, expect, it } from 'vitest';
import { AZURITE_CONNECTION_STRING } from '../../src/core/config.js';
import { silentLogger } from '../../src/core/logger.js';
import { namesFor } from '../../src/contracts/names.js';
import { validateJobRequest } from '../../src/contracts/job-request.js';
import { openStorage } from '../../src/storage/baton-storage.js';
import { Publisher } from '../../src/publisher/publisher.js';
import { deleteNamespaceQueues, deleteNamespaceStorage } from '../helpers/cleanup.js';
import { freshNamespace } from '../helpers/namespace.js';
import { AMQP_URL, waitFor } from '../helpers/system.js';
import { freePort, portOpen } from '../../src/dev/ports.js';

const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/cli.js');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function childPids(pid: number): number[] {
  try {
    return execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' }).split('\n').map(Number).filter((n) => n > 0);
  } catch {
    return []; // ps exits 1 when there are none
  }
}

class DevRun {
  out = '';
  err = '';
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  constructor(args: string[], env: Record<string, string>) {
    this.child = spawn(process.execPath, [CLI, 'dev', ...args], { env: { ...process.env, BATON_LOG_FORMAT: 'json', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout?.on('data', (chunk: Buffer) => (this.out += chunk.toString('utf8')));
    this.child.stderr?.on('data', (chunk: Buffer) => (this.err += chunk.toString('utf8')));
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  async ready(): Promise<void> {
    await waitFor(() => {
      if (this.child.exitCode !== null) throw new Error(`baton dev exited ${this.child.exitCode}:\n${this.out}\n${this.err}`);
      return this.out.includes('Baton is running');
    }, 'baton dev to be ready', 45_000, 200);
  }
}

const runs: DevRun[] = [];
const namespaces: string[] = [];
afterAll(async () => {
  for (const run of runs) if (run.child.exitCode === null) run.child.kill('SIGKILL');
  for (const namespace of namespaces) await deleteNamespaceQueues(namespace);
});

function connectionString(blobPort: number, tablePort: number): string {
  return AZURITE_CONNECTION_STRING.replace(':10000/', `:${blobPort}/`).replace(':10002/', `:${tablePort}/`);
}

describe('baton dev', () => {
  it('starts Azurite, two processors and the dashboard; runs a job; SIGINT stops every child', async () => {
    const [blobPort, tablePort, dashboardPort] = [await freePort(), await freePort(), await freePort()];
    const namespace = freshNamespace('dev');
    namespaces.push(namespace);
    const storageConnectionString = connectionString(blobPort, tablePort);
    const run = new DevRun(['--in-memory'], {
      BATON_NAMESPACE: namespace,
      BATON_STORAGE_CONNECTION_STRING: storageConnectionString,
      BATON_DASHBOARD_PORT: String(dashboardPort),
      BATON_SHUTDOWN_GRACE_SECONDS: '5',
    });
    runs.push(run);
    await run.ready();
    expect(run.out).toContain(`http://127.0.0.1:${dashboardPort}`);
    expect(run.out).toContain('in memory');
    expect(run.out).not.toContain('guest:guest'); // the AMQP password is redacted in the banner
    expect(await portOpen('127.0.0.1', blobPort)).toBe(true);
    expect(await portOpen('127.0.0.1', tablePort)).toBe(true);
    const children = childPids(run.child.pid!);
    expect(children).toHaveLength(4); // azurite, two processors, dashboard
    expect(run.out).not.toContain('another stack is already running');
    expect(run.out).not.toContain('from an earlier run');

    const health = await fetch(`http://127.0.0.1:${dashboardPort}/health`);
    expect(health.status).toBe(200);

    const publisher = new Publisher({ amqpUrl: AMQP_URL, storageConnectionString, namespace, publisherId: 'dev-test', logger: silentLogger() });
    await publisher.start();
    const parsed = validateJobRequest({ jobId: crypto.randomUUID(), jobName: 'dev test job', processingParameters: { steps: 2, stepMs: 100 } });
    if (!parsed.ok) throw new Error(parsed.reason);
    await publisher.publish(parsed.job);
    await publisher.close();
    const storage = openStorage(storageConnectionString, namesFor(namespace));
    const completed = await waitFor(async () => (await storage.audit.history(parsed.job.jobId)).find((event) => event.status === 'Completed'), 'the job to complete', 30_000, 200);
    // Named for this stack (its pid), so a second stack in the namespace never writes under the same names.
    expect([`dev-${run.child.pid}-1`, `dev-${run.child.pid}-2`]).toContain(completed.processorId);
    await storage.close();

    // Twice at once, as a wrapper forwarding to its process group delivers one Ctrl-C: still one request,
    // so the processors stop gracefully rather than cancelling their jobs.
    run.child.kill('SIGINT');
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(0);
    expect(run.out).toContain('nothing left running');
    expect(run.out).toContain('stopping gracefully');
    expect(run.out).not.toContain('cancelling running jobs now');
    for (const pid of children) expect(alive(pid), `child ${pid} still running`).toBe(false);
    expect(await portOpen('127.0.0.1', blobPort)).toBe(false);
    expect(await portOpen('127.0.0.1', tablePort)).toBe(false);
    expect(await portOpen('127.0.0.1', dashboardPort)).toBe(false);
  });

  it('says at start-up that another stack consumes the namespace and how many jobs wait from an earlier run', async () => {
    const [blobPort, tablePort, dashboardPort] = [await freePort(), await freePort(), await freePort()];
    const namespace = freshNamespace('dev');
    namespaces.push(namespace);
    const names = namesFor(namespace);
    // Another "stack": a consumer of <ns>.jobs holding one job unacknowledged; two more wait, ready.
    const connection = await amqp.connect(AMQP_URL);
    try {
      const channel = await connection.createChannel();
      await channel.assertQueue(names.jobsQueue, { durable: true });
      for (let i = 0; i < 3; i++) channel.sendToQueue(names.jobsQueue, Buffer.from('{}'));
      await channel.prefetch(1);
      await waitFor(async () => (await channel.checkQueue(names.jobsQueue)).messageCount === 3, 'three ready jobs', 10_000);
      await channel.consume(names.jobsQueue, () => undefined, { noAck: false });
      await waitFor(async () => (await channel.checkQueue(names.jobsQueue)).messageCount === 2, 'the consumer to hold one', 10_000);
      const run = new DevRun(['--in-memory'], {
        BATON_NAMESPACE: namespace,
        BATON_STORAGE_CONNECTION_STRING: connectionString(blobPort, tablePort),
        BATON_DASHBOARD_PORT: String(dashboardPort),
        BATON_SHUTDOWN_GRACE_SECONDS: '5',
      });
      runs.push(run);
      await run.ready();
      expect(run.out).toContain(`another stack is already running in namespace ${namespace} (1 consumer of ${namespace}.jobs`);
      expect(run.out).toContain(`2 messages (2 waiting, 0 delayed, 0 dead letters) wait in namespace ${namespace} from an earlier run`);
      expect(run.out).toContain('jobs purge');
      run.child.kill('SIGINT');
      expect(await run.exited).toBe(0);
    } finally {
      await connection.close();
    }
  });

  it('says plainly that RabbitMQ is unreachable, how to start it, and starts nothing', async () => {
    const [amqpPort, blobPort, tablePort] = [await freePort(), await freePort(), await freePort()];
    const run = new DevRun(['--in-memory'], {
      BATON_AMQP_URL: `amqp://guest:secretpw@127.0.0.1:${amqpPort}`,
      BATON_STORAGE_CONNECTION_STRING: connectionString(blobPort, tablePort),
      BATON_NAMESPACE: freshNamespace('dev'),
    });
    runs.push(run);
    expect(await run.exited).not.toBe(0);
    expect(run.err).toContain(`RabbitMQ is not reachable at amqp://guest:[redacted]@127.0.0.1:${amqpPort}`);
    expect(run.err).toContain('docker compose up -d rabbitmq');
    expect(run.err).toContain('sudo rabbitmq-server -detached');
    expect(run.err).toContain('sudo systemctl start rabbitmq-server');
    expect(run.err).not.toContain('secretpw');
    expect(run.err).not.toMatch(/\n\s+at /); // no stack trace
    expect(run.out).not.toContain('azurite');
    expect(await portOpen('127.0.0.1', blobPort)).toBe(false);
  });

  it('reuses an Azurite that already listens, and --demo keeps publishing', async () => {
    const namespace = freshNamespace('dev');
    namespaces.push(namespace);
    const run = new DevRun(['--demo', '--demo-interval-ms', '300'], {
      BATON_NAMESPACE: namespace,
      BATON_STORAGE_CONNECTION_STRING: AZURITE_CONNECTION_STRING, // the test Azurite on 10000/10002
      BATON_DASHBOARD_PORT: String(await freePort()),
      BATON_SHUTDOWN_GRACE_SECONDS: '0',
      BATON_LOG_LEVEL: 'warn', // readiness must not depend on the children's info lines
    });
    runs.push(run);
    await run.ready();
    expect(run.out).toContain('already answers on 127.0.0.1:10000 (blob) and :10002 (table)');
    expect(childPids(run.child.pid!)).toHaveLength(3); // no Azurite of its own
    const published = () => [...run.out.matchAll(/^demo\s+\| published (\S+)/gm)].map((match) => match[1]!);
    await waitFor(() => published().length >= 3, 'three demo jobs', 20_000, 200);
    const storage = openStorage(AZURITE_CONNECTION_STRING, namesFor(namespace));
    const first = await storage.audit.history(published()[0]!);
    expect(first.map((event) => event.status)).toContain('Queued');
    await storage.close();

    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    expect(await portOpen('127.0.0.1', 10000)).toBe(true); // the Azurite it reused is left alone
    await deleteNamespaceStorage(namespace, AZURITE_CONNECTION_STRING);
  });

  it('when a child dies, stops the others, shows its last lines and exits non-zero', async () => {
    const [blobPort, tablePort, dashboardPort] = [await freePort(), await freePort(), await freePort()];
    const namespace = freshNamespace('dev');
    namespaces.push(namespace);
    const run = new DevRun(['--in-memory'], {
      BATON_NAMESPACE: namespace,
      BATON_STORAGE_CONNECTION_STRING: connectionString(blobPort, tablePort),
      BATON_DASHBOARD_PORT: String(dashboardPort),
      BATON_SHUTDOWN_GRACE_SECONDS: '0',
    });
    runs.push(run);
    await run.ready();
    const children = childPids(run.child.pid!);
    const processorPid = children.find((pid) => execFileSync('ps', ['-o', 'args=', '-p', String(pid)], { encoding: 'utf8' }).includes('cli.js processor'))!;
    process.kill(processorPid, 'SIGKILL');
    expect(await run.exited).toBe(1);
    expect(run.err).toMatch(/dev-\d+-[12] exited unexpectedly \(signal SIGKILL\); stopping everything/);
    for (const pid of children) expect(alive(pid), `child ${pid} still running`).toBe(false);
  });

  it('a command that finds no storage says so in one line, without a stack trace', async () => {
    const [blobPort, tablePort] = [await freePort(), await freePort()];
    const child = spawn(process.execPath, [CLI, 'processor'], {
      env: { ...process.env, BATON_STORAGE_CONNECTION_STRING: connectionString(blobPort, tablePort), BATON_NAMESPACE: freshNamespace('dev') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
    expect(err).toContain(`baton: Azure Storage is not reachable (connect ECONNREFUSED 127.0.0.1:${blobPort})`);
    expect(err).toContain('BATON_STORAGE_CONNECTION_STRING');
    expect(err).not.toMatch(/\n\s+at /);
  });
});
