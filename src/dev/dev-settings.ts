/** @module The settings `baton dev` takes and hands on to its children as BATON_* variables. */
import { SETTINGS, type Config, type SettingKey } from '../core/config.js';

/**
 * Everything the processors and the dashboard take, except what must differ between the two processors:
 * `baton dev` gives each its own `processorId` and `metricsPort`.
 */
export const DEV_SETTINGS: readonly SettingKey[] = [
  'amqpUrl', 'queueType', 'storageConnectionString', 'namespace', 'logLevel', 'logFormat',
  'concurrency', 'leaseSeconds', 'renewSeconds', 'deferSeconds', 'maxAttempts', 'shutdownGraceSeconds', 'handoffAfterSeconds',
  'retryBaseMs', 'retryMaxMs', 'handlers', 'dashboardHost', 'dashboardPort', 'dashboardToken', 'dashboardTokens',
];

/** The children's environment: ours, with every resolved dev setting written as its variable. */
export function childEnvironment(config: Config, extra: Record<string, string> = {}, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base };
  for (const key of DEV_SETTINGS) {
    const value = config[key];
    if (value !== undefined) env[SETTINGS[key].env] = String(value);
  }
  // A processor ID or metrics port set for `baton dev` itself would be shared by both processors.
  delete env[SETTINGS.processorId.env];
  delete env[SETTINGS.metricsPort.env];
  return { ...env, ...extra };
}
