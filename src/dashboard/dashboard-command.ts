/** @module `baton dashboard`: serves the page and the REST audit API until SIGINT/SIGTERM. */
import type { Config } from '../core/config.js';
import { ConfigError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { createApp } from './app.js';
import { openDashboard } from './dashboard-services.js';
import { startServer } from './server.js';

export type DashboardConfig = Pick<Config, 'storageConnectionString' | 'amqpUrl' | 'queueType' | 'namespace' | 'dashboardToken' | 'dashboardHost' | 'dashboardPort'>;

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
  log.info('dashboard listening', {
    url: server.url,
    namespace: config.namespace,
    writeActions: config.dashboardToken ? 'enabled' : 'disabled (no BATON_DASHBOARD_TOKEN)',
  });
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

export async function runDashboard(config: Config, logger: Logger): Promise<void> {
  const dashboard = await startDashboard(config, logger);
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  logger.info('dashboard stopping', { component: 'dashboard', signal });
  await dashboard.close();
}
