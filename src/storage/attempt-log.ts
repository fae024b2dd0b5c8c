/**
 * @module The audit writes of one attempt, all fenced by the state row's ETag.
 *
 * Every write is one transaction: the state row, updated only if its ETag is the one this attempt last
 * saw, plus the events. It also stamps the row with the attempt's `attemptId` and the write's number
 * (`writeSeq`). An answer can be lost after the service applied the write (the SDK's own retry then
 * meets the ETag its first try changed: 412, or an event row its first try created: 409), so a 409 or
 * 412 is never taken for fencing on sight: the state row is read back, and only a row that another
 * attempt wrote means FencedError. A write that failed with no answer at all (a transient error) is
 * resolved the same way before the next one, so that its events are never written twice — even when
 * the service applies it late, after a read-back that did not find it yet.
 */
import type { TableClient, TransactionAction } from '@azure/data-tables';
import { ATTEMPT_END_STATUSES, type AuditEvent, type AuditStatus, type NewAuditEvent } from '../contracts/audit-event.js';
import type { JobRequest } from '../contracts/job-request.js';
import { FencedError } from '../core/errors.js';
import { isConflict, isPreconditionFailed, isTransient } from './azure-errors.js';
import type { RecentIndex } from './recent-index.js';
import { indexedJob, type StateIndex } from './state-index.js';
import { eventEntity, readState, requireEtag, stamp, stampAt, STATE_ROW, stateEntity, type StateUpdate } from './state-row.js';

