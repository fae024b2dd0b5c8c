/**
 * @module Configuration: every setting once, with its variable, flag, default and accepted range.
 * Flags override the environment, which overrides defaults. A bad value is a ConfigError naming the
 * variable, the flag and the range; the README's configuration table is checked against SETTINGS.
 */
import os from 'node:os';
import { z } from 'zod';
import { NAMESPACE_PATTERN } from '../contracts/names.js';
import { PARTITION_PATTERN } from '../contracts/job-request.js';
import { parseRate, RATE_PATTERN, type Rate } from '../contracts/tenant-limits.js';
import { ConfigError } from './errors.js';
import type { LogFormat, LogLevel } from './logger.js';

/** The Azurite development account (a published, well-known key; not a secret). */
export const AZURITE_CONNECTION_STRING =
  'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;' +
  'AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;' +
  'BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;TableEndpoint=http://127.0.0.1:10002/devstoreaccount1;';

/** `BATON_QUEUE_TYPE`: what src/broker/queue-type.ts declares. */
export const QUEUE_TYPES = ['classic', 'quorum'] as const;
export type QueueType = (typeof QUEUE_TYPES)[number];

interface Setting<T> {
  readonly env: string;
  /** Long flag without the value placeholder, e.g. `--lease-seconds`. */
  readonly flag: string;
  readonly description: string;
  /** What the README shows as the default. */
  readonly defaultText: string;
  /** Human form of the accepted values, used in error messages and the README. */
  readonly accepts: string;
  readonly schema: z.ZodType<T>;
  readonly secret?: boolean;
}

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const port = z.coerce.number().int().min(1).max(65535);
const optionalPort = z.union([z.literal('off').transform(() => undefined), port]);

function setting<T>(spec: Setting<T>): Setting<T> {
  return spec;
}

