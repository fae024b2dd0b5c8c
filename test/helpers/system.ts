/**
 * A Baton system for one test file: its own namespace on the real RabbitMQ and Azurite, a publisher,
 * a raw AMQP channel for looking at queues, processors as child processes (so tests can SIGKILL,
 * SIGSTOP and SIGTERM them), and a cleanup that removes everything the namespace created.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import amqp, { type Channel, type ChannelModel } from 'amqplib';
import { namesFor, type Names } from '../../src/contracts/names.js';
import { validateJobRequest, type JobRequest, type JobRequestInput } from '../../src/contracts/job-request.js';
import { ATTEMPT_END_STATUSES, type AuditEvent } from '../../src/contracts/audit-event.js';
import { AZURITE_CONNECTION_STRING, type QueueType } from '../../src/core/config.js';
import { silentLogger } from '../../src/core/logger.js';
import { deleteTopology } from '../../src/broker/topology.js';
import { openStorage, type BatonStorage } from '../../src/storage/baton-storage.js';
import { Publisher } from '../../src/publisher/publisher.js';
import { freshNamespace } from './namespace.js';

export const AMQP_URL = 'amqp://guest:guest@127.0.0.1:5672';
const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/cli.js');

export async function waitFor<T>(probe: () => Promise<T | undefined | false> | T | undefined | false, what: string, timeoutMs = 30_000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

export class ProcessorProcess {
  readonly lines: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  constructor(readonly child: ChildProcess, readonly processorId: string) {
    const collect = (chunk: Buffer) => this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  logged(message: string): boolean {
    return this.lines.some((line) => line.includes(message));
  }

  signal(signal: NodeJS.Signals): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
  }
}

/** SIGKILLs every processor a test started and waits for each to exit; empties the list for the next test. */
export async function killAll(running: ProcessorProcess[]): Promise<void> {
  for (const p of running.splice(0)) {
    p.signal('SIGKILL');
    await p.exited;
  }
}

export class TestSystem {
  readonly names: Names;
  readonly storage: BatonStorage;
  readonly publisher: Publisher;
  readonly processors: ProcessorProcess[] = [];
  #connection: ChannelModel | undefined;
  #channel: Channel | undefined;
  #started = 0;

  /** `queueType`: what the publisher declares and processors get as BATON_QUEUE_TYPE (classic by default). */
  constructor(readonly namespace = freshNamespace(), readonly queueType: QueueType = 'classic') {
    this.names = namesFor(namespace);
    this.storage = openStorage(AZURITE_CONNECTION_STRING, this.names);
    this.publisher = new Publisher({
      amqpUrl: AMQP_URL,
      storageConnectionString: AZURITE_CONNECTION_STRING,
      namespace,
      publisherId: 'test-publisher',
      logger: silentLogger(),
      queueType,
    });
  }

  async start(): Promise<this> {
    await this.publisher.start();
    this.#connection = await amqp.connect(AMQP_URL);
    this.#channel = await this.#connection.createChannel();
    return this;
  }

