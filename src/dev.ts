/**
 * @module `baton dev` (`npm start`): the whole system on one machine — an embedded Azurite, the
 * dashboard and two processors as child processes, optionally a demo publisher — stopped together on
 * Ctrl-C with nothing left running. RabbitMQ is checked first and never started: it is a system service.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from './core/config.js';
import { BatonError, ConfigError } from './core/errors.js';
import type { Logger } from './core/logger.js';
import { redact } from './core/redact.js';
import { ensureAzurite, localAzuriteEndpoints, type AzuriteEndpoints } from './dev/azurite.js';
import { checkBroker } from './dev/broker-check.js';
import { DevChild, describeExit } from './dev/child-process.js';
import { DemoPublisher } from './dev/demo-publisher.js';
import { childEnvironment } from './dev/dev-settings.js';
import { namespaceNotices } from './dev/namespace-notice.js';
import { namesFor } from './contracts/names.js';
import { NamespaceQueues } from './queues/namespace-queues.js';
import { freePort, portOpen, probeHost, waitForHealthy, waitForPort } from './dev/ports.js';

const DIST = path.dirname(fileURLToPath(import.meta.url));
const CLI = path.join(DIST, 'cli.js');
/** `.data/` is git-ignored; Azurite's files live there between runs unless `--in-memory`. */
export const AZURITE_DATA_DIR = path.join(DIST, '..', '.data', 'azurite');
/** Unique per stack: a second `npm start` in the namespace must not write under the same names. */
export const devProcessorIds = (pid = process.pid) => [`dev-${pid}-1`, `dev-${pid}-2`];
const PROCESSOR_IDS = devProcessorIds();
const NAME_WIDTH = 9;

export interface DevOptions {
  readonly config: Config;
  readonly logger: Logger;
  readonly inMemory: boolean;
  readonly demo: boolean;
  readonly demoIntervalMs: number;
  /** The banner and every child's prefixed output. */
  readonly out?: NodeJS.WritableStream;
}

/** Thrown into the start-up sequence when a signal arrives before everything is up. */
class StopRequested extends Error {}

export async function runDev(options: DevOptions): Promise<void> {
  const { config } = options;
  const out = options.out ?? process.stdout;
  // Nothing starts before the broker answers: a missing RabbitMQ is the commonest first-run problem.
  await checkBroker(config.amqpUrl);
  const dashboardHost = probeHost(config.dashboardHost);
  if (await portOpen(dashboardHost, config.dashboardPort)) {
    throw new ConfigError(
      `port ${config.dashboardPort} on ${dashboardHost} is already in use (another dashboard?): stop it, or choose another ` +
        'port with BATON_DASHBOARD_PORT (--port)',
    );
  }
  for (const notice of await inspectNamespace(options)) out.write(`${notice}\n`);
  const endpoints = localAzuriteEndpoints(config.storageConnectionString);
  const session = new DevSession(options, out);
  try {
    await session.run(endpoints);
  } finally {
    await session.shutdown();
  }
}

/** Another stack in the namespace? Jobs left from an earlier run? Said before anything starts. */
async function inspectNamespace(options: DevOptions): Promise<string[]> {
  const { config } = options;
  const names = namesFor(config.namespace);
  const queues = await NamespaceQueues.open(config.amqpUrl, names);
  try {
    const [counts, jobs] = await Promise.all([queues.counts(), queues.check(names.jobsQueue)]);
    return namespaceNotices({ namespace: config.namespace, counts, consumers: jobs.consumers, inMemory: options.inMemory });
  } finally {
    await queues.close();
  }
}

