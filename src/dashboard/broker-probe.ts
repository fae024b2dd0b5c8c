/**
 * @module What the dashboard asks RabbitMQ: is it reachable, and how many messages wait in the jobs, delay
 * and dead-letter queues. Passive: it declares nothing (a missing queue reads as null), and answers are cached
 * briefly so that many open pages cost the broker one look every few seconds.
 */
import type { ChannelModel } from 'amqplib';
import { BrokerConnection } from '../broker/connection.js';
import type { Names } from '../contracts/names.js';
import type { Logger } from '../core/logger.js';
import { namespaceQueues } from '../queues/namespace-queues.js';

export interface QueueDepths {
  readonly jobs: number | null;
  /** Summed over the delay queues (one not declared yet counts 0); null when the broker is unreachable. */
  readonly delayed: number | null;
  readonly dead: number | null;
  /** Ready in each partition's queue (partitions from the registry). */
  readonly partitions?: Record<string, number | null>;
}

const CACHE_MS = 3000;

export class BrokerProbe {
  readonly #names: Names;
  readonly #broker: BrokerConnection;
  #connection: ChannelModel | undefined;
  #cached: { atMs: number; depths: Promise<QueueDepths | null> } | undefined;

  readonly #listPartitions: (() => Promise<string[]>) | undefined;

  constructor(options: { url: string; names: Names; logger: Logger; listPartitions?: () => Promise<string[]> }) {
    this.#names = options.names;
    this.#listPartitions = options.listPartitions;
    this.#broker = new BrokerConnection({
      url: options.url,
      name: `baton dashboard ${options.names.namespace}`,
      logger: options.logger.child({ component: 'broker' }),
      onConnected: async (connection) => {
        this.#connection = connection;
      },
      onDisconnected: () => {
        this.#connection = undefined;
      },
    });
  }

  /** Connects in the background; the dashboard serves (and reports the broker down) until it can. */
  start(): void {
    this.#broker.start().catch(() => undefined);
  }

  get connected(): boolean {
    return this.#connection !== undefined;
  }

  /** Messages ready in the jobs and dead-letter queues, or null when the broker is unreachable. */
  depths(): Promise<QueueDepths | null> {
    const now = Date.now();
    if (!this.#cached || now - this.#cached.atMs > CACHE_MS) this.#cached = { atMs: now, depths: this.#read() };
    return this.#cached.depths;
  }

  async close(): Promise<void> {
    await this.#broker.close();
  }

  async #read(): Promise<QueueDepths | null> {
    const connection = this.#connection;
    if (!connection) return null;
    const queues = namespaceQueues(this.#names);
    const partitions: Record<string, number | null> = {};
    for (const partition of (await this.#listPartitions?.().catch(() => [])) ?? []) {
      partitions[partition] = await this.#count(connection, this.#names.partitionQueue(partition));
    }
    // Delay queues are declared when first needed: one that does not exist yet holds nothing.
    const delayed = await Promise.all(queues.delayed.map((queue) => this.#count(connection, queue)));
    return {
      jobs: await this.#count(connection, this.#names.jobsQueue),
      delayed: delayed.reduce<number>((sum, count) => sum + (count ?? 0), 0),
      dead: await this.#count(connection, this.#names.deadQueue),
      partitions,
    };
  }

  /** One channel per look: checkQueue on a missing queue closes its channel (404), which must not hurt the next look. */
  async #count(connection: ChannelModel, queue: string): Promise<number | null> {
    let channel;
    try {
      channel = await connection.createChannel();
      channel.on('error', () => undefined);
      const { messageCount } = await channel.checkQueue(queue);
      return messageCount;
    } catch {
      return null;
    } finally {
      await channel?.close().catch(() => undefined);
    }
  }
}
