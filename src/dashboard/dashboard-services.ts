/**
 * @module Builds everything the dashboard app needs for one namespace — storage, the live feed, snapshots,
 * metrics, health checks, the broker probe and (with a token) the demo action — and closes it in reverse.
 */
import type { QueueType } from '../core/config.js';
import { namesFor, type Names } from '../contracts/names.js';
import { ScheduleStore } from '../storage/schedule-store.js';
import { errorMessage } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
// The dashboard validates processingParameters with the handlers' own schemas, as a processor would.
import { HandlerRegistry, loadHandlerModule } from '../processor/handlers/registry.js';
import { stepsHandler } from '../processor/handlers/steps.js';
import { IdempotencyStore } from '../storage/idempotency-store.js';
import { AccessControl } from './access.js';
import { ensureStorage, openStorage, pingStorage, type BatonStorage } from '../storage/baton-storage.js';
import { BrokerProbe } from './broker-probe.js';
import { DashboardMetrics } from './dashboard-metrics.js';
import { DemoActions } from './demo-actions.js';
import type { DashboardDeps } from './deps.js';
import { EventFeed, type EventFeedOptions } from './event-feed.js';
import { LazyPublisher } from './lazy-publisher.js';
import type { Health } from './schemas.js';
import { Snapshots } from './snapshot.js';
import { Charts } from './charts.js';
import { FleetView } from './fleet-view.js';
import { loadAssets } from './static-assets.js';
import type { TenantDefaults } from '../tenants/tenant-view.js';

export interface DashboardOptions {
  readonly storageConnectionString: string;
  readonly amqpUrl: string;
  readonly queueType?: QueueType;
  readonly namespace: string;
  /** BATON_DASHBOARD_TOKEN: one operator named `operator`. */
  readonly token: string | undefined;
  /** BATON_DASHBOARD_TOKENS (`name:role:secret,…`). */
  readonly tokens?: string | undefined;
  /** BATON_HANDLERS: more handlers whose processingParameters POST /api/jobs validates. */
  readonly handlers?: string | undefined;
  /** How long a write waits for a first broker connection before answering 503. */
  readonly publisherStartTimeoutMs?: number;
  readonly logger: Logger;
  readonly feed?: EventFeedOptions;
  readonly heartbeatMs?: number;
  readonly tenantDefaults?: TenantDefaults;
}

export interface DashboardServices {
  readonly deps: DashboardDeps;
  readonly storage: BatonStorage;
  close(): Promise<void>;
}

const HEALTH_TIMEOUT_MS = 3000;

export async function openDashboard(options: DashboardOptions): Promise<DashboardServices> {
  const { logger } = options;
  const names = namesFor(options.namespace);
  const storage = openStorage(options.storageConnectionString, names, { logger });
  try {
    await ensureStorage(storage, names);
  } catch (error) {
    // Serve anyway: /health reports storage down until it answers, and the API answers 503 meanwhile.
    logger.warn('storage not reachable at start-up', { error: errorMessage(error) });
  }
  const broker = new BrokerProbe({ url: options.amqpUrl, names, logger, listPartitions: () => storage.tenants.listPartitions() });
  broker.start();
  const snapshots = new Snapshots(storage.index, { queues: () => broker.depths() });
  const feed = new EventFeed(storage.index, { ...options.feed, logger });
  const access = AccessControl.fromSettings(options.tokens, options.token);
  const publisher = new LazyPublisher({
    amqpUrl: options.amqpUrl, queueType: options.queueType ?? 'classic', storageConnectionString: options.storageConnectionString, namespace: options.namespace, logger,
    ...(options.publisherStartTimeoutMs !== undefined ? { startTimeoutMs: options.publisherStartTimeoutMs } : {}),
  });
  const actions = access.writesEnabled ? new DemoActions(publisher, { amqpUrl: options.amqpUrl, names }) : undefined;
  const registry = new HandlerRegistry().register('steps', stepsHandler);
  if (options.handlers) logger.info('handlers loaded', { module: options.handlers, types: await loadHandlerModule(options.handlers, registry) });
  const shutdown = new AbortController();
  const schedules = new ScheduleStore(storage.clients.table(names.schedulesTable));
  await schedules.ensureTable().catch((error: unknown) => logger.warn('schedules table not ready', { error: errorMessage(error) }));
  const deps: DashboardDeps = {
    names, logger, audit: storage.audit, index: storage.index, states: storage.states, feed, snapshots, actions, access, publisher, schedules,
    idempotency: new IdempotencyStore(storage.clients.table(names.idempotencyTable)),
    paramsFor: (type) => registry.get(type)?.params,
    fleet: new FleetView(storage.fleet),
    charts: new Charts(storage.fleet),
    metrics: new DashboardMetrics(storage.clients.counter, () => snapshots.get()),
    health: () => checkHealth(storage, names, broker),
    assets: loadAssets(),
    tenants: { storage, defaults: options.tenantDefaults ?? {} },
    shutdown: shutdown.signal,
    ...(options.heartbeatMs !== undefined ? { heartbeatMs: options.heartbeatMs } : {}),
  };
  return {
    deps,
    storage,
    async close() {
      shutdown.abort();
      feed.close();
      await publisher.close();
      await broker.close();
      await storage.close();
    },
  };
}

/** Storage decides up or down (nothing works without it); the broker only degrades (reads still work). */
async function checkHealth(storage: BatonStorage, names: Names, broker: BrokerProbe): Promise<Health> {
  const [blob, table] = await Promise.all([
    timed(() => pingStorage(storage, names, AbortSignal.timeout(HEALTH_TIMEOUT_MS))),
    timed(async () => {
      const pages = storage.clients.table(names.recentTable).listEntities({ queryOptions: { select: ['PartitionKey'] }, abortSignal: AbortSignal.timeout(HEALTH_TIMEOUT_MS) }).byPage({ maxPageSize: 1 });
      await pages.next();
    }),
  ]);
  const brokerCheck = { ok: broker.connected, ...(broker.connected ? {} : { detail: 'not connected to RabbitMQ' }) };
  const storageOk = blob.ok && table.ok;
  return {
    status: !storageOk ? 'down' : brokerCheck.ok ? 'ok' : 'degraded',
    ok: storageOk,
    checks: { storageBlob: blob, storageTable: table, broker: brokerCheck },
  };
}

async function timed(check: () => Promise<unknown>): Promise<{ ok: boolean; ms: number; detail?: string }> {
  const started = performance.now();
  try {
    await check();
    return { ok: true, ms: Math.round(performance.now() - started) };
  } catch (error) {
    return { ok: false, ms: Math.round(performance.now() - started), detail: errorMessage(error).split('\n')[0]!.slice(0, 200) };
  }
}
