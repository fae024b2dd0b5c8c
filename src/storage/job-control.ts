/**
 * @module Operators' requests on a job (cancel, requeue), kept in the job's own audit partition.
 *
 * A `control` row sits beside the job's `state` row: `cancelRequested` (and who asked), and the job's
 * requeue `generation`. The processor reads both rows in the one query it already makes before starting
 * an attempt (`readJobRows`), so a cancel costs the hot path no extra request.
 *
 * MUST: nothing here writes the state row of a job whose attempt may be running (status `Started`): its
 * ETag fences that attempt, and a write here would look like a takeover. A running job gets only the
 * control row and a broadcast (its processor stops the handler and records `Cancelled` itself). A job
 * with no running attempt (no state row yet, or waiting: Queued, Retrying, Interrupted) has no one to
 * fence, so it is made final here at once, conditionally: a processor starting it at the same moment
 * meets a changed row (409/412), reads again, and finds it ended. Every write is one transaction in the
 * job's partition (state row, control row and events together), so none is seen half-done.
 */
import { odata, type TableClient, type TransactionAction } from '@azure/data-tables';
import { tenantOf, type AuditEvent, type AuditStatus, type NewAuditEvent } from '../contracts/audit-event.js';
import type { JobRequest } from '../contracts/job-request.js';
import { isConflict, isNotFound, isPreconditionFailed } from './azure-errors.js';
import { queuedCopy, type QueuedRecord, type QueuedRegister } from './queued-register.js';
import type { RecentIndex } from './recent-index.js';
import { indexedJob, indexShardOf, type StateIndex } from './state-index.js';
import { eventEntity, stamp, STATE_ROW, stateEntity, type JobState } from './state-row.js';

export const CONTROL_ROW = 'control';

/** Statuses after which a job never runs again unless an operator requeues it. */
export const FINAL_STATUSES: ReadonlySet<AuditStatus> = new Set(['Completed', 'DeadLettered', 'Cancelled']);
/** The statuses a requeue brings back. */
const REQUEUABLE: ReadonlySet<AuditStatus> = new Set(['DeadLettered', 'Cancelled']);
/** A write that meets another writer's change reads again; past this many, someone is writing in a loop. */
const MAX_TRIES = 5;

export interface ControlRow {
  cancelRequested?: boolean;
  cancelledBy?: string;
  /** Bumped by each requeue; a message of an older generation (a dead-letter copy moved back) is a Duplicate. */
  generation?: number;
}

export interface JobRows {
  readonly state?: { readonly state: JobState; readonly etag: string };
  readonly control?: ControlRow;
}

/** The state and control rows of a job, in one request. */
export async function readJobRows(table: TableClient, jobId: string): Promise<JobRows> {
  const rows = table.listEntities<Record<string, unknown>>({
    queryOptions: { filter: odata`PartitionKey eq ${jobId} and (RowKey eq ${STATE_ROW} or RowKey eq ${CONTROL_ROW})` },
  });
  let state: JobRows['state'];
  let control: ControlRow | undefined;
  for await (const row of rows) {
    const { partitionKey: _pk, rowKey, etag, timestamp: _ts, ...fields } = row as Record<string, unknown> & { rowKey: string; etag: string };
    if (rowKey === STATE_ROW) state = { state: fields as unknown as JobState, etag };
    else control = fields as ControlRow;
  }
  return { ...(state ? { state } : {}), ...(control ? { control } : {}) };
}

