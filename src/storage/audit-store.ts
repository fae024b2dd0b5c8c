/**
 * @module The audit trail: one table partition per job, its events in order, plus one `state` row.
 *
 * The state row is the job's summary and its fencing token. An attempt writes Started by inserting
 * (first attempt) or conditionally updating (later ones) the state row, and every later write of the
 * attempt is a transaction that updates the state row with the ETag the attempt last saw. Whoever
 * starts the next attempt changes the ETag, so a processor that lost its lease (paused past it, cut
 * off) cannot write Completed, or anything else, for the job: exactly one Completed per job, ever.
 *
 * Events that belong to no attempt (Queued, Deferred, Duplicate, Rejected, and LeaseLost from an
 * attempt already fenced out) are plain inserts.
 */
import { odata, type TableClient, type TableEntity, type TransactionAction } from '@azure/data-tables';
import type { JobSummary } from '../contracts/api.js';
import type { AuditEvent, AuditStatus, NewAuditEvent } from '../contracts/audit-event.js';
import type { JobRequest } from '../contracts/job-request.js';
import { FencedError } from '../core/errors.js';
import { isConflict, isNotFound, isPreconditionFailed } from './azure-errors.js';
import { eventFromEntity, eventToProperties } from './event-entity.js';
import { eventIdAt, newEventId } from './event-keys.js';
import type { RecentIndex } from './recent-index.js';

const STATE_ROW = 'state';
/** A transaction holds at most 100 entities; one of them is the state row. */
const MAX_EVENTS_PER_WRITE = 99;

/** The state row's fields (besides the keys). */
export interface JobState {
  status: AuditStatus;
  attempts: number;
  failures: number;
  processorId: string;
  jobName: string;
  type: string;
  lockKey: string;
  lastError?: string;
  firstStartedAt: string;
  lastStartedAt: string;
  completedAt?: string;
  updatedAt: string;
}

export type StateUpdate = Partial<Omit<JobState, 'updatedAt'>>;

export type StartOutcome =
  | { readonly kind: 'started'; readonly attempt: AttemptLog }
  /** The job already ended for good (Completed, or DeadLettered); this delivery must not run it. */
  | { readonly kind: 'finished'; readonly state: JobState };

const FINAL_STATUSES: ReadonlySet<AuditStatus> = new Set(['Completed', 'DeadLettered']);

export class AuditStore {
  readonly #table: TableClient;
  readonly #index: RecentIndex | undefined;

  constructor(table: TableClient, index?: RecentIndex) {
    this.#table = table;
    this.#index = index;
  }

  async ensureTable(): Promise<void> {
    await this.#table.createTable();
  }

  /**
   * Appends an event that belongs to no running attempt. `atMs` dates it in the past (LeaseLost).
   * `request`: the job request, kept on the row (a Scheduled event's, for run-now); never served as a field.
   */
  async append(event: Omit<NewAuditEvent, 'timestamp'>, atMs?: number, request?: JobRequest): Promise<AuditEvent> {
    const stamped = atMs === undefined ? stamp(event) : { ...event, eventId: eventIdAt(atMs), timestamp: new Date(atMs).toISOString() };
    await this.#table.createEntity({ ...toEntity(stamped), ...(request ? { request: JSON.stringify(request) } : {}) });
    this.#index?.add([stamped]);
    return stamped;
  }

