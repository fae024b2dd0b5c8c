/**
 * @module The recent-events index: every event again, by 10-minute bucket, each bucket spread over
 * INDEX_SHARDS sub-partitions (a busy fleet would exceed one partition's throughput target), with
 * inverted-time row keys, so that each sub-partition reads newest first and "recent" never scans history:
 * readers query every sub-partition and merge by row key. Rows are written behind, batched (up to 100 per
 * transaction); each batch goes whole to the next sub-partition in turn, so spreading costs no extra
 * request and the fleet's batches share the sub-partitions evenly. The per-job partitions stay the source of
 * truth, so a crash can cost the index at most one flush interval of rows.
 */
import { odata, type TableClient, type TransactionAction } from '@azure/data-tables';
import type { AuditEvent } from '../contracts/audit-event.js';
import type { Logger } from '../core/logger.js';
import { INDEX_SHARDS, indexBucket, indexPartition, indexRowKey, indexShardPrefix, invertedMs } from './event-keys.js';
import { eventFromEntity, eventToProperties } from './event-entity.js';
import { MergedRows } from './merged-rows.js';

const MAX_BATCH = 100;
/**
 * How long index rows wait to share a request (both indexes): every flush costs a few transactions whatever it
 * carries, so the interval sets the index's requests per job — about 4 a flush over the jobs of one second, not of
 * 100 ms (docs/BENCHMARKS.md, measure 1). The price: lists and the recent feed lag by up to a second, and a crash
 * loses at most a second of index rows (the job histories keep them).
 */
export const INDEX_FLUSH_MS = 1000;

/** Events carry their job's tenantId (when it has one): a server-side filter, no index of its own. */
function tenantFilter(tenantId: string | undefined): string {
  return tenantId === undefined ? '' : ` and ${odata`tenantId eq ${tenantId}`}`;
}

export class RecentIndex {
  readonly #table: TableClient;
  readonly #logger: Logger | undefined;
  readonly #flushMs: number;
  #pending: AuditEvent[] = [];
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> = Promise.resolve();
  /** The sub-partition of the next batch; each index starts at a random one, so processors do not move in step. */
  #shard = Math.floor(Math.random() * INDEX_SHARDS);

  constructor(table: TableClient, options: { logger?: Logger; flushMs?: number } = {}) {
    this.#table = table;
    this.#logger = options.logger;
    this.#flushMs = options.flushMs ?? INDEX_FLUSH_MS;
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
  recent(limit: number): Promise<AuditEvent[]> {
    return this.#merged(limit, (prefix) => {
      const end = `${prefix.slice(0, -1)}.`; // '.' follows '-': every key of the sub-partition is below it
      return odata`PartitionKey ge ${prefix} and PartitionKey lt ${end}`;
    });
  }

  /**
   * Events stamped at or after `fromMs` (of one tenant's jobs, when given), newest first, at most `limit`.
   * Reads only the buckets of that window: in each sub-partition the newest buckets sort first, so the
   * PartitionKey bound stops the scan at `fromMs`'s bucket, and the RowKey bound (inverted time) cuts that
   * bucket at `fromMs`. The tenant is a filter the service applies to the rows of the window.
   */
  since(fromMs: number, limit: number, tenantId?: string): Promise<AuditEvent[]> {
    const before = invertedMs(fromMs - 1);
    return this.#merged(limit, (prefix) => {
      const last = `${prefix}${indexBucket(fromMs)}`;
      return odata`PartitionKey ge ${prefix} and PartitionKey le ${last} and RowKey lt ${before}` + tenantFilter(tenantId);
    });
  }

  /**
   * The newest `limit` rows over every sub-partition: one query each (`filterFor` its key prefix), merged by
   * RowKey, which is inverted time in all of them. Each query's pages are sized for its share of `limit`, so
   * the merge reads little more than it returns.
   */
  async #merged(limit: number, filterFor: (prefix: string) => string): Promise<AuditEvent[]> {
    const pageSize = Math.min(1000, Math.ceil(limit / INDEX_SHARDS) * 2 + 10);
    const rows = new MergedRows(
      Array.from({ length: INDEX_SHARDS }, (_, shard) => this.#table.listEntities<Record<string, unknown>>({ queryOptions: { filter: filterFor(indexShardPrefix(shard)) } }).byPage({ maxPageSize: pageSize })),
    );
    return (await rows.take(limit)).map(eventFromEntity);
  }

  async #write(events: AuditEvent[]): Promise<void> {
    const byBucket = new Map<string, AuditEvent[]>();
    for (const event of events) {
      const bucket = indexBucket(Date.parse(event.timestamp));
      const list = byBucket.get(bucket) ?? [];
      list.push(event);
      byBucket.set(bucket, list);
    }
    const writes: Promise<void>[] = [];
    for (const list of byBucket.values()) {
      for (let i = 0; i < list.length; i += MAX_BATCH) {
        const batch = list.slice(i, i + MAX_BATCH);
        this.#shard = (this.#shard + 1) % INDEX_SHARDS;
        writes.push(this.#writeBatch(indexPartition(Date.parse(batch[0]!.timestamp), this.#shard), batch));
      }
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