export const SETTINGS = {
  amqpUrl: setting({
    env: 'BATON_AMQP_URL', flag: '--amqp-url',
    description: 'RabbitMQ URL; for a cluster, the nodes\' URLs comma-separated, tried in turn from a random one',
    defaultText: 'amqp://guest:guest@127.0.0.1:5672', accepts: 'an amqp:// or amqps:// URL, or several separated by commas',
    schema: z.string().regex(/^amqps?:\/\/[^\s,]+(,\s*amqps?:\/\/[^\s,]+)*$/), secret: true,
  }),
  queueType: setting<QueueType>({
    env: 'BATON_QUEUE_TYPE', flag: '--queue-type',
    description: 'type of every queue Baton declares: quorum for a RabbitMQ cluster (no priorities before RabbitMQ 4.0); all of a namespace\'s publishers and processors must agree',
    defaultText: 'classic', accepts: 'classic or quorum', schema: z.enum(QUEUE_TYPES),
  }),
  storageConnectionString: setting({
    env: 'BATON_STORAGE_CONNECTION_STRING', flag: '--storage-connection-string',
    description: 'Azure Storage connection string, real or Azurite',
    defaultText: 'the Azurite development account on 127.0.0.1 (`UseDevelopmentStorage=true` is accepted)',
    accepts: 'an Azure Storage connection string', schema: z.string().min(10), secret: true,
  }),
  namespace: setting({
    env: 'BATON_NAMESPACE', flag: '--namespace', description: 'prefix of every queue, container and table',
    defaultText: 'baton', accepts: `a name matching ${NAMESPACE_PATTERN.source}`, schema: z.string().regex(NAMESPACE_PATTERN),
  }),
  concurrency: setting({
    env: 'BATON_CONCURRENCY', flag: '--concurrency', description: 'jobs one processor runs at once (also its prefetch)',
    defaultText: '1', accepts: 'an integer from 1 to 1000', schema: int(1, 1000),
  }),
  leaseSeconds: setting({
    env: 'BATON_LEASE_SECONDS', flag: '--lease-seconds', description: 'blob lease duration',
    defaultText: '60', accepts: 'an integer from 15 to 60', schema: int(15, 60),
  }),
  renewSeconds: setting({
    env: 'BATON_RENEW_SECONDS', flag: '--renew-seconds', description: 'lease renewal period, below the lease duration',
    defaultText: '20, or a third of the lease when that is shorter', accepts: 'a number of seconds from 1 to 59, below the lease',
    schema: z.coerce.number().min(1).max(59),
  }),
  deferSeconds: setting({
    env: 'BATON_DEFER_SECONDS', flag: '--defer-seconds',
    description: 'upper bound on the wait before a job whose lease is held elsewhere is delivered again',
    defaultText: '10', accepts: 'an integer from 1 to 3600', schema: int(1, 3600),
  }),
  maxAttempts: setting({
    env: 'BATON_MAX_ATTEMPTS', flag: '--max-attempts', description: 'failed attempts before a job is dead-lettered (a job may set its own)',
    defaultText: '5', accepts: 'an integer from 1 to 100', schema: int(1, 100),
  }),
  shutdownGraceSeconds: setting({
    env: 'BATON_SHUTDOWN_GRACE_SECONDS', flag: '--shutdown-grace-seconds',
    description: 'how long a stopping processor lets running jobs finish before interrupting them',
    defaultText: '30', accepts: 'an integer from 0 to 3600', schema: int(0, 3600),
  }),
  retryBaseMs: setting({
    env: 'BATON_RETRY_BASE_MS', flag: '--retry-base-ms', description: 'first retry delay; doubles per failure, with jitter',
    defaultText: '1000', accepts: 'an integer from 100 to 600000', schema: int(100, 600_000),
  }),
  retryMaxMs: setting({
    env: 'BATON_RETRY_MAX_MS', flag: '--retry-max-ms', description: 'longest retry delay',
    defaultText: '300000', accepts: 'an integer from 1000 to 3600000', schema: int(1000, 3_600_000),
  }),
  processorId: setting({
    env: 'BATON_PROCESSOR_ID', flag: '--processor-id', description: 'name of a processor in logs and audit events',
    defaultText: 'host name and pid', accepts: '1 to 100 letters, digits, dots, dashes, underscores or colons',
    schema: z.string().regex(/^[A-Za-z0-9._:-]{1,100}$/),
  }),
  metricsPort: setting<number | undefined>({
    env: 'BATON_METRICS_PORT', flag: '--metrics-port', description: "processor's /metrics and /health port",
    defaultText: 'off', accepts: '"off" or a port from 1 to 65535', schema: optionalPort,
  }),
  metricsHost: setting({
    env: 'BATON_METRICS_HOST', flag: '--metrics-host', description: "where the processor's /metrics and /health listen",
    defaultText: '127.0.0.1', accepts: 'a host name or IP address', schema: z.string().regex(/^[A-Za-z0-9.:-]{1,253}$/),
  }),
  dashboardHost: setting({
    env: 'BATON_DASHBOARD_HOST', flag: '--host', description: 'where the dashboard listens',
    defaultText: '127.0.0.1', accepts: 'a host name or IP address', schema: z.string().regex(/^[A-Za-z0-9.:-]{1,253}$/),
  }),
  dashboardPort: setting({
    env: 'BATON_DASHBOARD_PORT', flag: '--port', description: 'dashboard port',
    defaultText: '5002', accepts: 'a port from 1 to 65535', schema: port,
  }),
  dashboardToken: setting<string | undefined>({
    env: 'BATON_DASHBOARD_TOKEN', flag: '--dashboard-token',
    description: 'older form of BATON_DASHBOARD_TOKENS: one operator token, named `operator`',
    defaultText: 'none', accepts: 'at least 16 characters', schema: z.string().min(16).optional(), secret: true,
  }),
  connectTimeoutSeconds: setting({
    env: 'BATON_CONNECT_TIMEOUT_SECONDS', flag: '--connect-timeout-seconds',
    description: 'how long a one-shot command (`baton publish`, `baton jobs purge`) tries to reach RabbitMQ before it gives up with exit 1; processors and dashboards retry for as long as it takes',
    defaultText: '30', accepts: 'an integer from 1 to 3600', schema: int(1, 3600),
  }),
  // Kept as text (parsed by parseDashboardTokens where it is used), so `baton dev` can hand it on as a variable.
  dashboardTokens: setting<string | undefined>({
    env: 'BATON_DASHBOARD_TOKENS', flag: '--dashboard-tokens',
    description: 'who may use the dashboard: `name:role:secret,…`; writes need an operator, reads need a token once a viewer is listed',
    defaultText: 'none',
    accepts: 'comma-separated name:role:secret entries (name 1–64 of A-Z a-z 0-9 . _ @ -, each name once; role viewer or operator; secret at least 16 characters, no commas)',
    schema: z.string().refine((raw) => parseDashboardTokens(raw) !== undefined).optional(),
    secret: true,
  }),
  actor: setting({
    env: 'BATON_ACTOR', flag: '--actor', description: 'the name the CLI records for operator actions',
    defaultText: 'user@host', accepts: '1 to 100 printable characters', schema: z.string().regex(/^[\x21-\x7e][\x20-\x7e]{0,99}$/),
  }),
  logLevel: setting<LogLevel>({
    env: 'BATON_LOG_LEVEL', flag: '--log-level', description: 'winston log level',
    defaultText: 'info', accepts: 'error, warn, info or debug', schema: z.enum(['error', 'warn', 'info', 'debug']),
  }),
  logFormat: setting<LogFormat>({
    env: 'BATON_LOG_FORMAT', flag: '--log-format', description: 'log line format',
    defaultText: 'pretty on a terminal, json otherwise', accepts: 'pretty or json', schema: z.enum(['pretty', 'json']),
  }),
  handoffAfterSeconds: setting({
    env: 'BATON_HANDOFF_AFTER_SECONDS', flag: '--handoff-after-seconds',
    description: 'how long a delivery may stay unacknowledged: a longer job hands its message to a recovery copy in the delay queues (well under the broker\'s consumer_timeout)',
    defaultText: '30', accepts: 'an integer from 1 to 3600', schema: int(1, 3600),
  }),
  jobTimeoutSeconds: setting<number | undefined>({
    env: 'BATON_JOB_TIMEOUT_SECONDS', flag: '--job-timeout-seconds', description: 'time limit of one attempt, for jobs and handlers that set none',
    defaultText: 'none', accepts: '"none" or an integer from 1 to 604800',
    schema: z.union([z.literal('none').transform(() => undefined), int(1, 604_800)]),
  }),
  tenantConcurrency: setting<number | undefined>({
    env: 'BATON_TENANT_CONCURRENCY', flag: '--tenant-concurrency',
    description: 'attempts of one tenant that may run at once across the fleet, for tenants with no limit of their own',
    defaultText: 'none', accepts: '"none" or an integer from 1 to 10000',
    schema: z.union([z.literal('none').transform(() => undefined), int(1, 10_000)]),
  }),
  tenantRate: setting<Rate | undefined>({
    env: 'BATON_TENANT_RATE', flag: '--tenant-rate',
    description: 'starts of one tenant\'s jobs allowed per period, for tenants with no rate of their own',
    defaultText: 'none', accepts: '"none" or N/s, N/min or N/h (e.g. 10/min)',
    schema: z.union([z.literal('none').transform(() => undefined), z.string().regex(RATE_PATTERN).transform((text) => parseRate(text) as Rate)]),
  }),
  partitions: setting<readonly string[] | 'all'>({
    env: 'BATON_PARTITIONS', flag: '--partitions',
    description: 'partitions this processor serves, comma-separated; "default" is jobs with no partition',
    defaultText: 'all', accepts: '"all" or a comma-separated list of "default" and partition names (^[a-z0-9][a-z0-9-]{0,31}$)',
    schema: z.union([
      z.literal('all'),
      z.string().transform((text) => [...new Set(text.split(',').map((part) => part.trim()))]).pipe(z.array(z.string().regex(PARTITION_PATTERN)).min(1)),
    ]),
  }),
  handlers: setting<string | undefined>({
    env: 'BATON_HANDLERS', flag: '--handlers', description: 'path of a module whose exports register more job handlers',
    defaultText: 'none', accepts: 'a file path', schema: z.string().min(1).optional(),
  }),
} as const;

