/**
 * @module The audit trail: one table partition per job, its events in order, plus one `state` row.
 *
 * The state row is the job's summary and its fencing token. An attempt writes Started by inserting
 * (first attempt) or conditionally updating (later ones) the state row, and every later write of the
 * attempt is a transaction that updates the state row with the ETag the attempt last saw (attempt-log.ts).
 * Whoever starts the next attempt changes the ETag, so a processor that lost its lease (paused past it,
 * cut off) cannot write Completed, or anything else, for the job: exactly one Completed per job, ever.
 *
 * The row also names the attempt that wrote it (`attemptId`), so that a lost answer is never taken for
 * another attempt's write: a 409 on the first attempt's create is read back, and a Started this
 * processor wrote without hearing back is resumed, not counted as a stalled attempt. Retried, a
 * Started keeps its attempt's identity, so that a first try the service applied late is ours too.
 *
 * Events that belong to no attempt (Deferred, Duplicate, Rejected, and LeaseLost from an attempt already
 * fenced out) are plain inserts. A new job's `Queued` is not: the publisher writes it to the queued register
 * (queued-register.ts), where jobs published together share a transaction, and the job's first `Started`
 * copies it into the partition in its own transaction; `history` reads it from the register until then.
 */
import { odata, type TableClient } from '@azure/data-tables';
import type { JobSummary } from '../contracts/api.js';
import { tenantOf, type AuditEvent, type NewAuditEvent } from '../contracts/audit-event.js';
import type { JobRequest } from '../contracts/job-request.js';
import { FencedError } from '../core/errors.js';
import { sleep } from '../core/time.js';
import { AttemptLog } from './attempt-log.js';
import { isConflict, isPreconditionFailed, isTransient } from './azure-errors.js';
import { cancelActions, CONTROL_ROW, FINAL_STATUSES, readJobRows } from './job-control.js';
import { eventFromEntity } from './event-entity.js';
import type { QueuedCopy } from './queued-event.js';
import { queuedCopy, type QueuedRegister } from './queued-register.js';
import type { RecentIndex } from './recent-index.js';
import { indexedJob, indexShardOf, type StateIndex } from './state-index.js';
import { eventEntity, newAttemptId, readState, requireEtag, stamp, stampAt, STATE_ROW, stateEntity, type JobState } from './state-row.js';

export { AttemptLog } from './attempt-log.js';
export type { JobState, StateUpdate } from './state-row.js';

export type StartOutcome =
  | { readonly kind: 'started'; readonly attempt: AttemptLog }
  /** The job already ended for good (Completed, DeadLettered or Cancelled); this delivery must not run it. */
  | { readonly kind: 'finished'; readonly state: JobState }
  /** An operator cancelled the waiting job: `Cancelled` is now recorded (with the state row), and it must not run. */
  | { readonly kind: 'cancelled' }
  /** The message is a copy from before the job's latest requeue (a dead-letter copy moved back by hand). */
  | { readonly kind: 'superseded'; readonly generation: number };

/** A Started write of ours that got no answer: if it landed, its attempt is resumed, never counted as stalled. */
interface UnconfirmedStart {
  readonly attemptId: string;
  readonly attempt: number;
  readonly failuresBefore: number;
}

/** Bounds the memory of unconfirmed starts (each entry is forgotten once resolved). */
const MAX_UNCONFIRMED = 1000;
/**
 * How long startAttempt retries transient failures while its caller holds the lease: past one try's
 * timeout (10 s, clients.ts), so that a Started applied late is found by the retry.
 */
export const START_RETRY_MS = 15_000;

export class AuditStore {
  readonly #table: TableClient;
  readonly #index: RecentIndex | undefined;
  readonly #unconfirmed = new Map<string, UnconfirmedStart>();
  /** Jobs by current status: told of every transition here, written behind (state-index.ts). */
  readonly #states: StateIndex | undefined;
  /** New jobs' Queued events until their first Started copies them into their partitions. */
  readonly #register: QueuedRegister | undefined;

  constructor(table: TableClient, index?: RecentIndex, states?: StateIndex, register?: QueuedRegister) {
    this.#table = table;
    this.#index = index;
    this.#states = states;
    this.#register = register;
  }

  async ensureTable(): Promise<void> {
    await this.#table.createTable();
  }

