/**
 * @module The recent-events index: every event again, partitioned by 10-minute bucket with inverted-time
 * keys, so the newest events are the first rows of the table and "recent" never scans history. Rows are
 * written behind, batched per partition (up to 100 per transaction); the per-job partitions stay the
 * source of truth, so a crash can cost the index at most one flush interval of rows.
 */
import { odata, type TableClient, type TransactionAction } from '@azure/data-tables';
import type { AuditEvent } from '../contracts/audit-event.js';
import type { Logger } from '../core/logger.js';
import { indexPartition, indexRowKey, invertedMs } from './event-keys.js';
import { eventFromEntity, eventToProperties } from './event-entity.js';

const MAX_BATCH = 100;

export class RecentIndex {
  readonly #table: TableClient;
  readonly #logger: Logger | undefined;
  readonly #flushMs: number;
  #pending: AuditEvent[] = [];
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> = Promise.resolve();

  constructor(table: TableClient, options: { logger?: Logger; flushMs?: number } = {}) {
    this.#table = table;
    this.#logger = options.logger;
    this.#flushMs = options.flushMs ?? 100;
  }

  /** Queues events for the index; they are written within `flushMs`. */
  add(events: readonly AuditEvent[]): void {
    this.#pending.push(...events);
    if (this.#pending.length >= MAX_BATCH) {
      void this.flush();
    } else if (!this.#timer) {
      this.#timer = setTimeout(() => void this.flush(), this.#flushMs);
    }
  }

  /** Writes everything queued so far; resolves when it is stored (or given up after retries, logged). */
  flush(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    const batch = this.#pending;
    this.#pending = [];
    this.#flushing = this.#flushing.then(() => this.#write(batch));
    return this.#flushing;
  }

  /** The most recent events across all jobs, newest first. */
  async recent(limit: number): Promise<AuditEvent[]> {
    const events: AuditEvent[] = [];
    const pages = this.#table.listEntities<Record<string, unknown>>().byPage({ maxPageSize: Math.min(limit, 1000) });
    for await (const page of pages) {
      for (const entity of page) {
        events.push(eventFromEntity(entity));
        if (events.length >= limit) return events;
      }
    }
    return events;
  }

  /**
   * Events stamped at or after `fromMs`, newest first, at most `limit`. Reads only the partitions of that
   * window: the newest buckets sort first, so the PartitionKey bound stops the scan at `fromMs`'s bucket,
   * and the RowKey bound (inverted time) cuts that bucket at `fromMs`.
   */
  async since(fromMs: number, limit: number): Promise<AuditEvent[]> {
    const filter = odata`PartitionKey le ${indexPartition(fromMs)} and RowKey lt ${invertedMs(fromMs - 1)}`;
    const events: AuditEvent[] = [];
    const pages = this.#table.listEntities<Record<string, unknown>>({ queryOptions: { filter } }).byPage({ maxPageSize: Math.min(limit, 1000) });
    for await (const page of pages) {
      for (const entity of page) {
        events.push(eventFromEntity(entity));
        if (events.length >= limit) return events;
      }
    }
    return events;
  }

  async #write(events: AuditEvent[]): Promise<void> {
    const byPartition = new Map<string, AuditEvent[]>();
    for (const event of events) {
      const partition = indexPartition(Date.parse(event.timestamp));
      const list = byPartition.get(partition) ?? [];
      list.push(event);
      byPartition.set(partition, list);
    }
    const writes: Promise<void>[] = [];
    for (const [partition, list] of byPartition) {
      for (let i = 0; i < list.length; i += MAX_BATCH) writes.push(this.#writeBatch(partition, list.slice(i, i + MAX_BATCH)));
    }
    await Promise.all(writes);
  }

  async #writeBatch(partitionKey: string, events: AuditEvent[]): Promise<void> {
    // Upserts, so that a batch retried after a lost response cannot fail on rows it already wrote.
    const actions: TransactionAction[] = events.map((event) => [
      'upsert',
      { partitionKey, rowKey: indexRowKey(Date.parse(event.timestamp), event.eventId), ...eventToProperties(event) },
      'Replace',
    ]);
    for (let attempt = 1; ; attempt++) {
      try {
        await (actions.length === 1 && actions[0] ? this.#table.upsertEntity(actions[0][1], 'Replace') : this.#table.submitTransaction(actions));
        return;
      } catch (error) {
        if (attempt >= 5) {
          this.#logger?.warn('recent-events index rows not written; the job histories still hold them', {
            rows: events.length,
            error: (error as Error).message,
          });
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 200 * 2 ** attempt));
      }
    }
  }

  async close(): Promise<void> {
    await this.flush();
  }
}
