/** @module `baton schedules add|list|remove|pause|resume|trigger`: recurring jobs, as `/api/schedules` does them. */
import os from 'node:os';
import type { Config } from '../core/config.js';
import { ConfigError } from '../core/errors.js';
import { checkSchedule, firedJob, scheduleView, type ScheduleView } from '../core/schedule-rules.js';
import { silentLogger } from '../core/logger.js';
import { namesFor } from '../contracts/names.js';
import { createStorageClients } from '../storage/clients.js';
import { ScheduleStore } from '../storage/schedule-store.js';
import { Publisher } from '../publisher/publisher.js';

type StoreConfig = Pick<Config, 'storageConnectionString' | 'namespace'>;

async function openStore(config: StoreConfig): Promise<ScheduleStore> {
  const names = namesFor(config.namespace);
  const store = new ScheduleStore(createStorageClients(config.storageConnectionString).table(names.schedulesTable));
  await store.ensureTable();
  return store;
}

/** Checks a new schedule; a ConfigError naming what is wrong. */
function checked(name: string, cron: string, timeZone: string | undefined, job: Record<string, unknown>): void {
  try {
    checkSchedule(name, cron, timeZone, job);
  } catch (error) {
    if (error instanceof RangeError) throw new ConfigError(error.message);
    throw error;
  }
}

export async function addSchedule(config: StoreConfig, name: string, cron: string, timeZone: string | undefined, job: Record<string, unknown>): Promise<ScheduleView> {
  checked(name, cron, timeZone, job);
  const store = await openStore(config);
  if (!(await store.add({ name, cron, ...(timeZone ? { timeZone } : {}), job }))) throw new ConfigError(`a schedule named "${name}" exists; remove it first`);
  return scheduleView((await store.get(name))!);
}

export async function listSchedules(config: StoreConfig): Promise<ScheduleView[]> {
  return (await (await openStore(config)).list()).map((s) => scheduleView(s));
}

export async function changeSchedule(config: StoreConfig, name: string, action: 'remove' | 'pause' | 'resume'): Promise<void> {
  const store = await openStore(config);
  const found = action === 'remove' ? await store.remove(name) : await store.setPaused(name, action === 'pause');
  if (!found) throw new ConfigError(`no schedule named "${name}"`);
}

/** Fires a schedule now: its job with jobId `<name>:<now>`, outside its due times. */
export async function triggerSchedule(config: StoreConfig & Pick<Config, 'amqpUrl'>, name: string): Promise<string> {
  const schedule = await (await openStore(config)).get(name);
  if (!schedule) throw new ConfigError(`no schedule named "${name}"`);
  const publisher = new Publisher({ ...config, publisherId: `${process.env.BATON_ACTOR ?? `${os.userInfo().username}@${os.hostname()}`}`, logger: silentLogger() });
  await publisher.start();
  try {
    return (await publisher.publish(firedJob(schedule, Date.now()))).jobId;
  } finally {
    await publisher.close();
  }
}

export function formatSchedules(views: readonly ScheduleView[]): string {
  if (views.length === 0) return 'no schedules\n';
  return views
    .map((v) => `${v.name}  ${v.cron}${v.timeZone ? ` (${v.timeZone})` : ''}  ${v.paused ? 'paused' : `next ${v.nextRuns[0] ?? '-'}`}  last ${v.lastRuns[0] ?? '-'}`)
    .join('\n')
    .concat('\n');
}
