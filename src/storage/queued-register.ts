/**
 * @module The queued register: each job's `Queued` event as its publisher wrote it, with the job's request,
 * in a few shared partitions of the state-index table (`queued-0` … `queued-7`, RowKey = jobId), so that
 * jobs published together share one transaction (group commit) instead of costing an insert each in their
 * own audit partitions. The first processor write to a job's partition (its first `Started`, or a cancel
 * before it started) copies the event there from the message's `x-baton-queued` header (queued-header.ts),
 * in the transaction it makes anyway; until then, `AuditStore.history` reads it from here.
 *
 * Group commit: a write starts at once when nothing is being written to its partition; writes that arrive
 * meanwhile wait for it and go together in the next transaction (up to 100). One publish alone costs one
 * request and waits no longer than before; a window of 256 publishes in flight costs a few requests a
 * hundred. Rows are upserts keyed by jobId, so a try whose answer was lost is simply made again. A batch the
 * service refuses (one bad row fails the whole transaction) is written row by row, so only the bad row fails.
 *
 * Rows are kept (the register is where a never-started job's request is found for run-now and requeue);
 * each is about the size of the job's Queued row. MUST: the partition of a jobId never changes (readers and
 * writers compute it alike): a fixed count and hash, never a setting.
 */
import type { TableClient, TransactionAction } from '@azure/data-tables';
import type { AuditEvent } from '../contracts/audit-event.js';
import type { JobRequest } from '../contracts/job-request.js';
import { sleep } from '../core/time.js';
import { isNotFound, isTransient } from './azure-errors.js';
import { eventFromEntity, eventToProperties } from './event-entity.js';
import { stripeOf } from './lock-stripes.js';
import { indexShardOf } from './state-index.js';

/** Fixed on purpose (see MUST): 8 partitions carry 8 × 2,000 entities/s, Azure's per-partition target. */
export const QUEUED_PARTITIONS = 8;
const MAX_BATCH = 100;
/** Tries of one transaction whose answer was lost (upserts: repeating one is harmless). */
const MAX_TRIES = 3;

export function queuedPartition(jobId: string): string {
  return `queued-${stripeOf(jobId) % QUEUED_PARTITIONS}`;
}

/** A job's Queued event and the request kept with it. */
export interface QueuedRecord {
  readonly event: AuditEvent;
  readonly request?: JobRequest;
  /** The job's index shard, as its publisher chose it (state-index.ts). */
  readonly indexShard?: number;
}

interface Waiting {
  readonly row: Record<string, unknown> & { partitionKey: string; rowKey: string };
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/** The row of a Queued event, with its request (for run-now and requeue; never served as a field). */
export function queuedRow(event: AuditEvent, job: JobRequest, partitionKey: string, rowKey: string) {
  return { partitionKey, rowKey, ...eventToProperties(event), request: JSON.stringify(job) };
}

/** The action that copies a job's Queued event into the job's own partition (an upsert: the same row every time). */
export function queuedCopy(event: AuditEvent, job: JobRequest): TransactionAction {
  return ['upsert', queuedRow(event, job, job.jobId, event.eventId), 'Replace'];
}

export class QueuedRegister {
  readonly #table: TableClient;
  /** Writes waiting for their partition's transaction in flight to end, by partition. */
  readonly #waiting = new Map<string, Waiting[]>();
  readonly #writing = new Set<string>();

  constructor(table: TableClient) {
    this.#table = table;
  }

  /** Resolves once the event is stored (shared with whatever else was published meanwhile). */
  record(event: AuditEvent, job: JobRequest, indexShard?: number): Promise<void> {
    const partition = queuedPartition(job.jobId);
    const shard = indexShard === undefined ? {} : { indexShard };
    return new Promise<void>((resolve, reject) => {
      const waiting = this.#waiting.get(partition) ?? [];
      waiting.push({ row: { ...queuedRow(event, job, partition, job.jobId), ...shard }, resolve, reject });
      this.#waiting.set(partition, waiting);
      if (!this.#writing.has(partition)) void this.#drain(partition);
    });
  }

  /** The job's Queued event as its publisher recorded it, if it is registered. */
  async read(jobId: string): Promise<QueuedRecord | undefined> {
    try {
      const entity = await this.#table.getEntity<Record<string, unknown>>(queuedPartition(jobId), jobId);
      const request = typeof entity.request === 'string' ? { request: JSON.parse(entity.request) as JobRequest } : {};
      const shard = indexShardOf(entity.indexShard);
      return { event: eventFromEntity(entity), ...request, ...(shard === undefined ? {} : { indexShard: shard }) };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async #drain(partition: string): Promise<void> {
    this.#writing.add(partition);
    try {
      for (;;) {
        const waiting = this.#waiting.get(partition) ?? [];
        if (waiting.length === 0) return;
        const batch = waiting.splice(0, MAX_BATCH);
        await this.#write(batch);
      }
    } finally {
      this.#writing.delete(partition);
      this.#waiting.delete(partition);
    }
  }

  async #write(batch: Waiting[]): Promise<void> {
    // Two publishes of one jobId in a batch: a transaction may touch a row once; the later one stands.
    const rows = new Map(batch.map((item) => [item.row.rowKey, item.row]));
    try {
      await this.#submit([...rows.values()].map((row): TransactionAction => ['upsert', row, 'Replace']));
      for (const item of batch) item.resolve();
    } catch (error) {
      if (isTransient(error) || batch.length === 1) {
        for (const item of batch) item.reject(error);
        return;
      }
      // Refused as a whole (a row over a limit, say): row by row, so only the bad one fails.
      await Promise.all(batch.map((item) => this.#submit([['upsert', item.row, 'Replace']]).then(item.resolve, item.reject)));
    }
  }

  async #submit(actions: TransactionAction[]): Promise<void> {
    for (let tries = 1; ; tries++) {
      try {
        if (actions.length === 1) await this.#table.upsertEntity(actions[0]![1], 'Replace');
        else await this.#table.submitTransaction(actions);
        return;
      } catch (error) {
        if (!isTransient(error) || tries >= MAX_TRIES) throw error;
        await sleep(250 * tries);
      }
    }
  }
}
