/**
 * @module Recurring jobs in Azure Table Storage: one row per schedule (its cron, zone, job template,
 * paused flag) and the due times fired last. Only the processor holding the scheduler lease writes
 * `lastFiredAt`, conditionally on the ETag it read, so a scheduler that lost its lease cannot move it.
 */
import { createTableIfMissing } from './create-table.js';
import { odata, type TableClient } from '@azure/data-tables';
import { isConflict, isNotFound } from './azure-errors.js';

const PARTITION = 'schedule';
/** How many fired due times a schedule remembers (the dashboard's "last runs"). */
const LAST_RUNS_KEPT = 10;

export interface Schedule {
  readonly name: string;
  readonly cron: string;
  readonly timeZone?: string;
  /** The job request each fire publishes, without its jobId (that is `<name>:<due time>`). */
  readonly job: Record<string, unknown>;
  readonly paused: boolean;
  readonly createdAt: string;
  /** The latest due time fired (ISO); a new schedule starts from its creation. */
  readonly lastFiredAt: string;
  /** Due times fired, newest first. */
  readonly lastRuns: readonly string[];
  readonly etag: string;
}

export type NewSchedule = Pick<Schedule, 'name' | 'cron' | 'timeZone' | 'job'>;

interface ScheduleRow {
  cron: string;
  timeZone?: string;
  job: string;
  paused: boolean;
  createdAt: string;
  lastFiredAt: string;
  lastRuns: string;
}

export class ScheduleStore {
  readonly #table: TableClient;

  constructor(table: TableClient) {
    this.#table = table;
  }

  async ensureTable(): Promise<void> {
    await createTableIfMissing(this.#table);
  }

  /** Adds a schedule; false when one of that name exists. */
  async add(schedule: NewSchedule, nowMs = Date.now()): Promise<boolean> {
    const now = new Date(nowMs).toISOString();
    const row: ScheduleRow = {
      cron: schedule.cron,
      ...(schedule.timeZone ? { timeZone: schedule.timeZone } : {}),
      job: JSON.stringify(schedule.job),
      paused: false,
      createdAt: now,
      lastFiredAt: now,
      lastRuns: '[]',
    };
    try {
      await this.#table.createEntity({ partitionKey: PARTITION, rowKey: schedule.name, ...row });
      return true;
    } catch (error) {
      if (isConflict(error)) return false;
      throw error;
    }
  }

  async get(name: string): Promise<Schedule | undefined> {
    try {
      return fromRow(name, await this.#table.getEntity<ScheduleRow>(PARTITION, name));
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async list(): Promise<Schedule[]> {
    const schedules: Schedule[] = [];
    const rows = this.#table.listEntities<ScheduleRow>({ queryOptions: { filter: odata`PartitionKey eq ${PARTITION}` } });
    for await (const row of rows) schedules.push(fromRow(row.rowKey!, row));
    return schedules.sort((a, b) => a.name.localeCompare(b.name));
  }

  /** False when there is no such schedule. */
  async remove(name: string): Promise<boolean> {
    try {
      await this.#table.deleteEntity(PARTITION, name);
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  /** False when there is no such schedule. Resuming does not fire what was due while paused. */
  async setPaused(name: string, paused: boolean, nowMs = Date.now()): Promise<boolean> {
    try {
      await this.#table.updateEntity({ partitionKey: PARTITION, rowKey: name, paused, ...(paused ? {} : { lastFiredAt: new Date(nowMs).toISOString() }) }, 'Merge');
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  /** Records fired due times, conditional on the ETag read with the schedule (a 412 if it changed since). */
  async recordFired(schedule: Schedule, dueTimes: readonly string[]): Promise<void> {
    const lastRuns = [...[...dueTimes].reverse(), ...schedule.lastRuns].slice(0, LAST_RUNS_KEPT);
    await this.#table.updateEntity(
      { partitionKey: PARTITION, rowKey: schedule.name, lastFiredAt: dueTimes.at(-1)!, lastRuns: JSON.stringify(lastRuns) },
      'Merge',
      { etag: schedule.etag },
    );
  }
}

function fromRow(name: string, row: ScheduleRow & { etag?: string }): Schedule {
  return {
    name,
    cron: row.cron,
    ...(row.timeZone ? { timeZone: row.timeZone } : {}),
    job: JSON.parse(row.job) as Record<string, unknown>,
    paused: row.paused === true,
    createdAt: row.createdAt,
    lastFiredAt: row.lastFiredAt,
    lastRuns: JSON.parse(row.lastRuns ?? '[]') as string[],
    etag: row.etag ?? '*',
  };
}
