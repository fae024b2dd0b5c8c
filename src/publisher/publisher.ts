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
import { brokerUnreachableError } from '../core/broker-advice.js';
import { LEGACY_QUEUE_WARNING, messagePriority, probeJobsQueue } from '../broker/jobs-queue.js';
import { DUE_AT_HEADER, jobDueAtMs, RUN_NOW_HEADER } from '../broker/due-time.js';
import { sendDelayed } from '../broker/delay-infrastructure.js';
import { tenantOf, type NewAuditEvent } from '../contracts/audit-event.js';
import { PartitionRegistrar } from '../broker/partitions.js';
import { PublishError } from '../core/errors.js';
import type { QueueType } from '../core/config.js';
import type { Logger } from '../core/logger.js';
import { inSpan, withTraceHeaders } from '../core/tracing.js';
import { messagingAttributes } from '../core/trace-attributes.js';
import { ensureStorage, openStorage, type BatonStorage } from '../storage/baton-storage.js';
import type { CancelResult, RequeueResult } from '../storage/job-control.js';
import { assertControlExchange, cancelMessage } from '../broker/control-exchange.js';
import { GENERATION_HEADER, HOPS_HEADER, INDEX_SHARD_HEADER } from '../broker/topology.js';
import { queuedHeader, queuedJobFields, QUEUED_HEADER } from '../storage/queued-event.js';
import { stampAt } from '../storage/state-row.js';

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
  /** For a job accepted with a due time in the future (Scheduled): that time. */
  readonly dueAt?: string;
}

export interface PublishOptions {
  /** Who submitted it (a dashboard token's name), recorded in the Queued event. */
  readonly actor?: string;
  /** Said in the Queued event after the job's type (a requeue names itself). */
  readonly note?: string;
  /**
   * For a requeue (job-control.ts): the job's new generation and its index shard. The job has a history
   * already, so its Queued goes straight into its partition, and the message is marked with the generation.
   */
  readonly requeue?: { readonly generation: number; readonly indexShard?: number };
}

export type RunNowResult = { readonly kind: 'started' } | { readonly kind: 'unknown' } | { readonly kind: 'not-waiting'; readonly status: string };
export class Publisher {
  readonly names: Names;
  readonly storage: BatonStorage;
  readonly #options: PublisherOptions;
  readonly #broker: BrokerConnection;
  readonly #partitions: PartitionRegistrar;
  #channel: ConfirmChannel | undefined;
  /** Drops the current channel and its connection; the broker connection then connects again (the next node). */
  #startOver: ((channel: ConfirmChannel) => void) | undefined;

