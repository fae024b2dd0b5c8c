/**
 * @module A Baton system under test for one chaos run: its own namespace, processors as child processes (so
 * faults are real signals), an in-process Publisher, direct reads of the audit trail and of the queues (the
 * only evidence the invariants accept), a log of every fault injected, and a cleanup that removes it all.
 */
import amqp from 'amqplib';
import type { AuditEvent } from '../../src/contracts/audit-event.js';
import { namesFor, type Names } from '../../src/contracts/names.js';
import { AZURITE_CONNECTION_STRING, type QueueType } from '../../src/core/config.js';
import { amqpUrls } from '../../src/broker/connection.js';
import { silentLogger } from '../../src/core/logger.js';
import { assertTopology, deleteTopology } from '../../src/broker/topology.js';
import { delayQueueNames } from '../../src/broker/delay-infrastructure.js';
import { openStorage, type BatonStorage } from '../../src/storage/baton-storage.js';
import { Publisher } from '../../src/publisher/publisher.js';
import { freshNamespace } from '../helpers/namespace.js';
import { BatonProcess, sleep, spawnBaton, waitUntil } from './processes.js';

export const BROKER_URL = 'amqp://guest:guest@127.0.0.1:5672';

/** A connection to the first of the listed brokers (the nodes of a cluster) that answers. */
export async function connectAny(urlList: string): Promise<amqp.ChannelModel> {
  let failure: unknown;
  for (const url of amqpUrls(urlList)) {
    try {
      return await amqp.connect(url, { timeout: 5000 });
    } catch (error) {
      failure = error;
    }
  }
  throw failure;
}

export type FaultKind = 'SIGKILL' | 'SIGSTOP' | 'SIGTERM' | 'broker-restart' | 'connections-closed' | 'storage-outage' | 'lossy-network' | 'node-crash';

/** One fault as injected: `from` when it began, `to` when it was over (the process resumed, the service answered). */
export interface Fault {
  readonly kind: FaultKind;
  readonly target: string;
  readonly from: number;
  to: number;
}

export interface ClusterOptions {
  readonly namespacePrefix?: string;
  readonly storageConnectionString?: string;
  /** The processors' own (through a fault proxy, say); the publisher and the evidence use `storageConnectionString`. */
  readonly processorStorageConnectionString?: string;
  /** BATON_AMQP_URL of the publisher, the processors and the run's own looks at the queues (one URL or a list). */
  readonly amqpUrl?: string;
  /** BATON_QUEUE_TYPE of the publisher and the processors. */
  readonly queueType?: QueueType;
  /** Environment for every processor (lease, concurrency, heartbeat in the URL…). */
  readonly processorEnv?: Record<string, string>;
}

export interface QueueDepths {
  readonly jobs: number;
  readonly dead: number;
  /** Messages waiting in `<ns>.delay.*ms` queues, by queue name (only queues that exist). */
  readonly delays: Record<string, number>;
}

export class ChaosCluster {
  readonly namespace: string;
  readonly names: Names;
  readonly storageConnectionString: string;
  readonly amqpUrl: string;
  readonly queueType: QueueType;
  readonly storage: BatonStorage;
  readonly publisher: Publisher;
  readonly publisherId: string;
  readonly processors: BatonProcess[] = [];
  readonly faults: Fault[] = [];
  /** processorId → when it was SIGKILLed: its attempts may have no end, and ended at that moment. */
  readonly killed = new Map<string, number>();
  /** Processors this run signalled to stop; any other exit is a crash. */
  readonly signalled = new Set<string>();
  readonly #env: Record<string, string>;
  #started = 0;

