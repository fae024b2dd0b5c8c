/**
 * @module The processor: connects storage and broker, consumes `<ns>.jobs` with prefetch = concurrency,
 * hands each delivery to handleDelivery, and shuts down in order (stop consuming → grace period →
 * cancel → wait for every delivery to settle → flush the index → close).
 */
import type { ServerType } from '@hono/node-server';
import type { Channel, ChannelModel, ConfirmChannel, ConsumeMessage } from 'amqplib';
import { namesFor, type Names } from '../contracts/names.js';
import type { Config } from '../core/config.js';
import { AttemptInterruptedError, PublishError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { sleep } from '../core/time.js';
import { redact } from '../core/redact.js';
import { BrokerConnection } from '../broker/connection.js';
import { assertTopology } from '../broker/topology.js';
import { LEGACY_QUEUE_WARNING, messagePriority, probeJobsQueue } from '../broker/jobs-queue.js';
import { publishConfirmed } from '../broker/confirm-publish.js';
import { PUBLISHED_AT_HEADER } from '../broker/topology.js';
import type { JobRequest } from '../contracts/job-request.js';
import { ScheduleStore } from '../storage/schedule-store.js';
import { Scheduler } from './scheduler.js';
import { ensureStorage, openStorage, pingStorage, type BatonStorage } from '../storage/baton-storage.js';
import { AttemptSlots } from './attempt-slots.js';
import { LevelDelays } from './delays.js';
import { Delivery } from './delivery.js';
import type { DeliveryDeps } from './delivery-deps.js';
import { handleDelivery } from './handle-delivery.js';
import { HandlerRegistry } from './handlers/registry.js';
import { stepsHandler } from './handlers/steps.js';
import { LeaseManager } from './lease-manager.js';
import { ProcessorMetrics, startMetricsServer, type HealthReport } from './metrics.js';

export type ProcessorConfig = Pick<
  Config,
  | 'amqpUrl' | 'storageConnectionString' | 'namespace' | 'concurrency' | 'leaseSeconds' | 'renewSeconds' | 'deferSeconds'
  | 'maxAttempts' | 'shutdownGraceSeconds' | 'processorId' | 'metricsPort' | 'metricsHost' | 'retryBaseMs' | 'retryMaxMs'
> & Partial<Pick<Config, 'jobTimeoutSeconds'>>;

export function defaultRegistry(): HandlerRegistry {
  return new HandlerRegistry().register('steps', stepsHandler);
}

interface Session {
  readonly channel: Channel;
  readonly confirm: ConfirmChannel;
  readonly deps: DeliveryDeps;
  open: boolean;
  consumerTag?: string;
}

export class Processor {
  readonly names: Names;
  readonly metrics: ProcessorMetrics;
  readonly #config: ProcessorConfig;
  readonly #logger: Logger;
  readonly #registry: HandlerRegistry;
  readonly #storage: BatonStorage;
  readonly #schedules: ScheduleStore;
  readonly #onStuck: ((jobId: string) => void) | undefined;
  #stuckJob: string | undefined;
  readonly #scheduler: Scheduler;
  readonly #leases: LeaseManager;
  readonly #broker: BrokerConnection;
  readonly #forced = new AbortController();
  readonly #slots: AttemptSlots;
  readonly #active = new Set<Promise<unknown>>();
  #session: Session | undefined;
  #stopping = false;
  #closePromise: Promise<void> | undefined;
  #metricsServer: ServerType | undefined;

  /** `onStuckHandler`: a handler ignored its timeout (its lease is kept); the caller should stop and exit. */
  constructor(config: ProcessorConfig, options: { logger: Logger; registry?: HandlerRegistry; onStuckHandler?: (jobId: string) => void }) {
    this.#config = config;
    this.#onStuck = options.onStuckHandler;
    this.names = namesFor(config.namespace);
    this.#logger = options.logger.child({ processorId: config.processorId });
    this.#registry = options.registry ?? defaultRegistry();
    this.#storage = openStorage(config.storageConnectionString, this.names, { logger: this.#logger });
    this.#schedules = new ScheduleStore(this.#storage.clients.table(this.names.schedulesTable));
    this.#scheduler = new Scheduler({
      leaseStore: this.#storage.leases,
      schedules: this.#schedules,
      publish: (job, schedule) => this.#publishFired(job, schedule),
      logger: this.#logger.child({ component: 'scheduler' }),
    });
    this.#slots = new AttemptSlots(config.concurrency);
    this.#leases = new LeaseManager(this.#storage.leases, {
      leaseMs: config.leaseSeconds * 1000,
      renewMs: config.renewSeconds * 1000,
      onRenewal: (outcome, error) => {
        this.metrics.renewals.inc({ outcome });
        if (error) this.#logger.debug('lease renewal failed; retrying while the lease lasts', { error: redact(String((error as Error).message ?? error)) });
      },
      onLost: (held, error) => this.#logger.warn('lease lost', { lockKey: held.lockKey, reason: error.message }),
      onReleaseFailed: (held, error) => this.#logger.warn('could not release a lease; it will expire by itself', { lockKey: held.lockKey, error: redact(String((error as Error).message ?? error)) }),
    });
    this.metrics = new ProcessorMetrics(this.#storage.clients.counter, { leasesHeld: () => this.#leases.size });
    this.#broker = new BrokerConnection({
      url: config.amqpUrl,
      name: `baton processor ${config.processorId} (${config.namespace})`,
      logger: this.#logger.child({ component: 'broker' }),
      onConnected: (connection) => this.#openSession(connection),
      onDisconnected: () => {
        this.#session = undefined;
      },
    });
  }

  get storage(): BatonStorage {
    return this.#storage;
  }

  /** Publishes a recurring job's fire on the session's confirm channel, and records its Queued event. */
  async #publishFired(job: JobRequest, schedule: string): Promise<void> {
    const session = this.#session;
    if (!session?.open) throw new PublishError('not connected to RabbitMQ');
    const sentAt = Date.now();
    await publishConfirmed(session.confirm, this.names.jobsQueue, Buffer.from(JSON.stringify(job)), {
      messageId: job.jobId,
      appId: 'baton',
      priority: messagePriority(job),
      headers: { [PUBLISHED_AT_HEADER]: sentAt },
    });
    await this.#storage.audit.append(
      { jobId: job.jobId, jobName: job.jobName, status: 'Queued', attempt: 0, processorId: this.#config.processorId, message: `Queued by schedule "${schedule}" (${job.type})` },
      sentAt,
    );
  }

  get activeDeliveries(): number {
    return this.#active.size;
  }

  /** Resolves once storage is ready and the first broker connection consumes. */
  async start(): Promise<void> {
    await ensureStorage(this.#storage, this.names);
    if (this.#config.metricsPort !== undefined) {
      this.#metricsServer = startMetricsServer(this.#config.metricsHost, this.#config.metricsPort, this.metrics, () => this.health());
    }
    await this.#broker.start();
    await this.#schedules.ensureTable();
    this.#scheduler.start();
    this.#logger.info('processor started', {
      namespace: this.#config.namespace,
      concurrency: this.#config.concurrency,
      handlers: this.#registry.types(),
    });
  }

  async health(): Promise<HealthReport> {
    const checks: HealthReport['checks'] = { broker: { ok: this.#broker.connected } };
    if (this.#stuckJob) checks.handlers = { ok: false, detail: `job ${this.#stuckJob} ignored its timeout; restart this processor` };
    try {
      await pingStorage(this.#storage, this.names, AbortSignal.timeout(3000));
      checks.storage = { ok: true };
    } catch (error) {
      checks.storage = { ok: false, detail: redact((error as Error).message) };
    }
    return { ok: Object.values(checks).every((check) => check.ok), checks };
  }

  /**
   * Graceful stop: no new deliveries, running attempts get the grace period, then are interrupted
   * (Interrupted, lease released, message back in the queue). Idempotent: every call gets the same promise.
   * `force` skips the grace period (a second signal).
   */
  stop(options: { force?: boolean } = {}): Promise<void> {
    if (options.force) {
      this.#forced.abort();
      this.#slots.interruptAll(new AttemptInterruptedError('processor stopped at once (second signal)'));
    }
    this.#closePromise ??= this.#shutdown();
    return this.#closePromise;
  }

  async #shutdown(): Promise<void> {
    await this.#scheduler.close();
    this.#stopping = true;
    this.#slots.close();
    const session = this.#session;
    if (session?.consumerTag) await session.channel.cancel(session.consumerTag).catch(() => undefined);
    this.#logger.info('stopping: no new jobs; waiting for running ones', { running: this.#active.size, graceSeconds: this.#config.shutdownGraceSeconds });
    const drained = Promise.allSettled([...this.#active]);
    const graceOver = sleep(this.#config.shutdownGraceSeconds * 1000, this.#forced.signal).catch(() => undefined);
    await Promise.race([drained, graceOver]);
    if (this.#active.size > 0) {
      this.#logger.warn('grace period over: interrupting running jobs', { running: this.#active.size });
      this.#slots.interruptAll(new AttemptInterruptedError());
      await Promise.allSettled([...this.#active]);
    }
    this.#leases.close();
    await this.#storage.close();
    await this.#broker.close();
    this.#metricsServer?.close();
    this.#logger.info('processor stopped');
  }

  async #openSession(connection: ChannelModel): Promise<void> {
    const channel = await connection.createChannel();
    const confirm = await connection.createConfirmChannel();
    const session: Session = { channel, confirm, deps: this.#deps(new LevelDelays(confirm, this.names)), open: true };
    for (const ch of [channel, confirm]) {
      ch.on('error', (error: Error) => this.#logger.warn('broker channel error', { error: error.message }));
      // A channel that closes alone (a protocol error) would leave us half-connected: start over.
      ch.on('close', () => {
        session.open = false;
        if (!this.#stopping) void connection.close().catch(() => undefined);
      });
    }
    const mode = await probeJobsQueue(connection, this.names);
    if (mode === 'legacy') this.#logger.warn(LEGACY_QUEUE_WARNING, { queue: this.names.jobsQueue });
    await assertTopology(channel, this.names, mode);
    await channel.prefetch(this.#config.concurrency);
    this.#session = session;
    if (this.#stopping) return;
    const { consumerTag } = await channel.consume(this.names.jobsQueue, (message) => {
      if (message) this.#onMessage(message, session);
      // The broker cancelled the consumer (the queue was deleted, as `baton queues upgrade` does): start over.
      else if (!this.#stopping) {
        this.#logger.warn('the broker cancelled the consumer; reconnecting', { queue: this.names.jobsQueue });
        void connection.close().catch(() => undefined);
      }
    });
    session.consumerTag = consumerTag;
  }

  #onMessage(message: ConsumeMessage, session: Session): void {
    const delivery = new Delivery(message, session.channel, session.confirm, () => session.open);
    this.metrics.inFlight.inc();
    const started = performance.now();
    const task = handleDelivery(delivery, session.deps)
      .then((outcome) => {
        this.metrics.deliveries.inc({ outcome });
        this.metrics.attemptSeconds.observe({ outcome }, (performance.now() - started) / 1000);
      })
      .catch((error: unknown) => {
        // handleDelivery settles on every path it knows; this is the one it does not.
        this.#logger.error('delivery handling failed unexpectedly; returning the message to the queue', { error: (error as Error).stack });
        delivery.requeue();
      })
      .finally(() => {
        this.#active.delete(task);
        this.metrics.inFlight.dec();
      });
    this.#active.add(task);
  }

  #deps(delays: LevelDelays): DeliveryDeps {
    return {
      names: this.names,
      processorId: this.#config.processorId,
      leaseSeconds: this.#config.leaseSeconds,
      deferSeconds: this.#config.deferSeconds,
      retry: { maxAttempts: this.#config.maxAttempts, retryBaseMs: this.#config.retryBaseMs, retryMaxMs: this.#config.retryMaxMs },
      leaseStore: this.#storage.leases,
      leases: this.#leases,
      audit: this.#storage.audit,
      registry: this.#registry,
      logger: this.#logger,
      slots: this.#slots,
      delays,
      ...(this.#config.jobTimeoutSeconds !== undefined ? { jobTimeoutSeconds: this.#config.jobTimeoutSeconds } : {}),
      onStuckHandler: (jobId) => {
        this.#stuckJob = jobId;
        this.#onStuck?.(jobId);
      },
    };
  }
}
