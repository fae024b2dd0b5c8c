/**
 * @module The services a benchmark runs on: a dedicated in-memory Azurite (so other people's tests on
 * the shared one neither slow us nor get slowed), RabbitMQ, and one namespace per run that is removed
 * afterwards (queues including the delay ladder, tables, containers).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { BlobServiceClient } from '@azure/storage-blob';
import { TableClient } from '@azure/data-tables';
import amqp from 'amqplib';
import { namesFor, type Names } from '../../src/contracts/names.js';
import { deleteTopology } from '../../src/broker/topology.js';
import { freshNamespace } from '../../test/helpers/namespace.js';
import { freePort, portOpen } from '../../src/dev/ports.js';

export { freePort };

export const AMQP_URL = process.env.BATON_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const DEV_ACCOUNT = 'devstoreaccount1';
const DEV_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

/** A progress line on stderr (the report goes to stdout). */
export function note(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

/** Whether the storage emulator answers a trivial request within `ms`: tells a stalled Azurite from a stalled client. */
export async function storageAnswers(connectionString: string, ms = 5000): Promise<string> {
  const started = performance.now();
  try {
    await BlobServiceClient.fromConnectionString(connectionString).getProperties({ abortSignal: AbortSignal.timeout(ms) });
    return `storage answered in ${Math.round(performance.now() - started)} ms`;
  } catch (error) {
    return `storage did not answer within ${ms} ms (${(error as Error).name})`;
  }
}

/**
 * Waits until `progress()` reaches `target`, failing early when it has not moved for `stallMs` (with
 * `diagnose()` in the message) and at the latest after `timeoutMs`.
 */
export async function waitForProgress(progress: () => Promise<number>, target: number, what: string, options: { timeoutMs: number; stallMs: number; everyMs?: number; diagnose?: () => Promise<string> }): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let last = -1;
  let movedAt = Date.now();
  for (;;) {
    const value = await progress();
    if (value >= target) return;
    if (value !== last) {
      last = value;
      movedAt = Date.now();
    }
    const stalled = Date.now() - movedAt > options.stallMs;
    if (stalled || Date.now() > deadline) {
      const why = stalled ? `no progress for ${options.stallMs / 1000} s` : `timed out after ${options.timeoutMs / 1000} s`;
      throw new Error(`${what}: ${why} at ${value} of ${target}${options.diagnose ? `; ${await options.diagnose()}` : ''}`);
    }
    await sleep(options.everyMs ?? 250);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `probe` until it returns something truthy; bounded by `timeoutMs`. */
export async function waitUntil<T>(probe: () => Promise<T | undefined | false> | T | undefined | false, what: string, timeoutMs: number, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Everything a run started, so that an interrupted run (Ctrl-C, a crash) still cleans up after itself. */
const liveChildren = new Set<ChildProcess>();
const liveSpaces = new Set<Space>();

export function trackChild(child: ChildProcess): void {
  liveChildren.add(child);
  child.once('exit', () => liveChildren.delete(child));
}

/** Kills every child this run started and deletes every namespace it has not cleaned up yet. */
export async function abandonRun(): Promise<void> {
  for (const child of liveChildren) {
    child.kill('SIGCONT');
    child.kill('SIGKILL');
  }
  await Promise.race([Promise.all([...liveSpaces].map((space) => space.cleanup())), sleep(15_000)]);
}

export interface Azurite {
  readonly connectionString: string;
  readonly pid: number;
  stop(): Promise<void>;
}

/** Starts an in-memory Azurite on free loopback ports; `stop()` ends that process (and only it). */
export async function startAzurite(): Promise<Azurite> {
  const require = createRequire(import.meta.url);
  const entry = require.resolve('azurite/dist/src/azurite.js');
  const [blobPort, tablePort, queuePort] = [await freePort(), await freePort(), await freePort()];
  const child: ChildProcess = spawn(
    process.execPath,
    [entry, '--silent', '--disableTelemetry', '--inMemoryPersistence', '--skipApiVersionCheck',
      '--blobHost', '127.0.0.1', '--blobPort', String(blobPort), '--tableHost', '127.0.0.1', '--tablePort', String(tablePort),
      '--queueHost', '127.0.0.1', '--queuePort', String(queuePort)],
    { stdio: 'ignore' },
  );
  trackChild(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await waitUntil(async () => (await portOpen('127.0.0.1', blobPort)) && (await portOpen('127.0.0.1', tablePort)), 'Azurite to listen', 30_000, 200);
  return {
    connectionString:
      `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT};AccountKey=${DEV_KEY};` +
      `BlobEndpoint=http://127.0.0.1:${blobPort}/${DEV_ACCOUNT};TableEndpoint=http://127.0.0.1:${tablePort}/${DEV_ACCOUNT};`,
    pid: child.pid ?? -1,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await Promise.race([exited, sleep(5000)]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

/**
 * One namespace for one measurement: Baton's names, plus any extra queues, tables and containers the
 * measurement creates. `cleanup()` deletes all of them and never throws.
 */
export class Space {
  readonly namespace: string;
  readonly names: Names;
  readonly extraQueues: string[] = [];
  readonly extraTables: string[] = [];
  readonly extraContainers: string[] = [];

  constructor(readonly connectionString: string, prefix = 'bench') {
    this.namespace = freshNamespace(prefix);
    this.names = namesFor(this.namespace);
    liveSpaces.add(this);
  }

  /** Environment for a `baton` child process in this namespace. */
  env(extra: Record<string, string> = {}): Record<string, string> {
    return {
      BATON_NAMESPACE: this.namespace,
      BATON_STORAGE_CONNECTION_STRING: this.connectionString,
      BATON_AMQP_URL: AMQP_URL,
      BATON_LOG_FORMAT: 'json',
      ...extra,
    };
  }

  async cleanup(): Promise<void> {
    liveSpaces.delete(this);
    try {
      const connection = await amqp.connect(AMQP_URL);
      const channel = await connection.createChannel();
      channel.on('error', () => undefined);
      await deleteTopology(channel, this.names, this.extraQueues).catch(() => undefined);
      await connection.close();
    } catch {
      // The broker is gone: nothing more to delete there.
    }
    const blobs = BlobServiceClient.fromConnectionString(this.connectionString);
    for (const container of [this.names.locksContainer, ...this.extraContainers]) {
      await blobs.getContainerClient(container).deleteIfExists().catch(() => undefined);
    }
    for (const table of [this.names.auditTable, this.names.recentTable, this.names.schedulesTable, ...this.extraTables]) {
      await TableClient.fromConnectionString(this.connectionString, table, { allowInsecureConnection: true }).deleteTable().catch(() => undefined);
    }
  }
}
