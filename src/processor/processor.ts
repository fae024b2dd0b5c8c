/**
 * @module The processor: connects storage and broker, consumes `<ns>.jobs` with prefetch = concurrency,
 * hands each delivery to handleDelivery, and shuts down in order (stop consuming → grace period →
 * cancel → wait for every delivery to settle → flush the index → close).
 */
import type { ServerType } from '@hono/node-server';
import type { Channel, ChannelModel, ConfirmChannel, ConsumeMessage } from 'amqplib';
import { namesFor, type Names } from '../contracts/names.js';
import type { Config } from '../core/config.js';
import { JobCancelledError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { sleep } from '../core/time.js';
import { redact } from '../core/redact.js';
import { BrokerConnection } from '../broker/connection.js';
import { assertDelayQueue, assertTopology } from '../broker/topology.js';
import { ensureStorage, openStorage, pingStorage, type BatonStorage } from '../storage/baton-storage.js';
import { Delivery } from './delivery.js';
import { handleDelivery, type DeliveryDeps } from './handle-delivery.js';
import { HandlerRegistry } from './handlers/registry.js';
import { stepsHandler } from './handlers/steps.js';
import { LeaseManager } from './lease-manager.js';
import { ProcessorMetrics, startMetricsServer, type HealthReport } from './metrics.js';

export type ProcessorConfig = Pick<
  Config,
  | 'amqpUrl' | 'storageConnectionString' | 'namespace' | 'concurrency' | 'leaseSeconds' | 'renewSeconds' | 'deferSeconds'
  | 'maxAttempts' | 'shutdownGraceSeconds' | 'processorId' | 'metricsPort' | 'metricsHost' | 'retryBaseMs' | 'retryMaxMs'
  | 'queueType'
>;

export function defaultRegistry(): HandlerRegistry {
  return new HandlerRegistry().register('steps', stepsHandler);
}

interface Session {
  readonly channel: Channel;
  readonly confirm: ConfirmChannel;
  readonly delayQueues: Map<number, Promise<string>>;
  consumerTag?: string;
}

export class Processor {
  readonly names: Names;
  readonly metrics: ProcessorMetrics;
  readonly #config: ProcessorConfig;
  readonly #logger: Logger;
  readonly #registry: HandlerRegistry;
  readonly #storage: BatonStorage;
  readonly #leases: LeaseManager;
  readonly #broker: BrokerConnection;
  readonly #cancel = new AbortController();
  readonly #active = new Set<Promise<unknown>>();
  #session: Session | undefined;
  #stopping = false;
  #closePromise: Promise<void> | undefined;
  #metricsServer: ServerType | undefined;

  constructor(config: ProcessorConfig, options: { logger: Logger; registry?: HandlerRegistry }) {
    this.#config = config;
    this.names = namesFor(config.namespace);
    this.#logger = options.logger.child({ processorId: config.processorId });
    this.#registry = options.registry ?? defaultRegistry();
    this.#storage = openStorage(config.storageConnectionString, this.names, { logger: this.#logger });
    this.metrics = new ProcessorMetrics(this.#storage.clients.counter);
    this.#leases = new LeaseManager(this.#storage.leases, {
      leaseMs: config.leaseSeconds * 1000,
      renewMs: config.renewSeconds * 1000,
      onRenewal: (outcome, error) => {
        this.metrics.renewals.inc({ outcome });
        if (error) this.#logger.debug('lease renewal failed; retrying while the lease lasts', { error: redact(String((error as Error).message ?? error)) });
      },
      onLost: (held, error) => this.#logger.warn('lease lost', { lockKey: held.lockKey, reason: error.message }),
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
    this.#logger.info('processor started', {
      namespace: this.#config.namespace,
      concurrency: this.#config.concurrency,
      handlers: this.#registry.types(),
    });
  }

  async health(): Promise<HealthReport> {
    const checks: HealthReport['checks'] = { broker: { ok: this.#broker.connected } };
    try {
      await pingStorage(this.#storage, this.names, AbortSignal.timeout(3000));
      checks.storage = { ok: true };
    } catch (error) {
      checks.storage = { ok: false, detail: redact((error as Error).message) };
    }
    return { ok: Object.values(checks).every((check) => check.ok), checks };
  }

  /**
   * Graceful stop: no new deliveries, running attempts get the grace period, then are cancelled
   * (Cancelled, lease released, message back in the queue). Idempotent: every call gets the same promise.
   * `force` skips the grace period (a second signal).
   */
  stop(options: { force?: boolean } = {}): Promise<void> {
    if (options.force) this.#cancel.abort(new JobCancelledError('processor stopped at once (second signal)'));
    this.#closePromise ??= this.#shutdown();
    return this.#closePromise;
  }

  async #shutdown(): Promise<void> {
    this.#stopping = true;
    const session = this.#session;
    if (session?.consumerTag) await session.channel.cancel(session.consumerTag).catch(() => undefined);
    this.#logger.info('stopping: no new jobs; waiting for running ones', { running: this.#active.size, graceSeconds: this.#config.shutdownGraceSeconds });
    const drained = Promise.allSettled([...this.#active]);
    const graceOver = sleep(this.#config.shutdownGraceSeconds * 1000, this.#cancel.signal).catch(() => undefined);
    await Promise.race([drained, graceOver]);
    if (this.#active.size > 0) {
      this.#logger.warn('grace period over: cancelling running jobs', { running: this.#active.size });
      if (!this.#cancel.signal.aborted) this.#cancel.abort(new JobCancelledError());
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
    for (const ch of [channel, confirm]) {
      ch.on('error', (error: Error) => this.#logger.warn('broker channel error', { error: error.message }));
      // A channel that closes alone (a protocol error) would leave us half-connected: start over.
      ch.on('close', () => {
        if (!this.#stopping) void connection.close().catch(() => undefined);
      });
    }
    await assertTopology(channel, this.names, this.#config.queueType);
    await channel.prefetch(this.#config.concurrency);
    const session: Session = { channel, confirm, delayQueues: new Map() };
    this.#session = session;
    if (this.#stopping) return;
    const { consumerTag } = await channel.consume(this.names.jobsQueue, (message) => {
      if (message) this.#onMessage(message, session);
    });
    session.consumerTag = consumerTag;
  }

  #onMessage(message: ConsumeMessage, session: Session): void {
    const delivery = new Delivery(message, session.channel, session.confirm);
    this.metrics.inFlight.inc();
    this.metrics.leasesHeld.set(this.#leases.size);
    const started = performance.now();
    const task = handleDelivery(delivery, this.#deps(session))
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
        this.metrics.leasesHeld.set(this.#leases.size);
      });
    this.#active.add(task);
  }

  #deps(session: Session): DeliveryDeps {
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
      cancelSignal: this.#cancel.signal,
      ensureDelayQueue: (delayMs) => {
        let queue = session.delayQueues.get(delayMs);
        if (!queue) {
          queue = assertDelayQueue(session.confirm, this.names, delayMs, this.#config.queueType);
          queue.catch(() => session.delayQueues.delete(delayMs));
          session.delayQueues.set(delayMs, queue);
        }
        return queue;
      },
    };
  }
}