  /**
   * Appends an event that belongs to no running attempt. `atMs` dates it in the past (LeaseLost); such an
   * event's id is the same on every call, so that a caller retrying it after a lost answer writes it once.
   * `job`: the job request (Queued, Scheduled) for the state index, with its index shard; the event's row also
   * keeps it, for run-now and requeue (job-control.ts; never served as a field).
   */
  async append(event: Omit<NewAuditEvent, 'timestamp'>, atMs?: number, job?: JobRequest, indexShard?: number): Promise<AuditEvent> {
    const stamped = atMs === undefined ? stamp(event) : stampAt(event, atMs);
    const kept = job && (event.status === 'Scheduled' || event.status === 'Queued') ? { request: JSON.stringify(job) } : {};
    try {
      await this.#table.createEntity({ ...eventEntity(stamped), ...kept });
    } catch (error) {
      // Event ids are unique: a conflict is our own insert, applied by a try whose answer was lost.
      if (!isConflict(error)) throw error;
    }
    this.#index?.add([stamped]);
    if (job && (event.status === 'Queued' || event.status === 'Scheduled')) this.#states?.moved({ job: indexedJob(job, indexShard), to: event.status });
    return stamped;
  }

  /**
   * Appends an event that belongs to no attempt (Deferred, Duplicate, Throttled…) with the job's Queued copied
   * from its message (queued-event.ts), in one transaction: the job's partition holds its Queued from the first
   * write a processor makes to it. Without a copy (or for another job), a plain append.
   */
  async appendWithQueued(event: Omit<NewAuditEvent, 'timestamp'>, copy: QueuedCopy | undefined): Promise<AuditEvent> {
    if (!copy || copy.event.jobId !== event.jobId) return this.append(event);
    const stamped = stamp(event);
    try {
      await this.#table.submitTransaction([['create', eventEntity(stamped)], queuedCopy(copy.event, copy.job)]);
    } catch (error) {
      // The event's id is unique: a conflict is our own transaction, applied by a try whose answer was lost.
      if (!isConflict(error)) throw error;
    }
    this.#index?.add([stamped]);
    return stamped;
  }

