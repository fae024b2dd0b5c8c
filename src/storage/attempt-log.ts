/**
 * @module The audit writes of one attempt, all fenced by the state row's ETag.
 *
 * Every write is one transaction: the state row, updated only if its ETag is the one this attempt last
 * saw, plus the events. It also stamps the row with the attempt's `attemptId` and the write's number
 * (`writeSeq`). An answer can be lost after the service applied the write (the SDK's own retry then
 * meets the ETag its first try changed: 412, or an event row its first try created: 409), so a 409 or
 * 412 is never taken for fencing on sight: the state row is read back, and only a row that another
 * attempt wrote means FencedError. A write that failed with no answer at all (a transient error) is
 * resolved the same way before the next one, so that its events are never written twice.
 */
import type { TableClient, TransactionAction } from '@azure/data-tables';
import type { AuditEvent, NewAuditEvent } from '../contracts/audit-event.js';
import type { JobRequest } from '../contracts/job-request.js';
import { FencedError } from '../core/errors.js';
import { isConflict, isPreconditionFailed, isTransient } from './azure-errors.js';
import type { RecentIndex } from './recent-index.js';
import { indexedJob, type StateIndex } from './state-index.js';
import { eventEntity, readState, requireEtag, stamp, STATE_ROW, stateEntity, type StateUpdate } from './state-row.js';

/** A transaction holds at most 100 entities; one of them is the state row. */
const MAX_EVENTS_PER_WRITE = 99;

export interface AttemptInit {
  readonly table: TableClient;
  readonly index: RecentIndex | undefined;
  readonly job: JobRequest;
  readonly processorId: string;
  readonly attempt: number;
  readonly attemptId: string;
  readonly failuresBefore: number;
  /** The state row's ETag as this attempt last saw it. */
  readonly etag: string;
  /** The number of the attempt's last write the row holds (1 once Started is written). */
  readonly writeSeq: number;
  /** Jobs by current status: told of every status this attempt writes (state-index.ts). */
  readonly states?: StateIndex | undefined;
}

/** What a read-back of the state row says about our write number `seq`. */
type ReadBack = 'landed' | 'not-landed';

/**
 * Step events may be queued and written behind (`enqueue`) so that a fast attempt's steps share a
 * transaction with its end.
 */
export class AttemptLog {
  readonly #table: TableClient;
  readonly #index: RecentIndex | undefined;
  readonly #jobId: string;
  readonly #job: JobRequest;
  readonly #states: StateIndex | undefined;
  /** The job's status as this attempt last wrote it: the state index moves the job from here. */
  #status = 'Started';
  readonly processorId: string;
  readonly attempt: number;
  /** Unique per attempt; the state row carries it while this attempt owns the job. */
  readonly attemptId: string;
  /** Failed attempts before this one. */
  readonly failuresBefore: number;
  #etag: string;
  /** The number of this attempt's last submitted write (see `writeSeq` in state-row.ts). */
  #lastSeq: number;
  /** A write whose answer never came: it may or may not have landed. */
  #uncertain: { seq: number; eventIds: ReadonlySet<string> } | undefined;
  #queued: AuditEvent[] = [];
  #chain: Promise<void> = Promise.resolve();
  #timer: NodeJS.Timeout | undefined;
  #backgroundError: unknown;
  /** Called before every write; throws when the attempt may no longer write (its lease is past its deadline). */
  guard: (() => void) | undefined;

  constructor(init: AttemptInit) {
    this.#table = init.table;
    this.#index = init.index;
    this.#jobId = init.job.jobId;
    this.#job = init.job;
    this.#states = init.states;
    this.processorId = init.processorId;
    this.attempt = init.attempt;
    this.attemptId = init.attemptId;
    this.failuresBefore = init.failuresBefore;
    this.#etag = init.etag;
    this.#lastSeq = init.writeSeq;
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
   * events queued for the next write (which first finds out whether this one landed).
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
    let pending = [...this.#queued, ...events];
    this.#queued = [];
    let offset = 0;
    try {
      if (this.#uncertain) pending = await this.#settleUncertain(pending);
      if (pending.length === 0 && Object.keys(update).length === 0) return;
      do {
        this.guard?.();
        const chunk = pending.slice(offset, offset + MAX_EVENTS_PER_WRITE);
        const isLast = offset + MAX_EVENTS_PER_WRITE >= pending.length;
        await this.#transaction(chunk, isLast ? update : {});
        this.#index?.add(chunk);
        offset += MAX_EVENTS_PER_WRITE;
      } while (offset < pending.length);
      this.#noteStatus(update.status);
    } catch (error) {
      // A fenced attempt has nothing more to say; otherwise keep the unwritten events for the next write.
      if (!(error instanceof FencedError)) this.#queued = [...pending.slice(offset), ...this.#queued];
      throw error;
    }
  }

  #noteStatus(status: string | undefined): void {
    if (status === undefined || status === this.#status) return;
    this.#states?.moved({ job: indexedJob(this.#job), from: this.#status, to: status });
    this.#status = status;
  }

  /** Finds out whether the write that got no answer landed; drops its events from `pending` if it did. */
  async #settleUncertain(pending: AuditEvent[]): Promise<AuditEvent[]> {
    const uncertain = this.#uncertain!;
    const outcome = await this.#readBack(uncertain.seq);
    this.#uncertain = undefined;
    if (outcome === 'not-landed') return pending;
    const written = pending.filter((event) => uncertain.eventIds.has(event.eventId));
    this.#index?.add(written);
    return pending.filter((event) => !uncertain.eventIds.has(event.eventId));
  }

  async #transaction(events: AuditEvent[], update: StateUpdate): Promise<void> {
    const creates = events.map((event): TransactionAction => ['create', eventEntity(event)]);
    // At most one retry: after a read-back that found the row still ours but with another ETag.
    for (let tries = 1; ; tries++) {
      // A fresh number per submission, so that "landed" names exactly this one.
      const seq = ++this.#lastSeq;
      const state = stateEntity(this.#jobId, { ...update, attemptId: this.attemptId, writeSeq: seq, updatedAt: new Date().toISOString() });
      try {
        const response = await this.#table.submitTransaction([['update', state, 'Merge', { etag: this.#etag }], ...creates]);
        this.#etag = requireEtag(response.getResponseForEntity(STATE_ROW)?.etag ?? response.subResponses[0]?.etag);
        return;
      } catch (error) {
        if (isPreconditionFailed(error) || isConflict(error)) {
          if ((await this.#readBack(seq)) === 'landed') return;
          if (tries < 2) continue;
        } else if (isTransient(error)) {
          this.#uncertain = { seq, eventIds: new Set(events.map((event) => event.eventId)) };
        }
        throw error;
      }
    }
  }

  /**
   * Reads the state row: another attempt's row means fenced; ours with write `seq` means it landed (take
   * the row's ETag and carry on); ours without it means it did not (take the ETag, the caller may retry).
   */
  async #readBack(seq: number): Promise<ReadBack> {
    const current = await readState(this.#table, this.#jobId);
    if (!current || current.state.attemptId !== this.attemptId) {
      throw new FencedError(`the job's state row belongs to attempt ${current?.state.attempts ?? '?'} on ${current?.state.processorId ?? '?'}`);
    }
    this.#etag = current.etag;
    return current.state.writeSeq === seq ? 'landed' : 'not-landed';
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