export type SettingKey = keyof typeof SETTINGS;
type SettingValue<K extends SettingKey> = (typeof SETTINGS)[K] extends Setting<infer T> ? T : never;

export type Config = { readonly [K in SettingKey]: SettingValue<K> };

/** Raw values as they arrive: flags (camelCase setting keys) and the process environment. */
export interface ConfigSources {
  readonly env?: NodeJS.ProcessEnv;
  readonly flags?: Partial<Record<SettingKey, string | number | undefined>>;
  readonly isTerminal?: boolean;
}

function defaults(isTerminal: boolean): Record<SettingKey, string | undefined> {
  return {
    amqpUrl: 'amqp://guest:guest@127.0.0.1:5672',
    queueType: 'classic',
    storageConnectionString: AZURITE_CONNECTION_STRING,
    namespace: 'baton',
    concurrency: '1',
    leaseSeconds: '60',
    renewSeconds: undefined, // derived from the lease below
    deferSeconds: '10',
    maxAttempts: '5',
    shutdownGraceSeconds: '30',
    retryBaseMs: '1000',
    retryMaxMs: '300000',
    processorId: `${os.hostname().replace(/[^A-Za-z0-9._:-]/g, '-').slice(0, 80)}-${process.pid}`,
    metricsPort: 'off',
    metricsHost: '127.0.0.1',
    dashboardHost: '127.0.0.1',
    dashboardPort: '5002',
    dashboardToken: undefined,
    connectTimeoutSeconds: '30',
    dashboardTokens: undefined,
    actor: defaultActor(),
    logLevel: 'info',
    logFormat: isTerminal ? 'pretty' : 'json',
    handlers: undefined,
    jobTimeoutSeconds: 'none',
    handoffAfterSeconds: '30',
    tenantConcurrency: 'none',
    tenantRate: 'none',
    partitions: 'all',
  };
}