  get channel(): Channel {
    if (!this.#channel) throw new Error('TestSystem not started');
    return this.#channel;
  }

  /** Starts `node dist/cli.js processor` in this namespace; resolves once it consumes (within `startTimeoutMs`). */
  async startProcessor(env: Record<string, string> = {}, startTimeoutMs = 20_000): Promise<ProcessorProcess> {
    const processorId = env.BATON_PROCESSOR_ID ?? `${this.namespace}-p${++this.#started}`;
    const child = spawn(process.execPath, [CLI, 'processor'], {
      env: {
        ...process.env,
        BATON_NAMESPACE: this.namespace,
        BATON_PROCESSOR_ID: processorId,
        BATON_LOG_FORMAT: 'json',
        BATON_LOG_LEVEL: 'info',
        BATON_RETRY_BASE_MS: '200',
        BATON_QUEUE_TYPE: this.queueType,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const processor = new ProcessorProcess(child, processorId);
    this.processors.push(processor);
    await waitFor(() => processor.logged('processor started') || (child.exitCode !== null ? Promise.reject(new Error(`processor exited: ${processor.lines.join('\n')}`)) : false), 'processor start', startTimeoutMs);
    return processor;
  }

  job(input: Partial<JobRequestInput> & { processingParameters?: Record<string, unknown> } = {}): JobRequest {
    const parsed = validateJobRequest({ jobId: crypto.randomUUID(), jobName: 'test job', ...input });
    if (!parsed.ok) throw new Error(parsed.reason);
    return parsed.job;
  }

  async publish(jobs: JobRequest[]): Promise<void> {
    await Promise.all(jobs.map((job) => this.publisher.publish(job)));
  }

  /** Sends a raw body to `<ns>.jobs`, as any producer could. */
  publishRaw(body: Buffer | string): void {
    this.channel.sendToQueue(this.names.jobsQueue, Buffer.isBuffer(body) ? body : Buffer.from(body), { persistent: true });
  }

  history(jobId: string): Promise<AuditEvent[]> {
    return this.storage.audit.history(jobId);
  }

  async statuses(jobId: string): Promise<string[]> {
    return (await this.history(jobId)).map((event) => event.status);
  }

  /** Waits until every job's history holds `status` (Completed, DeadLettered…). */
  async waitForAll(jobIds: string[], status: string, timeoutMs = 60_000): Promise<void> {
    const pending = new Set(jobIds);
    await waitFor(async () => {
      for (const jobId of [...pending]) if ((await this.statuses(jobId)).includes(status)) pending.delete(jobId);
      return pending.size === 0;
    }, `${pending.size} jobs to reach ${status}`, timeoutMs, 250);
  }

  async messageCount(queue: string): Promise<number> {
    const { messageCount } = await this.channel.checkQueue(queue);
    return messageCount;
  }

  async deadLetters(): Promise<Array<{ body: Buffer; headers: Record<string, unknown> }>> {
    const found: Array<{ body: Buffer; headers: Record<string, unknown> }> = [];
    for (;;) {
      const message = await this.channel.get(this.names.deadQueue, { noAck: true });
      if (!message) return found;
      found.push({ body: message.content, headers: (message.properties.headers ?? {}) as Record<string, unknown> });
    }
  }

  async stop(): Promise<void> {
    for (const processor of this.processors) {
      processor.signal('SIGCONT');
      processor.signal('SIGKILL');
      await processor.exited;
    }
    await this.publisher.close().catch(() => undefined);
    const channel = this.#channel;
    const partitions = await this.storage.tenants.listPartitions().catch(() => [] as string[]);
    if (channel) {
      await deleteTopology(channel, this.names).catch(() => undefined);
      for (const queue of partitions.map((p) => this.names.partitionQueue(p))) await channel.deleteQueue(queue).catch(() => undefined);
    }
    await this.#connection?.close().catch(() => undefined);
    await this.storage.clients.blobService.getContainerClient(this.names.locksContainer).deleteIfExists().catch(() => undefined);
    for (const table of [this.names.auditTable, this.names.recentTable, this.names.tenantsTable, this.names.fleetTable, this.names.idempotencyTable, this.names.stateIndexTable, this.names.schedulesTable]) {
      await this.storage.clients.table(table).deleteTable().catch(() => undefined);
    }
  }
}

/** Attempt intervals [Started, end] from a history, for overlap checks. */
export function attemptIntervals(events: AuditEvent[]): Array<{ attempt: number; processorId: string; start: number; end: number; endStatus: string }> {
  const ends: ReadonlySet<string> = new Set(ATTEMPT_END_STATUSES);
  const intervals: Array<{ attempt: number; processorId: string; start: number; end: number; endStatus: string }> = [];
  for (const started of events.filter((e) => e.status === 'Started')) {
    const end = events.find((e) => e.attempt === started.attempt && ends.has(e.status));
    intervals.push({
      attempt: started.attempt,
      processorId: started.processorId,
      start: Date.parse(started.timestamp),
      end: end ? Date.parse(end.timestamp) : Number.POSITIVE_INFINITY,
      endStatus: end?.status ?? 'none',
    });
  }
  return intervals;
}

/** Closes, from the broker's side, every connection whose client-provided name contains `nameFragment`. */
export async function closeBrokerConnections(nameFragment: string): Promise<number> {
  const { execFile } = await import('node:child_process');
  const run = (args: string[]) =>
    new Promise<string>((resolve, reject) =>
      execFile('rabbitmqctl', args, (error, stdout) => (error ? reject(error) : resolve(stdout))),
    );
  // The tab-separated listing gives pids in the form close_connection accepts (the JSON one does not).
  const listing = await run(['list_connections', 'pid', 'client_properties', '--no-table-headers', '--quiet']);
  let closed = 0;
  for (const line of listing.split('\n')) {
    const pid = line.split('\t')[0]?.trim();
    if (pid && line.includes(nameFragment)) {
      await run(['close_connection', pid, 'closed by a Baton test']);
      closed++;
    }
  }
  return closed;
}
