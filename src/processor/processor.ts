/**
 * @module The processor: connects storage and broker, consumes `<ns>.jobs` (and partition queues) with
 * prefetch = concurrency (wider while most deliveries are throttled: ./throttle-prefetch.ts),
 * hands each delivery to handleDelivery, and shuts down in order (stop consuming → grace period →
 * cancel → wait for every delivery to settle → flush the index → close).
 */
import type { ServerType } from '@hono/node-server';
import type { Channel, ChannelModel, ConfirmChannel, ConsumeMessage } from 'amqplib';
import { tenantOf } from '../contracts/audit-event.js';
import { namesFor, type Names } from '../contracts/names.js';
import type { Config } from '../core/config.js';
import { AttemptInterruptedError, PublishError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { backoffMs, sleep } from '../core/time.js';
import { redact } from '../core/redact.js';
import { BrokerConnection } from '../broker/connection.js';
import { bounded } from '../broker/bounded.js';
import { assertTopology } from '../broker/topology.js';
import { isTransient } from '../storage/azure-errors.js';
import { ensureStorage, openStorage, type BatonStorage } from '../storage/baton-storage.js';
import { LEGACY_QUEUE_WARNING, messagePriority, probeJobsQueue } from '../broker/jobs-queue.js';
import { publishConfirmed } from '../broker/confirm-publish.js';
import { PUBLISHED_AT_HEADER } from '../broker/topology.js';
import type { JobRequest } from '../contracts/job-request.js';
import { ScheduleStore } from '../storage/schedule-store.js';
import { Scheduler } from './scheduler.js';
import { AttemptSlots } from './attempt-slots.js';
import { CancelWatcher } from './cancel-watcher.js';
import { LevelDelays } from './delays.js';
import { Delivery } from './delivery.js';
import type { DeliveryDeps, StartedAttempt } from './delivery-deps.js';
import type { DeliveryOutcome } from './admission/verdict.js';
import { handleTracedDelivery } from './traced-delivery.js';
import { HandlerRegistry } from './handlers/registry.js';
import { stepsHandler } from './handlers/steps.js';
import { LeaseManager } from './lease-manager.js';
import { PartitionRegistrar } from '../broker/partitions.js';
import { PartitionConsumer } from './partition-consumer.js';
import { ProcessorTenants } from './processor-tenants.js';
import { ThrottlePrefetch } from './throttle-prefetch.js';
import { activeSpan, withTraceHeaders } from '../core/tracing.js';
import { jobAttributes } from '../core/trace-attributes.js';
import { FleetReporter } from './fleet-reporter.js';
import { ProcessorMetrics, processedOutcome, startMetricsServer, type HealthReport } from './metrics.js';
import type { AttemptEnd } from './minute-rollup.js';

export type ProcessorConfig = Pick<
  Config,
  | 'amqpUrl' | 'storageConnectionString' | 'namespace' | 'concurrency' | 'leaseSeconds' | 'renewSeconds' | 'deferSeconds'
  | 'maxAttempts' | 'shutdownGraceSeconds' | 'processorId' | 'metricsPort' | 'metricsHost' | 'retryBaseMs' | 'retryMaxMs'
  | 'tenantConcurrency' | 'tenantRate' | 'partitions' | 'queueType' | 'handoffAfterSeconds'
> & Partial<Pick<Config, 'jobTimeoutSeconds'>>;

export function defaultRegistry(): HandlerRegistry {
  return new HandlerRegistry().register('steps', stepsHandler);
}

/** Whether the channel's prefetch window is shared by all its consumers; quorum queues support only per-consumer windows. */
function globalPrefetch(queueType: ProcessorConfig['queueType']): boolean {
  return queueType !== 'quorum';
}

interface Session {
  readonly channel: Channel;
  readonly confirm: ConfirmChannel;
  readonly deps: DeliveryDeps;
  open: boolean;
  readonly consumerTags: string[];
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
  readonly #fleet: FleetReporter;
  readonly #forced = new AbortController();
  readonly #slots: AttemptSlots;
  /** Operators' cancels of running attempts (the `<ns>.control` broadcast, and the control rows). */
  readonly #cancels: CancelWatcher;
  readonly #tenants: ProcessorTenants;
  readonly #registrar: PartitionRegistrar;
  readonly #partitions: PartitionConsumer;
  readonly #prefetch: ThrottlePrefetch;
  readonly #active = new Set<Promise<unknown>>();
  /** Warnings given once per processor (unknown job fields by name): a bounded set of keys. */
  readonly #warned = new Set<string>();
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
    this.#cancels = new CancelWatcher({
      names: this.names,
      running: () => this.#slots.running(),
      isCancelRequested: (jobId) => this.#storage.control.isCancelRequested(jobId),
      checkMs: config.renewSeconds * 1000,
      logger: this.#logger,
    });
    this.#slots = new AttemptSlots(config.concurrency, (attempt) => this.#cancels.attemptHeld(attempt));
    this.#leases = new LeaseManager(this.#storage.leases, {
      leaseMs: config.leaseSeconds * 1000,
      renewMs: config.renewSeconds * 1000,
      onRenewal: (outcome, error) => {
        this.metrics.renewals.inc({ outcome });
        if (error) this.metrics.errors.inc({ kind: 'lease_renewal' });
        if (error) this.#logger.debug('lease renewal failed; retrying while the lease lasts', { error: redact(String((error as Error).message ?? error)) });
      },
      onLost: (held, error) => this.#logger.warn('lease lost', { lockKey: held.lockKey, reason: error.message }),
      onReleaseFailed: (held, error) => this.#logger.warn('could not release a lease; it will expire by itself', { lockKey: held.lockKey, error: redact(String((error as Error).message ?? error)) }),
    });
    this.metrics = new ProcessorMetrics(this.#storage.clients.counter, { leasesHeld: () => this.#leases.size });
    this.#tenants = new ProcessorTenants(config, { storage: this.#storage, leases: this.#leases, metrics: this.metrics, logger: this.#logger });
    this.#prefetch = new ThrottlePrefetch(config.concurrency, async (prefetch) => {
      // A per-consumer window (quorum queues) applies to consumers started after it: nothing to widen.
      if (globalPrefetch(config.queueType)) await this.#session?.channel.prefetch(prefetch, true);
    });
    this.#registrar = new PartitionRegistrar((partition) => this.#storage.tenants.registerPartition(partition), config.queueType);
    this.#partitions = new PartitionConsumer({
      names: this.names,
      partitions: config.partitions,
      listPartitions: () => this.#storage.tenants.listPartitions(),
      ensureQueue: (partition) => this.#ensurePartitionQueue(partition),
      consume: (queue) => this.#consume(queue),
      logger: this.#logger,
    });
    this.#fleet = new FleetReporter({
      store: this.#storage.fleet,
      processorId: config.processorId,
      concurrency: config.concurrency,
      partitions: config.partitions,
      logger: this.#logger,
      onError: () => this.metrics.errors.inc({ kind: 'heartbeat' }),
    });
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
    const queue = job.partition === undefined ? this.names.jobsQueue : await this.#ensurePartitionQueue(job.partition);
    const sentAt = Date.now();
    await publishConfirmed(session.confirm, queue, Buffer.from(JSON.stringify(job)), {
      messageId: job.jobId,
      appId: 'baton',
      priority: messagePriority(job),
      headers: withTraceHeaders({ [PUBLISHED_AT_HEADER]: sentAt }),
    });
    await this.#storage.audit.append(
      { jobId: job.jobId, jobName: job.jobName, ...tenantOf(job), status: 'Queued', attempt: 0, processorId: this.#config.processorId, message: `Queued by schedule "${schedule}" (${job.type})` },
      sentAt,
      job,
    );
  }

  get activeDeliveries(): number {
    return this.#active.size;
  }

  /** Resolves once storage is ready and the first broker connection consumes. */
  async start(): Promise<void> {
    await this.#ensureStorage();
    if (this.#config.metricsPort !== undefined) {
      this.#metricsServer = startMetricsServer(this.#config.metricsHost, this.#config.metricsPort, this.metrics, () => this.health());
    }
    this.#tenants.start();
    try {
      await this.#broker.start();
    } catch (error) {
      // A refusal no retry can fix (a queue of another type, a wrong password): leave nothing running.
      await this.#tenants.close();
      this.#metricsServer?.close();
      throw error;
    }
    this.#fleet.start();
    this.#cancels.start();
    await this.#schedules.ensureTable();
    this.#scheduler.start();
    this.#logger.info('processor started', {
      namespace: this.#config.namespace,
      concurrency: this.#config.concurrency,
      partitions: this.#partitions.described,
      handlers: this.#registry.types(),
    });
  }

  /** Storage slow to answer at start-up (a loaded machine, a storage hiccup) is retried for a while; a refusal is not. */
  async #ensureStorage(): Promise<void> {
    const giveUpAt = Date.now() + 60_000;
    for (let failures = 1; ; failures++) {
      try {
        await ensureStorage(this.#storage, this.names);
        return;
      } catch (error) {
        if (!isTransient(error) || Date.now() > giveUpAt) throw error;
        this.#logger.warn('storage is not answering yet; retrying', { error: redact((error as Error).message) });
        await sleep(backoffMs(failures, 500, 5000));
      }
    }
  }

  async health(): Promise<HealthReport> {
    const consuming = this.#broker.connected && (this.#session?.consumerTags.length ?? 0) > 0;
    const checks: HealthReport['checks'] = {
      broker: consuming ? { ok: true } : { ok: false, detail: this.#broker.connected ? `not consuming ${this.names.jobsQueue}` : 'not connected' },
    };
    if (this.#stuckJob) checks.handlers = { ok: false, detail: `job ${this.#stuckJob} ignored its timeout; restart this processor` };
    try {
      // The same request as pingStorage, whose answer also says whether the lock container is still there.
      const locks = await this.#storage.clients.blobService.getContainerClient(this.names.locksContainer).exists({ abortSignal: AbortSignal.timeout(3000) });
      checks.storage = locks ? { ok: true } : { ok: false, detail: `lock container ${this.names.locksContainer} is missing (created again on the next job)` };
    } catch (error) {
      checks.storage = { ok: false, detail: redact((error as Error).message) };
    }
    const ok = Object.values(checks).every((check) => check.ok);
    return { status: ok ? 'ok' : 'down', ok, checks };
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
    this.#partitions.stop();
    const session = this.#session;
    for (const tag of session?.consumerTags ?? []) await bounded(session!.channel.cancel(tag), 'the consumer cancel').catch(() => undefined);
    this.#logger.info('stopping: no new jobs; waiting for running ones', { running: this.#active.size, graceSeconds: this.#config.shutdownGraceSeconds });
    const drained = Promise.allSettled([...this.#active]);
    const graceOver = sleep(this.#config.shutdownGraceSeconds * 1000, this.#forced.signal).catch(() => undefined);
    await Promise.race([drained, graceOver]);
    if (this.#active.size > 0) {
      this.#logger.warn('grace period over: interrupting running jobs', { running: this.#active.size });
      this.#slots.interruptAll(new AttemptInterruptedError());
      await Promise.allSettled([...this.#active]);
    }
    await this.#leases.drain();
    this.#leases.close();
    this.#cancels.close();
    await this.#tenants.close();
    await this.#fleet.stop();
    await this.#storage.close();
    await this.#broker.close();
    this.#metricsServer?.close();
    this.#logger.info('processor stopped');
  }

  async #openSession(connection: ChannelModel): Promise<void> {
    // Each call bounded: a hung one fails the set-up, and BrokerConnection drops the connection and tries again.
    const channel = await bounded(connection.createChannel(), 'a channel open');
    const confirm = await bounded(connection.createConfirmChannel(), 'a confirm channel open');
    const session: Session = { channel, confirm, deps: this.#deps(new LevelDelays(confirm, this.names)), open: true, consumerTags: [] };
    for (const ch of [channel, confirm]) {
      ch.on('error', (error: Error) => {
        this.metrics.errors.inc({ kind: 'broker' });
        this.#logger.warn('broker channel error', { error: error.message });
      });
      // A channel that closes alone (a protocol error) would leave us half-connected: start over.
      ch.on('close', () => {
        session.open = false;
        if (!this.#stopping) void connection.close().catch(() => undefined);
      });
    }
    const mode = await bounded(probeJobsQueue(connection, this.names, this.#config.queueType), 'the jobs queue probe');
    if (mode === 'legacy') this.#logger.warn(LEGACY_QUEUE_WARNING, { queue: this.names.jobsQueue });
    await bounded(assertTopology(channel, this.names, this.#config.queueType, mode), 'the topology declarations');
    await bounded(this.#cancels.listen(channel), 'the cancel broadcast queue');
    // Global: one window for every queue consumed (jobs and partitions), as one queue had before. Quorum
    // queues refuse a global window (540 NOT_IMPLEMENTED): there each consumer has its own, and AttemptSlots
    // still keeps running attempts at BATON_CONCURRENCY.
    this.#prefetch.reset();
    await bounded(channel.prefetch(this.#config.concurrency, globalPrefetch(this.#config.queueType)), 'the prefetch setting');
    this.#session = session;
    this.#registrar.forget();
    if (this.#stopping) return;
    this.#registrar.forget();
    if (this.#stopping) return;
    await this.#partitions.startSession();
  }

  async #consume(queue: string): Promise<void> {
    const session = this.#session;
    if (!session || this.#stopping) return;
    const { consumerTag } = await bounded(session.channel.consume(queue, (message) => {
      if (message) this.#onMessage(message, session, queue);
      // The broker cancelled the consumer: someone deleted the queue. Declare it again and consume again.
      else void this.#resubscribe(session, queue, consumerTag);
    }), 'the consume');
    session.consumerTags.push(consumerTag);
  }

  async #resubscribe(session: Session, queue: string, consumerTag: string): Promise<void> {
    session.consumerTags.splice(session.consumerTags.indexOf(consumerTag), 1);
    if (this.#stopping || !session.open) return;
    this.#logger.warn(`the broker cancelled the consumer (was ${queue} deleted?); declaring it again`);
    try {
      if (queue === this.names.jobsQueue) await bounded(assertTopology(session.channel, this.names, this.#config.queueType), 'the topology declarations');
      else {
        this.#registrar.forget();
        await this.#registrar.ensure(session.confirm, this.names, queue.slice(this.names.partitionQueue('').length));
      }
      await this.#consume(queue);
    } catch (error) {
      // Could not: start over with a new connection, which declares everything again.
      this.#logger.warn('could not consume again; reconnecting', { error: redact((error as Error).message) });
      session.open = false;
      await session.channel.close().catch(() => undefined);
    }
  }

  #ensurePartitionQueue(partition: string): Promise<string> {
    const session = this.#session;
    if (!session) return Promise.reject(new Error('not connected to RabbitMQ'));
    return this.#registrar.ensure(session.confirm, this.names, partition);
  }

  #onMessage(message: ConsumeMessage, session: Session, queue: string): void {
    // A handed-off delivery's copies go on the session open now (./delivery.ts): the current one, or none.
    const currentConfirm = () => (this.#session?.open ? this.#session.confirm : undefined);
    const delivery = new Delivery(message, session.channel, session.confirm, queue, () => session.open, currentConfirm);
    this.metrics.inFlight.inc();
    const started = performance.now();
    const task = handleTracedDelivery(delivery, session.deps, this.names.jobsQueue)
      .then((outcome) => {
        this.metrics.deliveries.inc({ outcome });
        this.#prefetch.observe(outcome === 'throttled');
        this.metrics.processed.inc({ outcome: processedOutcome(outcome) });
        this.metrics.attemptSeconds.observe({ outcome }, (performance.now() - started) / 1000);
      })
      .catch((error: unknown) => {
        // handleDelivery settles on every path it knows; this is the one it does not.
        this.metrics.errors.inc({ kind: 'delivery' });
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
      handoffAfterMs: this.#config.handoffAfterSeconds * 1000,
      retry: { maxAttempts: this.#config.maxAttempts, retryBaseMs: this.#config.retryBaseMs, retryMaxMs: this.#config.retryMaxMs },
      leaseStore: this.#storage.leases,
      ensureLockContainer: () => this.#storage.leases.ensureContainer(),
      leases: this.#leases,
      audit: this.#storage.audit,
      registry: this.#registry,
      logger: this.#logger,
      warnOnce: (key, message, meta) => {
        if (this.#warned.has(key)) return;
        this.#warned.add(key);
        this.#logger.warn(message, meta);
      },
      slots: this.#slots,
      delays,
      ...(this.#config.jobTimeoutSeconds !== undefined ? { jobTimeoutSeconds: this.#config.jobTimeoutSeconds } : {}),
      onStuckHandler: (jobId) => {
        this.#stuckJob = jobId;
        this.#onStuck?.(jobId);
      },
      tenants: this.#tenants.gate,
      partitions: { ensureQueue: (partition) => this.#ensurePartitionQueue(partition) },
      onAttemptStarted: (started) => this.#attemptStarted(started),
    };
  }

  /** Counts the attempt and shows it in the heartbeat until it ends. */
  #attemptStarted({ job, attempt, leases, publishedAtMs }: StartedAttempt): (outcome: DeliveryOutcome | undefined) => void {
    const running = this.#fleet.attemptStarted(job, attempt, leases, publishedAtMs);
    activeSpan().setAttributes(jobAttributes(job, attempt)); // the delivery's span, now an attempt's
    this.metrics.claimed.inc({ type: job.type });
    this.metrics.jobsInFlight.inc();
    return (outcome) => {
      const end: AttemptEnd | undefined =
        outcome === 'completed' ? 'completed' : outcome === 'retrying' ? 'failed' : outcome === 'dead-lettered' ? 'dead-lettered' : undefined;
      this.#fleet.attemptEnded(running, end);
      this.metrics.jobsInFlight.dec();
      this.metrics.jobSeconds.observe({ type: job.type, outcome: outcome ? processedOutcome(outcome) : 'failed' }, (Date.now() - running.startedAtMs) / 1000);
    };
  }
}
