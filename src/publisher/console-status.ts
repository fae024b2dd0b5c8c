/**
 * @module The publisher console's view of its own jobs: polls each unfinished job's summary in the audit
 * trail (one point read per job, about once a second), reports status changes, and renders a one-line tally.
 */
import type { JobSummary } from '../contracts/api.js';
import type { AuditStatus } from '../contracts/audit-event.js';

/** Statuses after which a job's summary never changes again: polling stops there. */
const FINISHED: ReadonlySet<AuditStatus> = new Set(['Completed', 'DeadLettered']);

/** Order and wording of the tally; statuses not listed are shown by name after these. */
const TALLY: ReadonlyArray<[AuditStatus, string]> = [
  ['Queued', 'queued'],
  ['Started', 'running'],
  ['Retrying', 'retrying'],
  ['Interrupted', 'interrupted'],
  ['LeaseLost', 'lease lost'],
  ['Completed', 'completed'],
  ['DeadLettered', 'dead-lettered'],
];

export interface TrackedJob {
  readonly jobId: string;
  readonly jobName: string;
  status: AuditStatus;
  attempts: number;
  failures: number;
  processorId?: string;
  lastError?: string;
}

export interface StatusBoardOptions {
  /** One point read of a job's summary; `undefined` while no processor has started it. */
  readonly readSummary: (jobId: string) => Promise<JobSummary | undefined>;
  readonly onChange: (job: TrackedJob) => void;
  readonly intervalMs?: number;
  /** Reads in flight at once, so a burst of jobs does not become a burst of requests. */
  readonly maxInFlight?: number;
}

export class JobStatusBoard {
  readonly #jobs: TrackedJob[] = [];
  readonly #options: Required<StatusBoardOptions>;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  #round: Promise<void> = Promise.resolve();
  /** The last read error, shown on the status line until a round succeeds. */
  unreachable: string | undefined;

  constructor(options: StatusBoardOptions) {
    this.#options = { intervalMs: 1000, maxInFlight: 8, ...options };
  }

  get jobs(): readonly TrackedJob[] {
    return this.#jobs;
  }

  add(job: { jobId: string; jobName: string }): void {
    this.#jobs.push({ jobId: job.jobId, jobName: job.jobName, status: 'Queued', attempts: 0, failures: 0 });
    this.#schedule();
  }

  /** Stops polling; waits for a round in progress. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#round;
  }

  // One self-rescheduling timer: a slow round delays the next instead of overlapping it.
  #schedule(): void {
    if (this.#closed || this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#round = this.#poll().finally(() => {
        this.#timer = undefined;
        if (this.#jobs.some((job) => !FINISHED.has(job.status))) this.#schedule();
      });
    }, this.#options.intervalMs);
  }

  async #poll(): Promise<void> {
    const pending = this.#jobs.filter((job) => !FINISHED.has(job.status));
    let failure: string | undefined;
    const worker = async () => {
      for (let job = pending.shift(); job && !this.#closed; job = pending.shift()) {
        try {
          const summary = await this.#options.readSummary(job.jobId);
          if (summary) this.#apply(job, summary);
        } catch (error) {
          failure = (error as Error).message;
        }
      }
    };
    await Promise.all(Array.from({ length: this.#options.maxInFlight }, worker));
    this.unreachable = failure;
  }

  #apply(job: TrackedJob, summary: JobSummary): void {
    const changed = summary.status !== job.status || summary.attempts !== job.attempts;
    job.status = summary.status;
    job.attempts = summary.attempts;
    job.failures = summary.failures;
    if (summary.processorId !== undefined) job.processorId = summary.processorId;
    if (summary.lastError !== undefined) job.lastError = summary.lastError;
    if (changed) this.#options.onChange(job);
  }
}

/** "14 jobs: 3 queued · 2 running · 9 completed" — counts of the console's jobs by status. */
export function tallyLine(jobs: readonly TrackedJob[]): string {
  if (jobs.length === 0) return 'no jobs yet';
  const counts = new Map<AuditStatus, number>();
  for (const job of jobs) counts.set(job.status, (counts.get(job.status) ?? 0) + 1);
  const known = new Set(TALLY.map(([status]) => status));
  const parts = [
    ...TALLY.filter(([status]) => counts.has(status)).map(([status, word]) => `${counts.get(status)} ${word}`),
    ...[...counts].filter(([status]) => !known.has(status)).map(([status, count]) => `${count} ${status}`),
  ];
  return `${jobs.length} job${jobs.length === 1 ? '' : 's'}: ${parts.join(' · ')}`;
}

/**
 * The line printed when a job's status changes. Polling once a second can miss a short-lived status (a
 * retry that starts 200 ms after the failure), so the line carries the attempt and failure counts too.
 */
export function changeLine(job: TrackedJob): string {
  const where = job.processorId ? ` on ${job.processorId}` : '';
  const failures = job.failures > 0 ? `, ${job.failures} failed` : '';
  const attempt = job.attempts > 0 ? ` (attempt ${job.attempts}${failures})` : '';
  const error = job.failures > 0 && job.status !== 'Completed' ? `: ${job.lastError ?? 'failed'}` : '';
  return `${job.jobId}  ${job.status}${where}${attempt}${error}`;
}