  /**
   * Starts an attempt for `job`, or reports that the job already ended. `firstDelivery` lets the common
   * case (a job never seen) cost one request: insert the state row and Started together.
   */
  async startAttempt(job: JobRequest, processorId: string, options: { firstDelivery: boolean }): Promise<StartOutcome> {
    if (options.firstDelivery) {
      const started = await this.#tryFirstAttempt(job, processorId);
      if (started) return { kind: 'started', attempt: started };
    }
    for (;;) {
      const current = await this.#readState(job.jobId);
      if (!current) {
        const started = await this.#tryFirstAttempt(job, processorId);
        if (started) return { kind: 'started', attempt: started };
        continue;
      }
      if (FINAL_STATUSES.has(current.state.status)) return { kind: 'finished', state: current.state };
      const attemptNumber = current.state.attempts + 1;
      // The previous attempt never recorded its end: its processor crashed, was killed, or lost its
      // lease. It counts as a failure, so a job that kills its processors is dead-lettered in the end
      // instead of being redelivered forever.
      const stalled = current.state.status === 'Started';
      const failures = current.state.failures + (stalled ? 1 : 0);
      const log = new AttemptLog(this.#table, this.#index, job, processorId, attemptNumber, failures, current.etag);
      try {
        await log.write([startedEvent(job, processorId, attemptNumber, stalled)], {
          ...jobFields(job),
          status: 'Started',
          attempts: attemptNumber,
          failures,
          ...(stalled ? { lastError: `attempt ${current.state.attempts} ended without a record (processor ${current.state.processorId} stopped or lost its lease)` } : {}),
          processorId,
          lastStartedAt: new Date().toISOString(),
        });
        return { kind: 'started', attempt: log };
      } catch (error) {
        // Someone wrote the state row between our read and our write (a fenced-out attempt's last
        // words, say): read again. We hold the lease, so this settles at once.
        if (!(error instanceof FencedError)) throw error;
      }
    }
  }

  /** The job request kept with the job's Scheduled event, if it has one. */
  async scheduledRequest(jobId: string): Promise<JobRequest | undefined> {
    const rows = this.#table.listEntities<{ request?: string }>({
      queryOptions: { filter: odata`PartitionKey eq ${jobId} and status eq ${'Scheduled'}`, select: ['request'] },
    });
    for await (const row of rows) if (typeof row.request === 'string') return JSON.parse(row.request) as JobRequest;
    return undefined;
  }

  /** Every event of a job, oldest first; empty when the job is unknown. */
  async history(jobId: string): Promise<AuditEvent[]> {
    const events: AuditEvent[] = [];
    const entities = this.#table.listEntities<Record<string, unknown>>({
      queryOptions: { filter: odata`PartitionKey eq ${jobId} and RowKey ne ${STATE_ROW}` },
    });
    for await (const entity of entities) events.push(eventFromEntity(entity));
    return events;
  }

  async summary(jobId: string): Promise<JobSummary | undefined> {
    const current = await this.#readState(jobId);
    if (!current) return undefined;
    return { jobId, ...current.state };
  }

  async #tryFirstAttempt(job: JobRequest, processorId: string): Promise<AttemptLog | undefined> {
    const now = new Date().toISOString();
    const state: JobState = {
      ...jobFields(job),
      status: 'Started',
      attempts: 1,
      failures: 0,
      processorId,
      firstStartedAt: now,
      lastStartedAt: now,
      updatedAt: now,
    };
    const event = stamp(startedEvent(job, processorId, 1));
    try {
      const response = await this.#table.submitTransaction([
        ['create', { partitionKey: job.jobId, rowKey: STATE_ROW, ...state }],
        ['create', toEntity(event)],
      ]);
      this.#index?.add([event]);
      const etag = response.getResponseForEntity(STATE_ROW)?.etag ?? response.subResponses[0]?.etag;
      return new AttemptLog(this.#table, this.#index, job, processorId, 1, 0, requireEtag(etag));
    } catch (error) {
      if (isConflict(error)) return undefined; // the state row exists: not the first attempt
      throw error;
    }
  }

  async #readState(jobId: string): Promise<{ state: JobState; etag: string } | undefined> {
    try {
      const entity = await this.#table.getEntity<JobState>(jobId, STATE_ROW);
      const { partitionKey: _pk, rowKey: _rk, etag, timestamp: _ts, ...state } = entity as TableEntity<JobState> & {
        etag: string;
        timestamp?: string;
      };
      return { state: state as JobState, etag };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }
}

/**
 * The audit writes of one attempt, all fenced by the state row's ETag. Step events may be queued and
 * written behind (`enqueue`) so that a fast attempt's steps share a transaction with its end.
 */
export class AttemptLog {
  readonly #table: TableClient;
  readonly #index: RecentIndex | undefined;
  readonly #job: JobRequest;
  readonly processorId: string;
  readonly attempt: number;
  /** Failed attempts before this one. */
  readonly failuresBefore: number;
  #etag: string;
  #queued: AuditEvent[] = [];
  #chain: Promise<void> = Promise.resolve();
  #timer: NodeJS.Timeout | undefined;
  #backgroundError: unknown;
  /** Called before every write; throws when the attempt may no longer write (its lease is past its deadline). */
  guard: (() => void) | undefined;

