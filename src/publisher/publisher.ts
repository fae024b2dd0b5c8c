/**
 * @module Publishing jobs: a confirm channel, persistent messages, and a `Queued` event once — and only
 * once — the broker confirmed the job. Used by `baton publish`, the console and the dashboard's demo button.
 */
import type { ChannelModel, ConfirmChannel } from 'amqplib';
import type { JobRequest } from '../contracts/job-request.js';
import { namesFor, type Names } from '../contracts/names.js';
import { BrokerConnection } from '../broker/connection.js';
import { publishConfirmed, PublishNotAcceptedError } from '../broker/confirm-publish.js';
import { PUBLISHED_AT_HEADER } from '../broker/topology.js';
import { assertTopology } from '../broker/topology.js';
import { PublishError } from '../core/errors.js';
import type { QueueType } from '../core/config.js';
import type { Logger } from '../core/logger.js';
import { ensureStorage, openStorage, type BatonStorage } from '../storage/baton-storage.js';

export interface PublisherOptions {
  readonly amqpUrl: string;
  readonly storageConnectionString: string;
  readonly namespace: string;
  readonly publisherId: string;
  readonly logger: Logger;
  /** `BATON_QUEUE_TYPE`; classic when not given. */
  readonly queueType?: QueueType;
}

export interface PublishedJob {
  readonly jobId: string;
  readonly jobName: string;
  readonly type: string;
  readonly lockKey: string;
  readonly queuedAt: string;
  /** False when the broker confirmed the job but its Queued event could not be recorded. */
  readonly audited: boolean;
}

export class Publisher {
  readonly names: Names;
  readonly storage: BatonStorage;
  readonly #options: PublisherOptions;
  readonly #broker: BrokerConnection;
  #channel: ConfirmChannel | undefined;
  /** Drops the current channel and its connection; the broker connection then connects again (the next node). */
  #startOver: ((channel: ConfirmChannel) => void) | undefined;

  constructor(options: PublisherOptions) {
    this.#options = options;
    this.names = namesFor(options.namespace);
    this.storage = openStorage(options.storageConnectionString, this.names, { logger: options.logger });
    this.#broker = new BrokerConnection({
      url: options.amqpUrl,
      name: `baton publisher ${options.publisherId}`,
      logger: options.logger.child({ component: 'broker' }),
      onConnected: (connection) => this.#open(connection),
      onDisconnected: () => {
        this.#channel = undefined;
      },
    });
  }

  async start(): Promise<void> {
    await ensureStorage(this.storage, this.names);
    await this.#broker.start();
  }

  /** Publishes one job; resolves after the broker confirmed it and its Queued event was written. */
  async publish(job: JobRequest): Promise<PublishedJob> {
    const channel = this.#channel;
    if (!channel) throw new PublishError('not connected to RabbitMQ');
    // Queued is dated when the message was sent: a processor may start the job before the confirm
    // reaches us, and it stamps Started after this time (the header) so the history sorts causally.
    const sentAt = Date.now();
    try {
      await publishConfirmed(channel, this.names.jobsQueue, Buffer.from(JSON.stringify(job)), {
        messageId: job.jobId,
        timestamp: Math.floor(sentAt / 1000),
        appId: 'baton',
        headers: { [PUBLISHED_AT_HEADER]: sentAt },
      });
    } catch (error) {
      if (error instanceof PublishNotAcceptedError) this.#startOver?.(channel);
      throw error;
    }
    let audited = true;
    let queuedAt = new Date().toISOString();
    try {
      const event = await this.storage.audit.append({
        jobId: job.jobId,
        jobName: job.jobName,
        status: 'Queued',
        attempt: 0,
        processorId: this.#options.publisherId,
        message: `Queued (${job.type}${job.lockKey !== job.jobId ? `, lock key "${job.lockKey}"` : ''})`,
      }, sentAt);
      queuedAt = event.timestamp;
    } catch (error) {
      audited = false;
      this.#options.logger.warn('job published, but its Queued event was not recorded', { jobId: job.jobId, error: (error as Error).message });
    }
    return { jobId: job.jobId, jobName: job.jobName, type: job.type, lockKey: job.lockKey, queuedAt, audited };
  }

  async close(): Promise<void> {
    await this.storage.close();
    await this.#broker.close();
  }

  async #open(connection: ChannelModel): Promise<void> {
    const channel = await connection.createConfirmChannel();
    channel.on('error', (error: Error) => this.#options.logger.warn('broker channel error', { error: error.message }));
    // A channel the broker closed alone (a protocol error), or one that stopped accepting publishes, would fail
    // every later publish on a live connection: start over with a new connection, as the processor does.
    const startOver = (suspect: ConfirmChannel) => {
      if (this.#channel !== suspect) return;
      this.#channel = undefined;
      void connection.close().catch(() => undefined);
    };
    channel.on('close', () => startOver(channel));
    await assertTopology(channel, this.names, this.#options.queueType ?? 'classic');
    this.#channel = channel;
    this.#startOver = startOver;
  }
}
