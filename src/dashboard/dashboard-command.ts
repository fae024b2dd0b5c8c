/** @module `baton dashboard`: serves the page and the REST audit API until SIGINT/SIGTERM. */
import type { Config } from '../core/config.js';
import { ConfigError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { createApp } from './app.js';
import { openDashboard } from './dashboard-services.js';
import { startServer } from './server.js';

export type DashboardConfig = Pick<Config, 'storageConnectionString' | 'amqpUrl' | 'queueType' | 'namespace' | 'dashboardToken' | 'dashboardTokens' | 'handlers' | 'dashboardHost' | 'dashboardPort'>
  & Partial<Pick<Config, 'tenantConcurrency' | 'tenantRate'>>;

export interface RunningDashboard {
  readonly url: string;
  /** Ends open event streams, stops listening and closes storage and broker connections. Idempotent. */
  close(): Promise<void>;
}

/** Starts the dashboard and returns once it listens (`baton dev` starts it this way too). */
export async function startDashboard(config: DashboardConfig, logger: Logger): Promise<RunningDashboard> {
  const log = logger.child({ component: 'dashboard' });
  const services = await openDashboard({
    storageConnectionString: config.storageConnectionString,
    amqpUrl: config.amqpUrl,
    queueType: config.queueType,
    namespace: config.namespace,
    token: config.dashboardToken,
    tenantDefaults: { concurrency: config.tenantConcurrency, rate: config.tenantRate },
    tokens: config.dashboardTokens,
    handlers: config.handlers,
    logger: log,
  });
  let server;
  try {
    server = await startServer(createApp(services.deps), { host: config.dashboardHost, port: config.dashboardPort });
  } catch (error) {
    await services.close();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
      throw new ConfigError(
        `BATON_DASHBOARD_HOST/BATON_DASHBOARD_PORT (--host/--port): cannot listen on ${config.dashboardHost}:${config.dashboardPort} (${code})`,
      );
    }
    throw error;
  }
  const { access } = services.deps;
  log.info('dashboard listening', {
    url: server.url,
    namespace: config.namespace,
    writeActions: access.writesEnabled ? 'enabled (operator token)' : 'disabled (no operator in BATON_DASHBOARD_TOKENS)',
    reads: access.readsNeedToken ? 'need a viewer or operator token' : 'open to anyone who reaches this address',
  });
  if (!access.anyToken && !isLoopback(config.dashboardHost)) log.warn(OPEN_DASHBOARD_WARNING, { host: config.dashboardHost });
  let closing: Promise<void> | undefined;
  const running = server;
  return {
    url: server.url,
    close: () => {
      // Streams first (they would hold the server open), then the server, then what it read from.
      closing ??= services.close().then(() => running.close());
      return closing;
    },
  };
}

export const OPEN_DASHBOARD_WARNING =
  'WARNING: the dashboard listens on a non-loopback address with no BATON_DASHBOARD_TOKENS: anyone who can reach it can read every job. ' +
  'Set BATON_DASHBOARD_TOKENS (a viewer token closes reads), or listen on 127.0.0.1.';

/** 127.0.0.0/8, ::1 and localhost reach only this machine. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

export async function runDashboard(config: Config, logger: Logger): Promise<void> {
  const dashboard = await startDashboard(config, logger);
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  logger.info('dashboard stopping', { component: 'dashboard', signal });
  await dashboard.close();
}
