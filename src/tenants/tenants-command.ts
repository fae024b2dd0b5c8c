/** @module `baton tenants set TENANT [--concurrency N|none|default] [--rate N/PERIOD|none|default]` and `baton tenants show [TENANT]`. */
import os from 'node:os';
import { Command, InvalidArgumentError, Option } from 'commander';
import { TENANT_ID_PATTERN } from '../contracts/job-request.js';
import { namesFor } from '../contracts/names.js';
import { parseRate } from '../contracts/tenant-limits.js';
import type { Config, SettingKey } from '../core/config.js';
import { ConfigError } from '../core/errors.js';
import { addSettingOptions, configFrom } from '../cli/setting-options.js';
import { ensureStorage, openStorage, type BatonStorage } from '../storage/baton-storage.js';
import { viewTenant, viewTenants, type TenantView } from './tenant-view.js';

type LimitValue<T> = T | null | 'default';

function limitOption<T>(flags: string, description: string, parse: (raw: string) => T | undefined, accepts: string): Option {
  return new Option(flags, description).argParser((raw: string): LimitValue<T> => {
    const text = raw.trim();
    if (text === 'none') return null;
    if (text === 'default') return 'default';
    const value = parse(text);
    if (value === undefined) throw new InvalidArgumentError(`must be ${accepts}, "none" (no limit) or "default" (the BATON_TENANT_* default)`);
    return value;
  });
}

const parseConcurrency = (text: string) => (/^\d+$/.test(text) && Number(text) >= 1 && Number(text) <= 10_000 ? Number(text) : undefined);

export function addTenantsCommand(program: Command, settings: SettingKey[]): void {
  const tenants = program.command('tenants').description('Per-tenant limits: concurrency and rate.');
  const set = tenants
    .command('set <tenant>')
    .description('Set a tenant\'s limits; in force on every processor within 10 s.')
    .addOption(limitOption('--concurrency <n>', 'attempts that may run at once across the fleet (1-10000)', parseConcurrency, 'an integer from 1 to 10000'))
    .addOption(limitOption('--rate <n/period>', 'starts allowed per period: N/s, N/min or N/h', (text) => (parseRate(text) ? text : undefined), 'N/s, N/min or N/h'))
    .addOption(new Option('--json', 'print the tenant as JSON'));
  addSettingOptions(set, settings).action(async (tenantId: string, opts: { concurrency?: LimitValue<number>; rate?: LimitValue<string>; json?: boolean }, command: Command) => {
    checkTenantId(tenantId);
    if (opts.concurrency === undefined && opts.rate === undefined) throw new ConfigError('tenants set needs --concurrency or --rate (or both)');
    await withStorage(configFrom(command, settings), async (storage, config) => {
      await storage.tenants.setOverrides(tenantId, { ...pick('concurrency', opts.concurrency), ...pick('rate', opts.rate) }, actor());
      print([await viewTenant(storage, namesFor(config.namespace), defaultsOf(config), tenantId)], Boolean(opts.json), false);
    });
  });
  const show = tenants
    .command('show [tenant]')
    .description('Show a tenant\'s limits and use now (or every tenant with limits of its own, throttled jobs or jobs running).')
    .addOption(new Option('--json', 'print JSON'));
  addSettingOptions(show, settings).action(async (tenantId: string | undefined, opts: { json?: boolean }, command: Command) => {
    if (tenantId !== undefined) checkTenantId(tenantId);
    await withStorage(configFrom(command, settings), async (storage, config) => {
      const names = namesFor(config.namespace);
      const views = tenantId === undefined ? await viewTenants(storage, names, defaultsOf(config)) : [await viewTenant(storage, names, defaultsOf(config), tenantId)];
      print(views, Boolean(opts.json), tenantId === undefined);
    });
  });
}

async function withStorage(config: Config, run: (storage: BatonStorage, config: Config) => Promise<void>): Promise<void> {
  const names = namesFor(config.namespace);
  const storage = openStorage(config.storageConnectionString, names);
  try {
    await ensureStorage(storage, names);
    await run(storage, config);
  } finally {
    await storage.close();
  }
}

function print(views: TenantView[], json: boolean, asList: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(asList ? views : views[0])}\n`);
    return;
  }
  if (views.length === 0) process.stdout.write('no tenants with limits of their own, throttled jobs or jobs running\n');
  for (const view of views) {
    const limit = (value: string | number | null, own: boolean) => `${value ?? 'none'}${own ? '' : ' (default)'}`;
    const known = (value: number | null) => (value === null ? '-' : String(value));
    process.stdout.write(
      `${view.tenantId}: concurrency ${limit(view.limits.concurrency, view.overrides.concurrency)}, rate ${limit(view.limits.rate, view.overrides.rate)}; ` +
        `running ${known(view.use.running)}, starts in window ${known(view.use.startsInWindow)}, throttled waiting ${view.use.throttledWaiting}\n`,
    );
  }
}

function checkTenantId(tenantId: string): void {
  if (!TENANT_ID_PATTERN.test(tenantId)) throw new ConfigError(`tenant "${tenantId}" must match ${TENANT_ID_PATTERN.source}`);
}

function defaultsOf(config: Config) {
  return { concurrency: config.tenantConcurrency, rate: config.tenantRate };
}

/** BATON_ACTOR, or user@host: recorded as who changed the limits. */
function actor(): string {
  return process.env.BATON_ACTOR || `${os.userInfo().username}@${os.hostname()}`;
}

function pick<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