export type DashboardRole = 'viewer' | 'operator';

export interface DashboardToken {
  readonly name: string;
  readonly role: DashboardRole;
  readonly secret: string;
}

const TOKEN_NAME = /^[A-Za-z0-9._@-]{1,64}$/;

/** `name:role:secret,…` → tokens, or undefined when any entry is malformed (the message never shows a secret). */
export function parseDashboardTokens(raw: string): DashboardToken[] | undefined {
  const tokens: DashboardToken[] = [];
  for (const entry of raw.split(',').map((part) => part.trim()).filter(Boolean)) {
    const [name = '', role = '', ...rest] = entry.split(':');
    const secret = rest.join(':');
    if (!TOKEN_NAME.test(name) || (role !== 'viewer' && role !== 'operator') || secret.length < 16) return undefined;
    if (tokens.some((token) => token.name === name || token.secret === secret)) return undefined;
    tokens.push({ name, role, secret });
  }
  return tokens.length > 0 ? tokens : undefined;
}

function defaultActor(): string {
  let user = 'user';
  try {
    user = os.userInfo().username || user;
  } catch {
    // no passwd entry (a container's arbitrary uid): keep "user"
  }
  return `${user}@${os.hostname()}`.replace(/[^\x20-\x7e]/g, '?').slice(0, 100);
}

/** Resolves and validates every setting; throws ConfigError naming the variable, flag and accepted range. */
export function loadConfig(sources: ConfigSources = {}): Config {
  const env = sources.env ?? process.env;
  const fallback = defaults(sources.isTerminal ?? Boolean(process.stderr.isTTY));
  const resolved: Record<string, unknown> = {};
  for (const key of Object.keys(SETTINGS) as SettingKey[]) {
    const spec = SETTINGS[key] as Setting<unknown>;
    const fromFlag = sources.flags?.[key];
    const fromEnv = env[spec.env];
    const raw = fromFlag !== undefined ? String(fromFlag) : fromEnv !== undefined && fromEnv !== '' ? fromEnv : fallback[key];
    if (raw === undefined) {
      resolved[key] = undefined; // optional settings, and renewSeconds, which is derived below
      continue;
    }
    const parsed = spec.schema.safeParse(raw);
    if (!parsed.success) {
      const shown = spec.secret ? '(hidden)' : JSON.stringify(raw);
      throw new ConfigError(`${spec.env} (${spec.flag}) must be ${spec.accepts}; got ${shown}`);
    }
    resolved[key] = parsed.data;
  }
  const leaseSeconds = resolved.leaseSeconds as number;
  if (resolved.renewSeconds === undefined) resolved.renewSeconds = Math.min(20, Math.floor(leaseSeconds / 3));
  if ((resolved.renewSeconds as number) >= leaseSeconds) {
    throw new ConfigError(
      `BATON_RENEW_SECONDS (--renew-seconds) must be below BATON_LEASE_SECONDS (${leaseSeconds}); got ${String(resolved.renewSeconds)}`,
    );
  }
  if ((resolved.retryMaxMs as number) < (resolved.retryBaseMs as number)) {
    throw new ConfigError('BATON_RETRY_MAX_MS (--retry-max-ms) must not be below BATON_RETRY_BASE_MS (--retry-base-ms)');
  }
  return Object.freeze(resolved) as Config;
}