/** Whether an operator asked to cancel the job (one point read; the processors' safety net for a missed broadcast). */
export async function isCancelRequested(table: TableClient, jobId: string): Promise<boolean> {
  try {
    const row = await table.getEntity<ControlRow>(jobId, CONTROL_ROW, { queryOptions: { select: ['cancelRequested'] } });
    return row.cancelRequested === true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}

/** The actions that end a job that is not running as Cancelled: its state row (created or, fenced by `etag`, updated) and events. */
export function cancelActions(job: Pick<JobRequest, 'jobId' | 'jobName' | 'type' | 'lockKey'>, by: string, etag: string | undefined, events: readonly AuditEvent[], indexShard?: number): TransactionAction[] {
  const now = new Date().toISOString();
  const fields: Partial<JobState> = { status: 'Cancelled', processorId: by, updatedAt: now };
  const shard = indexShard === undefined ? {} : { indexShard };
  const state: TransactionAction =
    etag === undefined
      ? ['create', stateEntity(job.jobId, { ...fields, jobName: job.jobName, type: job.type, lockKey: job.lockKey, attempts: 0, failures: 0, ...shard })]
      : ['update', stateEntity(job.jobId, fields), 'Merge', { etag }];
  return [state, ...events.map((event): TransactionAction => ['create', eventEntity(event)])];
}

export type CancelResult =
  | { readonly kind: 'cancelled' }
  /** Running: the control row says so; its processor stops it (the caller broadcasts). */
  | { readonly kind: 'stopping' }
  | { readonly kind: 'ended'; readonly status: string }
  | { readonly kind: 'unknown' };

export type RequeueResult =
  /** `indexShard`: where the job's index rows live (state-index.ts), for the publish that follows. */
  | { readonly kind: 'requeued'; readonly job: JobRequest; readonly generation: number; readonly indexShard?: number }
  | { readonly kind: 'conflict'; readonly status: string }
  | { readonly kind: 'unknown' };

export class JobControl {
  readonly #table: TableClient;
  readonly #index: RecentIndex | undefined;
  readonly #states: StateIndex | undefined;
  readonly #register: QueuedRegister | undefined;

  constructor(table: TableClient, index?: RecentIndex, states?: StateIndex, register?: QueuedRegister) {
    this.#table = table;
    this.#index = index;
    this.#states = states;
    this.#register = register;
  }

  /** Whether an operator asked to cancel the job: the processors' check of running attempts. */
  isCancelRequested(jobId: string): Promise<boolean> {
    return isCancelRequested(this.#table, jobId);
  }

  /** `CancelRequested` by `actor`; a job with no running attempt is `Cancelled` at once. Safe to repeat. */
  async cancel(jobId: string, actor: string): Promise<CancelResult> {
    for (let tries = 1; ; tries++) {
      const { state, control } = await readJobRows(this.#table, jobId);
      if (state && FINAL_STATUSES.has(state.state.status)) return { kind: 'ended', status: state.state.status };
      // The kept request names the job's tenant, so that the tenant's event feed shows the operator's actions too.
      const { request: kept, registered } = await this.#kept(jobId);
      const requested = this.#event(jobId, 'CancelRequested', `Cancel requested by ${actor}`, actor, kept ?? state?.state);
      const flag: TransactionAction = ['upsert', { partitionKey: jobId, rowKey: CONTROL_ROW, cancelRequested: true, cancelledBy: actor }, 'Merge'];
      try {
        if (state?.state.status === 'Started') {
          // Running (or its processor died): the attempt ends itself; a repeat adds no second request event.
          if (control?.cancelRequested) return { kind: 'stopping' };
          await this.#table.submitTransaction([flag, ['create', eventEntity(requested)]]);
          this.#index?.add([requested]);
          return { kind: 'stopping' };
        }
        if (!state && !kept) return (await this.#hasHistory(jobId)) ? { kind: 'ended', status: 'unknown (no request kept)' } : { kind: 'unknown' };
        const job = kept ?? { jobId, jobName: state!.state.jobName, type: state!.state.type, lockKey: state!.state.lockKey };
        const cancelled = this.#event(jobId, 'Cancelled', `Cancelled by ${actor} before it started; it will not run`, actor, job);
        // A Queued still only in the register goes into the partition with the job's end (no processor will copy it).
        const copy = registered && kept ? [queuedCopy(registered.event, kept)] : [];
        const indexShard = state ? indexShardOf(state.state.indexShard) : registered?.indexShard;
        await this.#table.submitTransaction([...cancelActions(job, actor, state?.etag, [requested, cancelled], indexShard), flag, ...copy]);
        this.#index?.add([requested, cancelled]);
        // Index rows are keyed by the request's createdAt: without a kept request, a page read drops the stale row.
        if (kept) this.#moved(kept, state ? [state.state.status] : ['Queued', 'Scheduled'], 'Cancelled', indexShard);
        return { kind: 'cancelled' };
      } catch (error) {
        // Someone wrote the job between our read and our write (it started, say): read again.
        if (!(isConflict(error) || isPreconditionFailed(error)) || tries >= MAX_TRIES) throw error;
      }
    }
  }

  /**
   * `Requeued` by `actor`: a dead-lettered or cancelled job gets a fresh maxAttempts budget (failures 0,
   * attempt numbers go on) and a new generation; the caller then publishes the returned request with it.
   */
  async requeue(jobId: string, actor: string): Promise<RequeueResult> {
    for (let tries = 1; ; tries++) {
      const { state } = await readJobRows(this.#table, jobId);
      if (!state) return (await this.#hasHistory(jobId)) || (await this.#register?.read(jobId)) ? { kind: 'conflict', status: 'Queued' } : { kind: 'unknown' };
      const { status } = state.state;
      const current = Number(state.state.generation ?? 0);
      // Requeued, but not started yet: its publish may have failed after this write. Publishing the same
      // generation again is safe (a second copy meets the job running, Deferred, or ended, Duplicate).
      const republish = status === 'Queued' && current > 0;
      if (!REQUEUABLE.has(status) && !republish) return { kind: 'conflict', status };
      const job = await this.keptRequest(jobId);
      if (!job) return { kind: 'conflict', status: `${status}, but its request was not kept (it was not published by Baton)` };
      const indexShard = indexShardOf(state.state.indexShard);
      const shard = indexShard === undefined ? {} : { indexShard };
      if (republish) return { kind: 'requeued', job, generation: current, ...shard };
      const generation = current + 1;
      const event = this.#event(jobId, 'Requeued', `Requeued by ${actor} (was ${status}; a fresh budget of attempts, requeue ${generation})`, actor, job);
      try {
        await this.#table.submitTransaction([
          ['update', stateEntity(jobId, { status: 'Queued', failures: 0, generation, processorId: actor, updatedAt: new Date().toISOString() }), 'Merge', { etag: state.etag }],
          ['upsert', { partitionKey: jobId, rowKey: CONTROL_ROW, cancelRequested: false, generation }, 'Merge'],
          ['create', eventEntity(event)],
        ]);
        this.#index?.add([event]);
        this.#moved(job, [status], 'Queued', indexShard);
        return { kind: 'requeued', job, generation, ...shard };
      } catch (error) {
        if (!(isConflict(error) || isPreconditionFailed(error)) || tries >= MAX_TRIES) throw error;
      }
    }
  }

  /** The job request the publisher kept with the job's Queued or Scheduled event, if any. */
  async keptRequest(jobId: string): Promise<JobRequest | undefined> {
    return (await this.#kept(jobId)).request;
  }

  /** The kept request, from the job's partition or else from the queued register (`registered`: found there). */
  async #kept(jobId: string): Promise<{ request?: JobRequest; registered?: QueuedRecord }> {
    const rows = this.#table.listEntities<{ request?: string }>({
      queryOptions: { filter: odata`PartitionKey eq ${jobId} and (status eq ${'Queued'} or status eq ${'Scheduled'})`, select: ['request'] },
    });
    let kept: JobRequest | undefined;
    for await (const row of rows) if (typeof row.request === 'string') kept ??= JSON.parse(row.request) as JobRequest;
    if (kept || !this.#register) return kept ? { request: kept } : {};
    const registered = await this.#register.read(jobId);
    return registered?.request ? { request: registered.request, registered } : {};
  }

  async #hasHistory(jobId: string): Promise<boolean> {
    const page = await this.#table.listEntities({ queryOptions: { filter: odata`PartitionKey eq ${jobId}`, select: ['RowKey'] } }).byPage({ maxPageSize: 1 }).next();
    return !page.done && page.value.length > 0;
  }

  #moved(job: JobRequest, from: readonly string[], to: string, indexShard: number | undefined): void {
    const indexed = indexedJob(job, indexShard);
    for (const status of from) this.#states?.moved({ job: indexed, from: status, to });
  }

  #event(jobId: string, status: AuditStatus, message: string, actor: string, job?: { readonly jobName?: string; readonly tenantId?: string }): AuditEvent {
    const named = job?.jobName !== undefined ? { jobName: job.jobName } : {};
    const event: Omit<NewAuditEvent, 'timestamp'> = { jobId, status, message, processorId: actor, attempt: 0, ...named, ...tenantOf(job ?? {}) };
    return stamp(event);
  }
}
