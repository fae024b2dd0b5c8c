/**
 * @module A processor's report to the fleet: one heartbeat every HEARTBEAT_SECONDS (one storage request,
 * carrying the roll-up rows of the minutes that changed), the attempts it runs with their leases' expiry,
 * and on a clean stop one last write with state `stopped`.
 *
 * MUST: reporting never delays or fails a job. A heartbeat that cannot be written is logged and retried at
 * the next period; the roll-up keeps its rows until a write succeeds.
 */
import os from 'node:os';
import { HEARTBEAT_SECONDS, type ProcessorHeartbeat, type RunningJob } from '../contracts/fleet.js';
import type { JobRequest } from '../contracts/job-request.js';
import { errorMessage } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { batonVersion } from '../core/version.js';
import { MAX_MINUTE_ROWS_PER_BEAT, type FleetStore } from '../storage/fleet-store.js';
import type { HeldLease } from './lease-manager.js';
import { MinuteRollup, type AttemptEnd } from './minute-rollup.js';

export interface FleetReporterOptions {
  readonly store: FleetStore;
  readonly processorId: string;
  readonly concurrency: number;
  readonly partitions?: 'all' | readonly string[];
  readonly logger: Logger;
  /** Only tests shorten it. */
  readonly heartbeatMs?: number;
  readonly onError?: (error: unknown) => void;
}

export interface RunningAttempt {
  readonly job: JobRequest;
  readonly attempt: number;
  readonly leases: readonly HeldLease[];
  readonly startedAtMs: number;
}

export class FleetReporter {
  readonly rollup: MinuteRollup;
  readonly #options: FleetReporterOptions;
  readonly #startedAt = new Date().toISOString();
  readonly #running = new Set<RunningAttempt>();
  #ended: number[] = [];
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<void> = Promise.resolve();
  #stopped = false;

  constructor(options: FleetReporterOptions) {
    this.#options = options;
    this.rollup = new MinuteRollup(options.processorId);
  }

  get heartbeatMs(): number {
    return this.#options.heartbeatMs ?? HEARTBEAT_SECONDS * 1000;
  }

  /** Writes the first heartbeat now, then one per period. */
  start(): void {
    this.#beatAndReschedule();
  }

  attemptStarted(job: JobRequest, attempt: number, leases: readonly HeldLease[], publishedAtMs: number | undefined): RunningAttempt {
    const running: RunningAttempt = { job, attempt, leases, startedAtMs: Date.now() };
    this.#running.add(running);
    if (attempt === 1 && publishedAtMs !== undefined) this.rollup.recordWait(job.type, running.startedAtMs, running.startedAtMs - publishedAtMs);
    return running;
  }

  /** The attempt ended; `end` is undefined when it neither completed nor failed (cancelled, lease lost). */
  attemptEnded(running: RunningAttempt, end: AttemptEnd | undefined): void {
    this.#running.delete(running);
    if (!end) return;
    const now = Date.now();
    this.rollup.recordEnd(running.job.type, now, end, now - running.startedAtMs);
    this.#ended.push(now);
  }

  /** Stops the timer and writes state `stopped` (with the roll-up's last rows) at once. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#writing = this.#writing.then(() => this.#write('stopped'));
    await this.#writing;
  }

  heartbeat(state: 'live' | 'stopped', nowMs = Date.now()): ProcessorHeartbeat {
    this.#ended = this.#ended.filter((ms) => ms > nowMs - 60_000);
    const running = [...this.#running].map((r): RunningJob => ({
      jobId: r.job.jobId,
      lockKey: r.job.lockKey,
      type: r.job.type,
      attempt: r.attempt,
      startedAt: new Date(r.startedAtMs).toISOString(),
      // The attempt may run only while every lease holds: the earliest expiry is what counts.
      leaseExpiresAt: new Date(earliestExpiry(r.leases) ?? nowMs).toISOString(),
    }));
    return {
      processorId: this.#options.processorId,
      host: os.hostname(),
      version: batonVersion(),
      startedAt: this.#startedAt,
      heartbeatAt: new Date(nowMs).toISOString(),
      heartbeatSeconds: this.heartbeatMs / 1000,
      state,
      concurrency: this.#options.concurrency,
      partitions: this.#options.partitions ?? 'all',
      running,
      runningCount: running.length,
      jobsPerMinute: this.#ended.length,
    };
  }

  #beatAndReschedule(): void {
    if (this.#stopped) return;
    // Chained, so a slow write is never overtaken by the next one.
    this.#writing = this.#writing.then(() => this.#write('live'));
    this.#timer = setTimeout(() => this.#beatAndReschedule(), this.heartbeatMs);
    this.#timer.unref();
  }

  async #write(state: 'live' | 'stopped'): Promise<void> {
    const now = Date.now();
    const rows = this.rollup.pending(MAX_MINUTE_ROWS_PER_BEAT);
    const versions = this.rollup.versions(rows);
    try {
      await this.#options.store.beat(this.heartbeat(state, now), rows);
      this.rollup.written(rows, versions, now);
    } catch (error) {
      this.#options.onError?.(error);
      this.#options.logger.warn('could not write the heartbeat; trying again at the next one', { error: errorMessage(error) });
    }
  }
}

function earliestExpiry(leases: readonly HeldLease[]): number | undefined {
  return leases.length === 0 ? undefined : Math.min(...leases.map((lease) => lease.validUntil().getTime()));
}