  constructor(options: ClusterOptions = {}) {
    this.namespace = freshNamespace(options.namespacePrefix ?? 'ch');
    this.names = namesFor(this.namespace);
    this.storageConnectionString = options.storageConnectionString ?? AZURITE_CONNECTION_STRING;
    this.amqpUrl = options.amqpUrl ?? BROKER_URL;
    this.queueType = options.queueType ?? 'classic';
    this.storage = openStorage(this.storageConnectionString, this.names);
    this.publisherId = `chaos-publisher-${this.namespace}`;
    this.publisher = new Publisher({
      amqpUrl: this.amqpUrl,
      storageConnectionString: this.storageConnectionString,
      namespace: this.namespace,
      publisherId: this.publisherId,
      logger: silentLogger(),
      queueType: this.queueType,
    });
    this.#env = {
      BATON_NAMESPACE: this.namespace,
      BATON_AMQP_URL: this.amqpUrl,
      BATON_QUEUE_TYPE: this.queueType,
      BATON_STORAGE_CONNECTION_STRING: options.processorStorageConnectionString ?? this.storageConnectionString,
      BATON_RETRY_BASE_MS: '200',
      BATON_RETRY_MAX_MS: '2000',
      ...options.processorEnv,
    };
  }

  async start(): Promise<this> {
    await this.publisher.start();
    return this;
  }

  get running(): BatonProcess[] {
    return this.processors.filter((p) => p.running);
  }

  /** Starts `baton processor`; resolves once it consumes. */
  async startProcessor(env: Record<string, string> = {}): Promise<BatonProcess> {
    const processorId = `${this.namespace}-p${++this.#started}`;
    const processor = spawnBaton('processor', processorId, { ...this.#env, BATON_PROCESSOR_ID: processorId, ...env });
    this.processors.push(processor);
    await waitUntil(
      () => processor.logged('processor started') || (!processor.running ? Promise.reject(new Error(`processor ${processorId} exited:\n${processor.lines.join('\n')}`)) : false),
      `processor ${processorId} to start`,
      30_000,
      100,
    );
    return processor;
  }

  kill(processor: BatonProcess): void {
    const at = Date.now();
    this.signalled.add(processor.name);
    processor.signal('SIGCONT');
    processor.signal('SIGKILL');
    this.killed.set(processor.name, at);
    this.faults.push({ kind: 'SIGKILL', target: processor.name, from: at, to: at });
  }

  /** Freezes a processor for `ms`, then wakes it: the fault window is the pause. */
  async pause(processor: BatonProcess, ms: number): Promise<void> {
    const fault: Fault = { kind: 'SIGSTOP', target: processor.name, from: Date.now(), to: 0 };
    this.faults.push(fault);
    processor.signal('SIGSTOP');
    await sleep(ms);
    processor.signal('SIGCONT');
    fault.to = Date.now();
  }

  /** SIGTERM, then waits for the exit; the fault window ends when the process is gone. */
  async terminate(processor: BatonProcess, timeoutMs = 90_000): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }> {
    const fault: Fault = { kind: 'SIGTERM', target: processor.name, from: Date.now(), to: 0 };
    this.faults.push(fault);
    this.signalled.add(processor.name);
    processor.signal('SIGTERM');
    const exit = await Promise.race([processor.exited, sleep(timeoutMs).then(() => undefined)]);
    if (!exit) throw new Error(`processor ${processor.name} did not exit within ${timeoutMs} ms of SIGTERM`);
    fault.to = Date.now();
    return { ...exit, ms: fault.to - fault.from };
  }

  /** A job's history straight from the table, retried while storage is briefly unavailable. */
  async history(jobId: string): Promise<AuditEvent[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.storage.audit.history(jobId);
      } catch (error) {
        if (attempt >= 5) throw error;
        await sleep(500 * attempt);
      }
    }
  }

  async histories(jobIds: readonly string[], parallel = 16): Promise<Map<string, AuditEvent[]>> {
    const result = new Map<string, AuditEvent[]>();
    let next = 0;
    const worker = async () => {
      while (next < jobIds.length) {
        const jobId = jobIds[next++]!;
        result.set(jobId, await this.history(jobId));
      }
    };
    await Promise.all(Array.from({ length: parallel }, worker));
    return result;
  }

  /** Ready messages in every queue of the namespace, read through a connection of our own (one channel per look). */
  async queueDepths(): Promise<QueueDepths> {
    const connection = await connectAny(this.amqpUrl);
    try {
      const count = async (queue: string): Promise<number | undefined> => {
        const channel = await connection.createChannel();
        channel.on('error', () => undefined);
        try {
          return (await channel.checkQueue(queue)).messageCount;
        } catch {
          return undefined; // not declared: nothing ever waited there
        } finally {
          await channel.close().catch(() => undefined);
        }
      };
      const delays: Record<string, number> = {};
      for (const queue of delayQueueNames(this.names)) {
        const depth = await count(queue);
        if (depth !== undefined) delays[queue] = depth;
      }
      return { jobs: (await count(this.names.jobsQueue)) ?? 0, dead: (await count(this.names.deadQueue)) ?? 0, delays };
    } finally {
      await connection.close().catch(() => undefined);
    }
  }

  /** Takes every message off the dead-letter queue. */
  async drainDead(): Promise<Array<{ body: Buffer; headers: Record<string, unknown> }>> {
    const connection = await connectAny(this.amqpUrl);
    try {
      const channel = await connection.createChannel();
      const found: Array<{ body: Buffer; headers: Record<string, unknown> }> = [];
      for (;;) {
        const message = await channel.get(this.names.deadQueue, { noAck: true });
        if (!message) return found;
        found.push({ body: message.content, headers: (message.properties.headers ?? {}) as Record<string, unknown> });
      }
    } finally {
      await connection.close().catch(() => undefined);
    }
  }

  /** Sends raw bodies (with any headers) to `<ns>.jobs` as any producer could, with publisher confirms. */
  async publishRaw(messages: ReadonlyArray<{ body: Buffer; headers?: Record<string, unknown> }>): Promise<void> {
    const connection = await connectAny(this.amqpUrl);
    try {
      const channel = await connection.createConfirmChannel();
      await assertTopology(channel, this.names, this.queueType);
      for (const { body, headers } of messages) channel.sendToQueue(this.names.jobsQueue, body, { persistent: true, ...(headers ? { headers } : {}) });
      await channel.waitForConfirms();
    } finally {
      await connection.close().catch(() => undefined);
    }
  }

  /** Stops every processor still running, gracefully (their unacked messages go back to the queues). */
  async stopProcessors(): Promise<void> {
    for (const processor of this.running) {
      this.signalled.add(processor.name);
      processor.signal('SIGCONT');
      processor.signal('SIGTERM');
    }
    await Promise.all(this.processors.map((p) => Promise.race([p.exited, sleep(60_000)])));
    for (const processor of this.running) processor.signal('SIGKILL');
  }

  /** Processors that exited without being told to: crashes. */
  crashed(): BatonProcess[] {
    return this.processors.filter((p) => !p.running && !this.signalled.has(p.name));
  }

  /** Kills whatever is left and removes every queue, container and table of the namespace. */
  async dispose(): Promise<void> {
    for (const processor of this.processors) {
      processor.signal('SIGCONT');
      processor.signal('SIGKILL');
    }
    await Promise.all(this.processors.map((p) => p.exited));
    await this.publisher.close().catch(() => undefined);
    await this.storage.close().catch(() => undefined);
    const connection = await connectAny(this.amqpUrl).catch(() => undefined);
    if (connection) {
      const channel = await connection.createChannel();
      await deleteTopology(channel, this.names).catch(() => undefined);
      await connection.close().catch(() => undefined);
    }
    await this.storage.clients.blobService.getContainerClient(this.names.locksContainer).deleteIfExists().catch(() => undefined);
    for (const table of [this.names.auditTable, this.names.recentTable, this.names.fleetTable, this.names.schedulesTable]) {
      await this.storage.clients.table(table).deleteTable().catch(() => undefined);
    }
  }
}