  constructor(options: PublisherOptions) {
    this.#options = options;
    this.names = namesFor(options.namespace);
    this.storage = openStorage(options.storageConnectionString, this.names, { logger: options.logger });
    // The first send to a partition declares its queue and registers it, so processors serving all find it.
    this.#partitions = new PartitionRegistrar((partition) => this.storage.tenants.registerPartition(partition), options.queueType);
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

  /**
   * Prepares storage, then connects. With `brokerTimeoutMs` (a one-shot command), gives up when RabbitMQ
   * has not answered by then, with the same advice `baton dev` gives; without it, retries for as long as it takes.
   */
  async start(options: { brokerTimeoutMs?: number } = {}): Promise<void> {
    await ensureStorage(this.storage, this.names);
    const timeoutMs = options.brokerTimeoutMs;
    if (timeoutMs === undefined) return this.#broker.start();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const seconds = Math.round(timeoutMs / 1000);
        reject(brokerUnreachableError(this.#options.amqpUrl, `no connection within ${seconds} s, BATON_CONNECT_TIMEOUT_SECONDS`));
      }, timeoutMs);
    });
    try {
      await Promise.race([this.#broker.start(), timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Publishes one job; resolves after the broker confirmed it and its Queued event (Scheduled, for a job
   * due later: it waits in the delay levels, its due time pinned in a header) was written.
   * `actor` names who submitted it (a dashboard token's name), recorded in the Queued event. With
   * tracing on, this is the job's trace root (or a child of the request that asked for it).
   */
  publish(job: JobRequest, options: PublishOptions = {}): Promise<PublishedJob> {
    return inSpan(`publish ${this.names.jobsQueue}`, { kind: 'producer', attributes: messagingAttributes(this.names.jobsQueue, job) }, () => this.#publish(job, options));
  }

  async #publish(job: JobRequest, options: PublishOptions): Promise<PublishedJob> {
    const channel = this.#channel;
    if (!channel) throw new PublishError('not connected to RabbitMQ');
    // Queued is dated when the message was sent: a processor may start the job before the confirm
    // reaches us, and it stamps Started after this time (the header) so the history sorts causally.
    const queue = job.partition === undefined ? this.names.jobsQueue : await this.#partitions.ensure(channel, this.names, job.partition);
    const sentAt = Date.now();
    const dueAtMs = jobDueAtMs(job, sentAt);
    const scheduled = dueAtMs !== undefined && dueAtMs > sentAt;
    // A new job's Queued goes to the queued register, shared with the jobs published meanwhile; the message
    // names it, so that the first processor write to the job's partition copies it there (queued-event.ts).
    const registered = scheduled || options.requeue !== undefined ? undefined : stampAt(this.#queuedEvent(job, options.actor, options.note), sentAt);
    const requeue = options.requeue !== undefined ? { [GENERATION_HEADER]: options.requeue.generation, [HOPS_HEADER]: 0 } : {};
    // Where the job's rows in the job-state index live: a new job gets one; a requeued job keeps its own.
    const indexShard = options.requeue ? options.requeue.indexShard : this.storage.states.nextShard();
    try {
      const message = {
        messageId: job.jobId,
        timestamp: Math.floor(sentAt / 1000),
        appId: 'baton',
        priority: messagePriority(job),
        headers: withTraceHeaders({
          ...requeue,
          [PUBLISHED_AT_HEADER]: sentAt,
          ...(scheduled ? { [DUE_AT_HEADER]: dueAtMs } : {}),
          ...(registered ? { [QUEUED_HEADER]: queuedHeader(registered) } : {}),
          ...(indexShard === undefined ? {} : { [INDEX_SHARD_HEADER]: indexShard }),
        }),
      };
      const body = Buffer.from(JSON.stringify(job));
      if (scheduled) await sendDelayed(channel, this.names, queue, dueAtMs - Date.now(), body, message);
      else await publishConfirmed(channel, queue, body, message);
    } catch (error) {
      if (error instanceof PublishNotAcceptedError) this.#startOver?.(channel);
      throw error;
    }
    let audited = true;
    let queuedAt = new Date().toISOString();
    try {
      const event = registered
        ? await this.storage.audit.register(registered, job, indexShard)
        : await this.storage.audit.append(scheduled ? this.#scheduledEvent(job, dueAtMs, options.actor) : this.#queuedEvent(job, options.actor, options.note), sentAt, job, indexShard);
      queuedAt = event.timestamp;
    } catch (error) {
      audited = false;
      this.#options.logger.warn(`job published, but its ${scheduled ? 'Scheduled' : 'Queued'} event was not recorded`, { jobId: job.jobId, error: (error as Error).message });
    }
    return {
      jobId: job.jobId, jobName: job.jobName, type: job.type, lockKey: job.lockKey, queuedAt, audited,
      ...(scheduled ? { dueAt: new Date(dueAtMs).toISOString() } : {}),
    };
  }

  #queuedEvent(job: JobRequest, actor: string | undefined, note = ''): Omit<NewAuditEvent, 'timestamp'> {
    const lock = job.lockKey !== job.jobId ? `, lock key "${job.lockKey}"` : '';
    const by = actor ? ` by ${actor}` : '';
    return { jobId: job.jobId, jobName: job.jobName, ...tenantOf(job), status: 'Queued', attempt: 0, processorId: this.#options.publisherId, message: `Queued (${job.type}${lock})${note}${by}`, ...queuedJobFields(job) };
  }

  #scheduledEvent(job: JobRequest, dueAtMs: number, actor: string | undefined): Omit<NewAuditEvent, 'timestamp'> {
    const dueAt = new Date(dueAtMs).toISOString();
    const by = actor ? ` by ${actor}` : '';
    return { ...this.#queuedEvent(job, actor), status: 'Scheduled', dueAt, message: `Scheduled for ${dueAt} (${job.type})${by}` };
  }

  /**
   * Starts a scheduled job at once: its request (kept with Scheduled) goes to `<ns>.jobs` marked to skip
   * the due-time gate, and `Queued` names who asked. The delayed copy, at its due time, finds the job
   * ended (or running) and becomes a Duplicate.
   */
  async runNow(jobId: string, actor: string): Promise<RunNowResult> {
    const channel = this.#channel;
    if (!channel) throw new PublishError('not connected to RabbitMQ');
    const history = await this.storage.audit.history(jobId);
    if (history.length === 0) return { kind: 'unknown' };
    const scheduled = history.find((e) => e.status === 'Scheduled');
    const moved = history.find((e) => e.status !== 'Scheduled' && e.status !== 'Deferred');
    if (!scheduled?.dueAt || moved || Date.parse(scheduled.dueAt) <= Date.now()) {
      return { kind: 'not-waiting', status: moved?.status ?? (scheduled ? 'due' : history.at(-1)!.status) };
    }
    const job = await this.storage.control.keptRequest(jobId);
    if (!job) return { kind: 'not-waiting', status: 'Scheduled without its request' };
    const queue = job.partition === undefined ? this.names.jobsQueue : await this.#partitions.ensure(channel, this.names, job.partition);
    const sentAt = Date.now();
    await publishConfirmed(channel, queue, Buffer.from(JSON.stringify(job)), {
      messageId: job.jobId,
      appId: 'baton',
      priority: messagePriority(job),
      headers: withTraceHeaders({ [PUBLISHED_AT_HEADER]: sentAt, [RUN_NOW_HEADER]: actor }),
    });
    await this.storage.audit.append({ ...this.#queuedEvent(job, actor), message: `Queued to run now (due ${scheduled.dueAt}) by ${actor}` }, sentAt, job);
    return { kind: 'started' };
  }

  /**
   * An operator's cancel (job-control.ts): a job that is not running is Cancelled at once; a running one
   * is stopped by its processor, told on `<ns>.control` (sent in every case: cheap, and it closes the race
   * with a job that starts meanwhile).
   */
  async cancel(jobId: string, actor: string): Promise<CancelResult> {
    const result = await this.storage.control.cancel(jobId, actor);
    if (result.kind === 'cancelled' || result.kind === 'stopping') {
      const channel = this.#channel;
      if (!channel) throw new PublishError('not connected to RabbitMQ');
      // Not mandatory: with no processor listening, the next delivery's start reads the control row instead.
      await publishConfirmed(channel, { exchange: this.names.controlExchange, routingKey: '' }, cancelMessage({ jobId, actor }), { persistent: false, mandatory: false });
    }
    return result;
  }

  /**
   * An operator's requeue: `Requeued` and a fresh budget are recorded, then the job's original request is
   * published afresh, marked with the new requeue generation (older copies, as in `<ns>.jobs.dead`, become
   * Duplicates). Published with a hops header, so that its start does not try the first-attempt insert.
   */
  async requeue(jobId: string, actor: string): Promise<RequeueResult> {
    if (!this.#channel) throw new PublishError('not connected to RabbitMQ');
    const result = await this.storage.control.requeue(jobId, actor);
    if (result.kind !== 'requeued') return result;
    await this.publish(result.job, { actor, note: ` after requeue ${result.generation}`, requeue: { generation: result.generation, ...(result.indexShard === undefined ? {} : { indexShard: result.indexShard }) } });
    return result;
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
    const mode = await probeJobsQueue(connection, this.names, this.#options.queueType ?? 'classic');
    if (mode === 'legacy') this.#options.logger.warn(LEGACY_QUEUE_WARNING, { queue: this.names.jobsQueue });
    await assertTopology(channel, this.names, this.#options.queueType ?? 'classic', mode);
    await assertControlExchange(channel, this.names);
    this.#partitions.forget();
    this.#channel = channel;
    this.#startOver = startOver;
  }
}