  constructor(table: TableClient, index: RecentIndex | undefined, job: JobRequest, processorId: string, attempt: number, failuresBefore: number, etag: string) {
    this.#table = table;
    this.#index = index;
    this.#job = job;
    this.processorId = processorId;
    this.attempt = attempt;
    this.failuresBefore = failuresBefore;
    this.#etag = etag;
  }

  /** Queues an event to be written within `lingerMs` (or with the next write, whichever comes first). */
  enqueue(event: Omit<NewAuditEvent, 'timestamp'>, lingerMs: number, onError: (error: unknown) => void): void {
    this.#queued.push(stamp(event));
    if (this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.write([], {}).catch((error: unknown) => {
        this.#backgroundError = error;
        onError(error);
      });
    }, lingerMs);
  }

  /**
   * Writes queued events, then `events`, with `update` applied to the state row, in as few transactions
   * as fit. Throws FencedError when the attempt no longer owns the job; any other error leaves the
   * events queued for the next write.
   */
  write(events: ReadonlyArray<Omit<NewAuditEvent, 'timestamp'>>, update: StateUpdate): Promise<void> {
    const stamped = events.map(stamp);
    const run = this.#chain.then(() => this.#writeNow(stamped, update));
    this.#chain = run.catch(() => undefined);
    return run;
  }

  async #writeNow(events: AuditEvent[], update: StateUpdate): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    const pending = [...this.#queued, ...events];
    this.#queued = [];
    if (pending.length === 0 && Object.keys(update).length === 0) return;
    let offset = 0;
    try {
      do {
        this.guard?.();
        const chunk = pending.slice(offset, offset + MAX_EVENTS_PER_WRITE);
        const isLast = offset + MAX_EVENTS_PER_WRITE >= pending.length;
        await this.#transaction(chunk, isLast ? update : {});
        this.#index?.add(chunk);
        offset += MAX_EVENTS_PER_WRITE;
      } while (offset < pending.length);
    } catch (error) {
      // A fenced attempt has nothing more to say; otherwise keep the unwritten events for the next write.
      if (!(error instanceof FencedError)) this.#queued = [...pending.slice(offset), ...this.#queued];
      throw error;
    }
  }

  async #transaction(events: AuditEvent[], update: StateUpdate): Promise<void> {
    const stateEntity = { partitionKey: this.#job.jobId, rowKey: STATE_ROW, ...update, updatedAt: new Date().toISOString() };
    const actions: TransactionAction[] = [
      ['update', stateEntity, 'Merge', { etag: this.#etag }],
      ...events.map((event): TransactionAction => ['create', toEntity(event)]),
    ];
    try {
      const response = await this.#table.submitTransaction(actions);
      this.#etag = requireEtag(response.getResponseForEntity(STATE_ROW)?.etag ?? response.subResponses[0]?.etag);
    } catch (error) {
      if (isPreconditionFailed(error)) throw new FencedError();
      throw error;
    }
  }

  /** An error from a background write, if one happened since the last write. */
  get backgroundError(): unknown {
    return this.#backgroundError;
  }

  /** Stops the linger timer; queued events are dropped (used once the attempt has lost its right to write). */
  discard(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#queued = [];
  }
}

function stamp(event: Omit<NewAuditEvent, 'timestamp'>): AuditEvent {
  const { eventId, ms } = newEventId();
  return { ...event, eventId, timestamp: new Date(ms).toISOString() };
}

function toEntity(event: AuditEvent) {
  return { partitionKey: event.jobId, rowKey: event.eventId, ...eventToProperties(event) };
}

function startedEvent(job: JobRequest, processorId: string, attempt: number, afterStall = false): Omit<NewAuditEvent, 'timestamp'> {
  const note = afterStall ? ` (attempt ${attempt - 1} ended without a record and counts as failed)` : '';
  return { jobId: job.jobId, jobName: job.jobName, status: 'Started', attempt, processorId, message: `Attempt ${attempt} started on ${processorId}${note}` };
}

function jobFields(job: JobRequest) {
  return { jobName: job.jobName, type: job.type, lockKey: job.lockKey };
}

function requireEtag(etag: string | undefined): string {
  if (!etag) throw new Error('storage returned no ETag for the job state row');
  return etag;
}
