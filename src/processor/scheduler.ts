/**
 * @module Recurring jobs: the processor that holds the scheduler lease fires every schedule's due times.
 *
 * MUST: at most one processor fires at a time — the one holding a blob lease on the scheduler's lock,
 * renewed while it lives; another takes it within one lease period after it dies. A fire publishes the
 * job with jobId `<schedule>:<due time ISO UTC>` before recording the due time as fired, so a crash in
 * between (or two schedulers in a split second) fires it twice, and the second copy is a Duplicate,
 * never a second run. Missed due times follow `dueTimesToFire` (src/core/cron.ts).
 */
import { performance } from 'node:perf_hooks';
import type { JobRequest } from '../contracts/job-request.js';
import { firedJob } from '../core/schedule-rules.js';
import { coerceError } from '../core/errors.js';
import { compileCron, dueTimesToFire } from '../core/cron.js';
import type { Logger } from '../core/logger.js';
import type { AcquiredLease, LeaseStore } from '../storage/blob-lease-store.js';
import type { Schedule, ScheduleStore } from '../storage/schedule-store.js';

/** A lock key no job can use (job lock keys have no control characters). */
export const SCHEDULER_LOCK_KEY = '\u0001scheduler';
const LEASE_SECONDS = 15;
const RENEW_MS = 5_000;
/** Stop firing this long before the lease's deadline as this process knows it. */
const SAFETY_MS = 2_000;
const ACQUIRE_EVERY_MS = 3_000;
const TICK_MS = 200;
const RELOAD_MS = 1_000;

export interface SchedulerDeps {
  readonly leaseStore: LeaseStore;
  readonly schedules: ScheduleStore;
  /** Publishes a fired job (confirmed by the broker). */
  readonly publish: (job: JobRequest, schedule: string) => Promise<unknown>;
  readonly logger: Logger;
}

export class Scheduler {
  readonly #deps: SchedulerDeps;
  #lease: AcquiredLease | undefined;
  #renewedAt = 0;
  #lastAcquireAt = -Infinity;
  #loadedAt = -Infinity;
  #cache: Schedule[] = [];
  #timer: NodeJS.Timeout | undefined;
  #ticking: Promise<void> | undefined;
  #closed = false;

  constructor(deps: SchedulerDeps) {
    this.#deps = deps;
  }

  get leading(): boolean {
    return this.#lease !== undefined && performance.now() < this.#renewedAt + LEASE_SECONDS * 1000 - SAFETY_MS;
  }

  start(): void {
    const loop = () => {
      this.#ticking = this.#tick()
        .catch((error: unknown) => {
          this.#deps.logger.warn('scheduler tick failed', { error: coerceError(error).message });
        })
        .finally(() => {
          if (!this.#closed) this.#timer = setTimeout(loop, TICK_MS);
        });
    };
    loop();
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    await this.#ticking;
    const lease = this.#lease;
    this.#lease = undefined;
    if (lease) await this.#deps.leaseStore.release(lease.lockKey, lease.leaseId).catch(() => undefined);
  }

  async #tick(): Promise<void> {
    await this.#holdLease();
    if (!this.leading) return;
    if (performance.now() - this.#loadedAt >= RELOAD_MS) {
      this.#cache = await this.#deps.schedules.list();
      this.#loadedAt = performance.now();
    }
    for (const schedule of this.#cache) {
      if (!this.leading || this.#closed) return;
      if (!schedule.paused) await this.#fire(schedule);
    }
  }

  async #holdLease(): Promise<void> {
    const now = performance.now();
    if (!this.#lease) {
      if (now - this.#lastAcquireAt < ACQUIRE_EVERY_MS) return;
      this.#lastAcquireAt = now;
      const lease = await this.#deps.leaseStore.tryAcquire(SCHEDULER_LOCK_KEY, LEASE_SECONDS);
      if (!lease) return;
      this.#lease = lease;
      this.#renewedAt = lease.acquiredAt;
      this.#loadedAt = -Infinity;
      this.#deps.logger.info('scheduler lease taken: this processor fires recurring jobs');
      return;
    }
    if (now - this.#renewedAt < RENEW_MS) return;
    try {
      const sentAt = performance.now();
      if ((await this.#deps.leaseStore.renew(SCHEDULER_LOCK_KEY, this.#lease.leaseId)) === 'Renewed') this.#renewedAt = sentAt;
      else this.#loseLease('the service says another processor holds it');
    } catch (error) {
      // Outcome unknown: keep the lease while its deadline lasts (`leading` checks it), try again next tick.
      if (!this.leading) this.#loseLease(coerceError(error).message);
    }
  }

  #loseLease(reason: string): void {
    this.#lease = undefined;
    this.#deps.logger.warn('scheduler lease lost; another processor fires recurring jobs', { reason });
  }

  async #fire(schedule: Schedule): Promise<void> {
    let dueTimes: number[];
    try {
      dueTimes = dueTimesToFire(compileCron(schedule.cron, schedule.timeZone), Date.parse(schedule.lastFiredAt), Date.now());
    } catch (error) {
      this.#deps.logger.warn('schedule cannot be computed; skipped', { schedule: schedule.name, error: coerceError(error).message });
      return;
    }
    if (dueTimes.length === 0) return;
    for (const due of dueTimes) await this.#deps.publish(firedJob(schedule, due), schedule.name);
    try {
      await this.#deps.schedules.recordFired(schedule, dueTimes.map((due) => new Date(due).toISOString()));
    } catch (error) {
      // Changed since we read it (paused, resumed, fired by a scheduler that lost its lease): read again.
      this.#deps.logger.debug('schedule changed while firing; reloading', { schedule: schedule.name, error: coerceError(error).message });
    }
    this.#loadedAt = -Infinity;
  }
}