  /**
   * Records a new job's Queued event (stamped by the caller, who named it in the message's header) in the
   * queued register; without one, in the job's partition. Resolves once it is stored.
   */
  async register(event: AuditEvent, job: JobRequest, indexShard?: number): Promise<AuditEvent> {
    if (!this.#register) return this.append(event, eventMs(event), job, indexShard);
    await this.#register.record(event, job, indexShard);
    this.#index?.add([event]);
    this.#states?.moved({ job: indexedJob(job, indexShard), to: 'Queued' });
    return event;
  }

  /**
   * Starts an attempt for `job`, or reports that the job already ended. `firstDelivery` lets the common
   * case (a job never seen) cost one request: insert the state row and Started together.
   *
   * A transient failure is retried for up to `retryForMs` (default START_RETRY_MS; no new try begins
   * after it, nor once `signal` aborts): the caller holds the lease meanwhile, so a Started that got no
   * answer, or that the service applied late, is found and carried on by this processor instead of being
   * taken by the next one for a stalled attempt. A caller that stops waiting should abort `signal`.
   */
  async startAttempt(job: JobRequest, processorId: string, options: StartOptions): Promise<StartOutcome> {
    const giveUpAt = performance.now() + (options.retryForMs ?? START_RETRY_MS);
    for (let failures = 0; ; failures++) {
      try {
        return await this.#start(job, processorId, options.firstDelivery && failures === 0, options);
      } catch (error) {
        const delayMs = Math.min(2000, 250 * 2 ** failures);
        if (!isTransient(error) || options.signal?.aborted || performance.now() + delayMs > giveUpAt) throw error;
        await sleep(delayMs);
      }
    }
  }

  /** `generation`: the message's requeue generation (job-control.ts); an older one than the job's never runs. */
  async #start(job: JobRequest, processorId: string, firstDelivery: boolean, options: StartOptions): Promise<StartOutcome> {
    const generation = options.generation ?? 0;
    if (firstDelivery && !this.#unconfirmed.has(job.jobId)) {
      const started = await this.#tryFirstAttempt(job, processorId, newAttemptId(), options);
      if (started) return { kind: 'started', attempt: started };
    }
    for (;;) {
      // The control row comes in the same request: a cancel or a requeue costs the start nothing more.
      const { state: current, control } = await readJobRows(this.#table, job.jobId);
      const mine = this.#unconfirmed.get(job.jobId);
      if (!current) {
        // Retrying our own first attempt keeps its identity, so that its first try, applied late, is ours.
        const started = await this.#tryFirstAttempt(job, processorId, mine?.attempt === 1 ? mine.attemptId : newAttemptId(), options);
        if (started) return { kind: 'started', attempt: started };
        continue;
      }
      if (FINAL_STATUSES.has(current.state.status)) {
        this.#unconfirmed.delete(job.jobId);
        return { kind: 'finished', state: current.state };
      }
      const latest = Number(current.state.generation ?? 0);
      if (generation < latest) return { kind: 'superseded', generation: latest };
      if (control?.cancelRequested) {
        if (await this.#cancelWaiting(job, processorId, current)) return { kind: 'cancelled' };
        continue;
      }
      if (mine && current.state.attemptId === mine.attemptId && current.state.status === 'Started') {
        this.#unconfirmed.delete(job.jobId);
        return { kind: 'started', attempt: this.#resume(job, processorId, mine, current) };
      }
      if (mine && mine.attempt <= current.state.attempts) this.#unconfirmed.delete(job.jobId); // superseded
      const retrying = mine && mine.attempt === current.state.attempts + 1;
      const started = await this.#tryNextAttempt(job, processorId, current, retrying ? mine.attemptId : newAttemptId());
      if (started) return { kind: 'started', attempt: started };
    }
  }

  /**
   * The job was cancelled while it waited (or its attempt ended before the cancel reached it): this
   * processor holds its lease, so no attempt runs; `Cancelled` goes in with the state row, fenced by its ETag.
   * False when the row changed meanwhile (read again).
   */
  async #cancelWaiting(job: JobRequest, processorId: string, current: { state: JobState; etag: string }): Promise<boolean> {
    const event = stamp({ jobId: job.jobId, jobName: job.jobName, status: 'Cancelled', attempt: 0, processorId, message: 'Cancelled before it could run again; this delivery was acknowledged unrun' });
    try {
      await this.#table.submitTransaction(cancelActions(job, processorId, current.etag, [event]));
    } catch (error) {
      if (isConflict(error) || isPreconditionFailed(error)) return false;
      throw error;
    }
    this.#index?.add([event]);
    this.#unconfirmed.delete(job.jobId);
    this.#states?.moved({ job: indexedJob(job, indexShardOf(current.state.indexShard)), from: current.state.status, to: 'Cancelled' });
    return true;
  }

  /**
   * Every event of a job, oldest first; empty when the job is unknown. A job no processor has written to
   * yet has its Queued in the register only: one more read, for such jobs alone.
   */
  async history(jobId: string): Promise<AuditEvent[]> {
    const events: AuditEvent[] = [];
    const entities = this.#table.listEntities<Record<string, unknown>>({
      queryOptions: { filter: odata`PartitionKey eq ${jobId} and RowKey ne ${STATE_ROW} and RowKey ne ${CONTROL_ROW}` },
    });
    for await (const entity of entities) events.push(eventFromEntity(entity));
    if (!this.#register || events.some((event) => event.status === 'Queued' || event.status === 'Scheduled')) return events;
    const registered = await this.#register.read(jobId);
    if (!registered) return events;
    return [...events, registered.event].sort((a, b) => (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0));
  }

  async summary(jobId: string): Promise<JobSummary | undefined> {
    const current = await readState(this.#table, jobId);
    if (!current) return undefined;
    const { attemptId: _id, writeSeq: _seq, indexShard: _shard, ...state } = current.state;
    return { jobId, ...state };
  }

  /**
   * `queued`: the job's Queued event from its message, copied into the partition with Started (an upsert: the
   * same row every time); `indexShard`: the one its publisher chose, kept in the state row for later movers.
   */
  async #tryFirstAttempt(job: JobRequest, processorId: string, attemptId: string, { queued, indexShard }: StartOptions): Promise<AttemptLog | undefined> {
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
      attemptId,
      writeSeq: 1,
      ...(indexShard === undefined ? {} : { indexShard }),
    };
    const event = stamp(startedEvent(job, processorId, 1));
    const log = (etag: string) => new AttemptLog({ table: this.#table, index: this.#index, job, processorId, attempt: 1, attemptId, failuresBefore: 0, etag, writeSeq: 1, states: this.#states, indexShard });
    const indexed = indexedJob(job, indexShard);
    try {
      const response = await this.#table.submitTransaction([
        ['create', stateEntity(job.jobId, state)],
        ['create', eventEntity(event)],
        ...(queued ? [queuedCopy(queued, job)] : []),
      ]);
      this.#index?.add([event]);
      this.#unconfirmed.delete(job.jobId);
      this.#states?.moved({ job: indexed, from: 'Queued', to: 'Started' });
      return log(requireEtag(response.getResponseForEntity(STATE_ROW)?.etag ?? response.subResponses[0]?.etag));
    } catch (error) {
      if (!isConflict(error) && !isTransient(error)) throw error;
      // The row exists (409), or no answer came: whose row is it? Ours means the create landed.
      const current = await readState(this.#table, job.jobId).catch(() => undefined);
      if (current?.state.attemptId === attemptId) {
        this.#index?.add([event]);
        this.#unconfirmed.delete(job.jobId);
        this.#states?.moved({ job: indexed, from: 'Queued', to: 'Started' });
        return log(current.etag);
      }
      if (isConflict(error) || current) return undefined; // another attempt's row: not the first attempt
      this.#remember(job.jobId, { attemptId, attempt: 1, failuresBefore: 0 });
      throw error;
    }
  }

  /** Carries on an attempt whose Started is a write of ours that got no answer at the time. */
  #resume(job: JobRequest, processorId: string, mine: UnconfirmedStart, current: { state: JobState; etag: string }): AttemptLog {
    return new AttemptLog({
      table: this.#table,
      index: this.#index,
      job,
      processorId,
      attempt: mine.attempt,
      attemptId: mine.attemptId,
      failuresBefore: mine.failuresBefore,
      etag: current.etag,
      writeSeq: current.state.writeSeq ?? 1,
      states: this.#states,
      indexShard: indexShardOf(current.state.indexShard),
    });
  }