const END_STATUSES: ReadonlySet<AuditStatus> = new Set(ATTEMPT_END_STATUSES);

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
  /** The job's index shard (its state row's `indexShard`), where its index rows live. */
  readonly indexShard?: number | undefined;
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
  readonly #indexShard: number | undefined;
  readonly processorId: string;
  readonly attempt: number;
  /** Unique per attempt; the state row carries it while this attempt owns the job. */
  readonly attemptId: string;
  /** Failed attempts before this one. */
  readonly failuresBefore: number;
  #etag: string;
  /** The number of this attempt's last submitted write (see `writeSeq` in state-row.ts). */
  #lastSeq: number;
  /** Submissions that got no answer (or not yet one), by number, with their events: each may or may not have landed. */
  readonly #inDoubt = new Map<number, readonly AuditEvent[]>();
  /** The end event of this attempt known to be written, if any (Completed, Failed, LeaseLost, …). */
  #endWritten: AuditStatus | undefined;
  /** The loss being recorded (recordLoss): the same event, the same id, on every call. */
  #loss: AuditEvent | undefined;
  /** Events a read-back showed written by a submission in doubt, still to be taken off what is pending. */
  readonly #written = new Set<string>();
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
    this.#indexShard = init.indexShard;
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
      // An earlier write got no answer: find out what landed before writing its events again.
      if (this.#inDoubt.size > 0) {
        await this.#readBack(0);
        pending = this.#withoutWritten(pending);
      }
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
    this.#states?.moved({ job: indexedJob(this.#job, this.#indexShard), from: this.#status, to: status });
    this.#status = status;
  }

  /** `events` less those a read-back showed written (those go to the index now). */
  #withoutWritten(events: AuditEvent[]): AuditEvent[] {
    const written = events.filter((event) => this.#written.has(event.eventId));
    this.#written.clear();
    if (written.length === 0) return events;
    this.#index?.add(written);
    return events.filter((event) => !written.includes(event));
  }

  async #transaction(chunk: AuditEvent[], update: StateUpdate): Promise<void> {
    let events = chunk;
    // At most one retry: after a read-back that found the row still ours but with another ETag.
    for (let tries = 1; ; tries++) {
      // A fresh number per submission, so that "landed" names exactly this one.
      const seq = ++this.#lastSeq;
      this.#inDoubt.set(seq, events);
      const state = stateEntity(this.#jobId, { ...update, attemptId: this.attemptId, writeSeq: seq, updatedAt: new Date().toISOString() });
      const creates = events.map((event): TransactionAction => ['create', eventEntity(event)]);
      try {
        const response = await this.#table.submitTransaction([['update', state, 'Merge', { etag: this.#etag }], ...creates]);
        this.#etag = requireEtag(response.getResponseForEntity(STATE_ROW)?.etag ?? response.subResponses[0]?.etag);
        // Landed: no earlier submission can land any more (their ETags are stale).
        this.#inDoubt.clear();
        this.#noteWritten(events);
        return;
      } catch (error) {
        if (!isPreconditionFailed(error) && !isConflict(error)) {
          // No answer (transient): in doubt until a read-back says. Anything else: the request was refused.
          if (!isTransient(error)) this.#inDoubt.delete(seq);
          throw error;
        }
        if ((await this.#readBack(seq)) === 'landed') {
          this.#written.clear();
          return;
        }
        // Not this one; but an earlier one of ours may have landed, with some of these events.
        events = this.#withoutWritten(events);
        if (tries >= 2) throw error;
      }
    }
  }

  /**
   * Reads the state row. Another attempt's row means fenced. Ours names the submission that wrote it last:
   * if that is one of ours in doubt, its events are written (noted in #written), and every submission in
   * doubt up to it is settled (an older one can no longer land: its ETag is stale). Takes the row's ETag.
   * Answers whether submission `seq` is the one that landed.
   */
  async #readBack(seq: number): Promise<ReadBack> {
    const current = await readState(this.#table, this.#jobId);
    if (!current || current.state.attemptId !== this.attemptId) {
      throw new FencedError(`the job's state row belongs to attempt ${current?.state.attempts ?? '?'} on ${current?.state.processorId ?? '?'}`);
    }
    this.#etag = current.etag;
    const rowSeq = current.state.writeSeq ?? 0;
    const landed = this.#inDoubt.get(rowSeq) ?? [];
    for (const event of landed) this.#written.add(event.eventId);
    this.#noteWritten(landed);
    for (const inDoubt of [...this.#inDoubt.keys()]) if (inDoubt <= rowSeq) this.#inDoubt.delete(inDoubt);
    return rowSeq === seq ? 'landed' : 'not-landed';
  }

  #noteWritten(events: readonly AuditEvent[]): void {
    const end = events.find((event) => END_STATUSES.has(event.status));
    if (end) this.#endWritten = end.status;
  }

  /**
   * Records that this attempt lost its right to run (`event`, a LeaseLost dated `atMs`), unless its end is
   * already written: answers `'ended'` when an end of this attempt landed (an end write that got no answer
   * may have: this finds out), `'recorded'` once the loss is written. No guard: the loss is what is recorded.
   * While this attempt still owns the state row, the loss is written like any other write, conditional on
   * the row's ETag, so an end of this attempt still in flight can no longer land after it; once another
   * attempt owns the row, it is a plain insert. Throws on a transient error; call again (same event, same id).
   */
  recordLoss(event: Omit<NewAuditEvent, 'timestamp'>, atMs: number): Promise<'recorded' | 'ended'> {
    this.discard();
    const loss = (this.#loss ??= stampAt(event, atMs));
    const run = this.#chain.then(() => this.#recordLossNow(loss));
    this.#chain = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  async #recordLossNow(loss: AuditEvent): Promise<'recorded' | 'ended'> {
    try {
      for (let tries = 1; ; tries++) {
        await this.#readBack(0);
        this.#written.clear();
        if (this.#endWritten !== undefined) return this.#endWritten === loss.status ? 'recorded' : 'ended';
        const seq = ++this.#lastSeq;
        this.#inDoubt.set(seq, [loss]);
        const state = stateEntity(this.#jobId, { attemptId: this.attemptId, writeSeq: seq, updatedAt: new Date().toISOString() });
        try {
          await this.#table.submitTransaction([['update', state, 'Merge', { etag: this.#etag }], ['create', eventEntity(loss)]]);
          this.#inDoubt.clear();
          this.#noteWritten([loss]);
          this.#index?.add([loss]);
          return 'recorded';
        } catch (error) {
          if (!isPreconditionFailed(error) && !isConflict(error)) throw error;
          if (tries >= 2) throw error;
        }
      }
    } catch (error) {
      if (!(error instanceof FencedError)) throw error;
      // Another attempt owns the job: none of our ends landed after it started, and nothing we write is fenced now.
      try {
        await this.#table.createEntity(eventEntity(loss));
      } catch (insertError) {
        if (!isConflict(insertError)) throw insertError;
      }
      this.#index?.add([loss]);
      return 'recorded';
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