class DevSession {
  readonly #options: DevOptions;
  readonly #out: NodeJS.WritableStream;
  readonly #stop = new AbortController();
  readonly #apps: DevChild[] = [];
  #azurite: DevChild | undefined;
  #demo: DemoPublisher | undefined;
  #signals = 0;
  #firstSignalAt = 0;
  #metricsPorts: number[] = [];
  readonly #onSignal = (signal: NodeJS.Signals) => this.#signal(signal);
  // Last resort if this process ends without shutting down (an uncaught error): no orphans.
  readonly #onExit = () => {
    for (const child of [...this.#apps, this.#azurite]) child?.signal('SIGKILL');
  };

  constructor(options: DevOptions, out: NodeJS.WritableStream) {
    this.#options = options;
    this.#out = out;
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, this.#onSignal);
    process.on('exit', this.#onExit);
  }

  async run(endpoints: AzuriteEndpoints | undefined): Promise<void> {
    const storageLine = await this.#untilStopped(this.#startStorage(endpoints));
    if (storageLine === undefined) return;
    const ready = await this.#untilStopped(this.#startApps());
    if (ready === undefined) return;
    if (this.#options.demo) {
      this.#demo = new DemoPublisher({
        ...this.#options.config,
        intervalMs: this.#options.demoIntervalMs,
        capacity: PROCESSOR_IDS.length * this.#options.config.concurrency,
        logger: this.#options.logger,
        output: this.#out,
        prefix: `${'demo'.padEnd(NAME_WIDTH)} | `,
      });
      if ((await this.#untilStopped(this.#demo.start().then(() => true))) === undefined) return;
    }
    this.#out.write(this.#banner(storageLine));
    const ended = await Promise.race([
      new Promise<undefined>((resolve) => this.#stop.signal.addEventListener('abort', () => resolve(undefined), { once: true })),
      ...this.#apps.map((child) => child.exited.then((exit) => ({ child, exit }))),
    ]);
    if (ended && !this.#stop.signal.aborted) {
      process.exitCode = 1;
      process.stderr.write(
        `baton dev: ${ended.child.name} exited unexpectedly (${describeExit(ended.exit)}); stopping everything. Its last lines:\n` +
          `  ${ended.child.lastLines.slice(-10).join('\n  ')}\n`,
      );
    }
  }

  /** Stops the demo, then the dashboard and processors (forwarding the signal once), then Azurite last. */
  async shutdown(): Promise<void> {
    await this.#demo?.close().catch(() => undefined);
    const graceMs = (this.#options.config.shutdownGraceSeconds + 15) * 1000;
    const signal = this.#stop.signal.reason === 'SIGTERM' ? 'SIGTERM' : 'SIGINT';
    await Promise.all(this.#apps.map((child) => child.stop(signal, graceMs)));
    // Azurite goes last: processors write their last audit events on the way out.
    await this.#azurite?.stop('SIGTERM', 10_000);
    for (const name of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.off(name, this.#onSignal);
    process.off('exit', this.#onExit);
    if (this.#stop.signal.aborted) this.#out.write('baton dev: stopped; nothing left running\n');
  }

  #signal(signal: NodeJS.Signals): void {
    // One Ctrl-C can arrive twice (`timeout`, or a wrapper forwarding to its process group): a repeat
    // within a second is the same request, not the deliberate second press that cancels running jobs.
    if (this.#signals > 0 && performance.now() - this.#firstSignalAt < 1000) return;
    this.#signals++;
    if (this.#signals === 1) {
      this.#firstSignalAt = performance.now();
      this.#out.write(`\nbaton dev: ${signal} received: stopping (press Ctrl-C again to cancel running jobs at once)\n`);
      this.#stop.abort(signal);
    } else if (this.#signals === 2) {
      // The processors read a second signal as "cancel running jobs now".
      for (const child of this.#apps) child.signal(signal);
    } else {
      for (const child of [...this.#apps, this.#azurite]) child?.signal('SIGKILL');
    }
  }

  /** `undefined` when a signal came first; the children started so far are stopped by shutdown(). */
  async #untilStopped<T>(work: Promise<T>): Promise<T | undefined> {
    const stopped = new Promise<never>((_, reject) => {
      if (this.#stop.signal.aborted) reject(new StopRequested());
      this.#stop.signal.addEventListener('abort', () => reject(new StopRequested()), { once: true });
    });
    try {
      return await Promise.race([work, stopped]);
    } catch (error) {
      if (error instanceof StopRequested) return undefined;
      throw error;
    } finally {
      work.catch(() => undefined); // a start-up step still running when the signal came must not go unhandled
    }
  }

  async #startStorage(endpoints: AzuriteEndpoints | undefined): Promise<string> {
    if (!endpoints) return 'the Azure Storage account in BATON_STORAGE_CONNECTION_STRING';
    const where = `127.0.0.1:${endpoints.blobPort} (blob) and :${endpoints.tablePort} (table)`;
    const dataDir = this.#options.inMemory ? undefined : AZURITE_DATA_DIR;
    const started = await ensureAzurite({ endpoints, dataDir, output: this.#out, nameWidth: NAME_WIDTH });
    if (started.kind === 'reused') {
      this.#out.write(`baton dev: something already answers on ${where}; using it as the storage (no Azurite started)\n`);
      return `the Azurite already running on ${where}`;
    }
    this.#azurite = started.child;
    return `embedded Azurite on ${where}, ${dataDir ? `data in ${displayPath(dataDir)}` : 'in memory'}`;
  }

  async #startApps(): Promise<true> {
    const { config } = this.#options;
    const spawnApp = (name: string, args: string[], extra: Record<string, string>) => {
      const child = new DevChild({
        name, command: process.execPath, args: [CLI, ...args], env: childEnvironment(config, extra), output: this.#out, nameWidth: NAME_WIDTH,
      });
      this.#apps.push(child);
      return child;
    };
    // Each processor gets a metrics port: its /health answers 200 once it consumes and reaches storage,
    // a readiness signal that does not depend on the log level.
    this.#metricsPorts = [];
    for (const _id of PROCESSOR_IDS) this.#metricsPorts.push(await freePort());
    const processors = PROCESSOR_IDS.map((id, i) =>
      spawnApp(id, ['processor'], { BATON_PROCESSOR_ID: id, BATON_METRICS_PORT: String(this.#metricsPorts[i]) }),
    );
    const dashboard = spawnApp('dashboard', ['dashboard'], {});
    try {
      await Promise.all([
        ...processors.map((child, i) => waitForHealthy(`http://127.0.0.1:${this.#metricsPorts[i]}/health`, 60_000, child.exited)),
        waitForPort(probeHost(config.dashboardHost), config.dashboardPort, 30_000, dashboard.exited),
      ]);
    } catch {
      const failed = this.#apps.find((child) => !child.running) ?? dashboard;
      throw new BatonError(
        'DEV_START_FAILED',
        `${failed.name} did not start${failed.running ? '' : ` (${describeExit(await failed.exited)})`}. Its last lines:\n  ${failed.lastLines.slice(-10).join('\n  ')}`,
      );
    }
    return true;
  }

  #banner(storage: string): string {
    const { config } = this.#options;
    const host = probeHost(config.dashboardHost);
    const amqpHost = safeHost(config.amqpUrl);
    return [
      '',
      `Baton is running (namespace ${config.namespace})`,
      `  dashboard    http://${host}:${config.dashboardPort}`,
      `  processors   ${PROCESSOR_IDS.join(', ')} (concurrency ${config.concurrency} each; /metrics on ${this.#metricsPorts.map((port) => `:${port}`).join(' and ')})`,
      `  storage      ${storage}`,
      `  RabbitMQ     ${redact(config.amqpUrl)}${amqpHost ? ` (management UI, when enabled: http://${amqpHost}:15672)` : ''}`,
      ...(this.#options.demo
        ? [`  demo         a random job every ${this.#options.demoIntervalMs / 1000} s while fewer than ${PROCESSOR_IDS.length * config.concurrency} wait (paced to the processors)`]
        : []),
      'Publish jobs from another terminal:',
      '  node dist/cli.js publish                                      the console: any key publishes a job, q quits',
      '  node dist/cli.js publish --count 20 --steps 3 --step-ms 500   twenty short jobs',
      'Ctrl-C stops everything.',
      '',
    ].join('\n') + '\n';
  }
}

/** Relative to where the user is, when that is shorter and does not climb out of it. */
function displayPath(target: string): string {
  const relative = path.relative(process.cwd(), target);
  return relative && !relative.startsWith('..') ? relative : target;
}

function safeHost(url: string): string | undefined {
  try {
    return new URL(url).hostname || undefined;
  } catch {
    return undefined;
  }
}