  async #tryNextAttempt(job: JobRequest, processorId: string, current: { state: JobState; etag: string }, attemptId: string): Promise<AttemptLog | undefined> {
    const attemptNumber = current.state.attempts + 1;
    // The previous attempt never recorded its end: its processor crashed, was killed, or lost its
    // lease. It counts as a failure, so a job that kills its processors is dead-lettered in the end
    // instead of being redelivered forever.
    const stalled = current.state.status === 'Started';
    const failures = current.state.failures + (stalled ? 1 : 0);
    // writeSeq 0: the row holds none of this attempt's writes yet; Started is its write number 1.
    // The job keeps the index shard its first attempt recorded: its rows are there.
    const indexShard = indexShardOf(current.state.indexShard);
    const log = new AttemptLog({ table: this.#table, index: this.#index, job, processorId, attempt: attemptNumber, attemptId, failuresBefore: failures, etag: current.etag, writeSeq: 0, states: this.#states, indexShard });
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
      this.#unconfirmed.delete(job.jobId);
      this.#states?.moved({ job: indexedJob(job, indexShard), from: current.state.status, to: 'Started' });
      return log;
    } catch (error) {
      // Someone wrote the state row between our read and our write (a fenced-out attempt's last
      // words, say): read again. We hold the lease, so this settles at once.
      if (error instanceof FencedError) return undefined;
      if (isTransient(error)) this.#remember(job.jobId, { attemptId, attempt: attemptNumber, failuresBefore: failures });
      throw error;
    }
  }

  #remember(jobId: string, start: UnconfirmedStart): void {
    this.#unconfirmed.delete(jobId);
    this.#unconfirmed.set(jobId, start);
    if (this.#unconfirmed.size > MAX_UNCONFIRMED) this.#unconfirmed.delete(this.#unconfirmed.keys().next().value!);
  }
}

export interface StartOptions {
  readonly firstDelivery: boolean;
  readonly generation?: number;
  /** The job's Queued event, named by its message (queued-event.ts): copied into the partition with the first Started. */
  readonly queued?: AuditEvent;
  /** The job's index shard, named by its message (state-index.ts): kept in the state row by the first Started. */
  readonly indexShard?: number;
  readonly retryForMs?: number;
  readonly signal?: AbortSignal;
}

function eventMs(event: AuditEvent): number {
  return Date.parse(event.timestamp);
}

function startedEvent(job: JobRequest, processorId: string, attempt: number, afterStall = false): Omit<NewAuditEvent, 'timestamp'> {
  const note = afterStall ? ` (attempt ${attempt - 1} ended without a record and counts as failed)` : '';
  return { jobId: job.jobId, jobName: job.jobName, ...tenantOf(job), status: 'Started', attempt, processorId, message: `Attempt ${attempt} started on ${processorId}${note}` };
}

function jobFields(job: JobRequest) {
  return { jobName: job.jobName, type: job.type, lockKey: job.lockKey };
}
