/** @module `baton dashboard` (placeholder until the dashboard issue lands). */
import type { Config } from '../core/config.js';
import type { Logger } from '../core/logger.js';

export async function runDashboard(_config: Config, logger: Logger): Promise<void> {
  logger.error('the dashboard is coming in a later issue');
  process.exitCode = 1;
}
