/**
 * @module The job-state index: jobs by their current status, newest first, for `GET /api/summaries` and
 * `baton jobs list`. Table Storage has no secondary index, so this is one: a row per job in the partition
 * of its status (PartitionKey = status, RowKey = inverted creation time + jobId), moved on each transition,
 * and one row per job in partition `all`. A page is one range query from a cursor plus one point read per
 * job shown (its state row, to show live figures and to catch a row a race left behind): its cost depends
 * on the page size, never on the history.
 *
 * Written behind by the audit store (never by callers), batched every `flushMs` (INDEX_FLUSH_MS, 1 s): per flush and per status
 * partition one transaction of up to 100 upserts, and one of up to 100 deletes of the rows jobs moved out
 * of (a delete batch that meets a missing row falls back to single deletes). Per transition that is one
 * upsert and one delete, shared by every job moving in the same flush: 2 requests when one job moves,
 * about 2/100 per job under load; Queued and a first Started also upsert the `all` row.
 *
 * Rows from different processes can cross (a publisher's Queued written after a processor moved the job
 * on): the page's point reads see the state row disagree, leave the row out and delete it. The per-job
 * audit partitions stay the source of truth; a lost index write is repaired by the job's next transition.
 *
 * Sub-partitions: every job a fleet runs passes through `Queued` (an upsert and a delete) and `all` (two
 * upserts), so one partition per status would cap the fleet at Azure's 2,000 entities/s per partition, about
 * 1,000 jobs/s. Each status is spread over STATE_SHARDS sub-partitions (`Completed~3`). A job's rows all live
 * in one, its index shard: chosen by its publisher (the same for 100 publishes in a row, then the next, so that
 * a flush's rows still share a transaction), carried in the message (`x-baton-index-shard`) and kept in the
 * job's state row (`indexShard`), so that whoever moves the job later deletes the right row. A job with no
 * shard (published before sub-partitions, or not by Baton) keeps using the status's own partition. A page
 * merges the status's partitions by RowKey.
 */
import type { JobRequest } from '../contracts/job-request.js';
import { odata, type TableClient, type TransactionAction } from '@azure/data-tables';
import type { Logger } from '../core/logger.js';
import { isNotFound } from './azure-errors.js';
import { invertedMs } from './event-keys.js';
import { MergedRows } from './merged-rows.js';
import { INDEX_FLUSH_MS } from './recent-index.js';

export const ALL_PARTITION = 'all';
/** Fixed on purpose: readers and writers must agree on the sub-partitions (8 × 2,000 entities/s a status). */
export const STATE_SHARDS = 8;
const MAX_BATCH = 100;
const STATE_ROW = 'state';
const READS_IN_FLIGHT = 32;

/** What the index needs of a job: enough to list it without reading its history. */
export interface IndexedJob {
  readonly jobId: string;
  readonly jobName: string;
  readonly type: string;
  readonly createdAt: string;
  readonly tenantId?: string;
  /** Its index shard (0 … STATE_SHARDS − 1); absent: the status's own partition. */
  readonly shard?: number;
}

/** The partition of a status's rows of jobs in `shard` (the status's own partition for a job with none). */
export function statePartition(status: string, shard: number | undefined): string {
  return shard === undefined ? status : `${status}~${shard}`;
}

/** Every partition that holds rows of `status`. */
function partitionsOf(status: string): string[] {
  return [status, ...Array.from({ length: STATE_SHARDS }, (_, shard) => statePartition(status, shard))];
}

/** A shard as a message header or a state row holds it: an integer in range, or nothing. */
export function indexShardOf(value: unknown): number | undefined {
  const shard = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
  return Number.isInteger(shard) && shard >= 0 && shard < STATE_SHARDS ? shard : undefined;
}

export interface StateMove {
  readonly job: IndexedJob;
  /** The status it leaves, when known (its row there is deleted). */
  readonly from?: string;
  readonly to: string;
}

export interface SummaryItem {
  readonly jobId: string;
  readonly jobName: string;
  readonly status: string;
  readonly type: string;
  readonly tenantId?: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly attempts: number;
  readonly failures: number;
  readonly processorId?: string;
  readonly lastError?: string;
}

export interface SummaryQuery {
  readonly status?: string;
  readonly type?: string;
  readonly tenantId?: string;
  readonly limit: number;
  readonly cursor?: string;
}

interface Pending {
  job: IndexedJob;
  to: string;
  from: Set<string>;
  atMs: number;
  first: boolean;
}

export class StateIndex {
  readonly #index: TableClient;
  readonly #audit: TableClient;
  readonly #logger: Logger | undefined;
  readonly #flushMs: number;
  #pending = new Map<string, Pending>();
  #timer: NodeJS.Timeout | undefined;
  /** The shard new jobs get (nextShard), and how many more get it before the next one. */
  #shard = Math.floor(Math.random() * STATE_SHARDS);
  #shardLeft = MAX_BATCH;
  #flushing: Promise<void> = Promise.resolve();

  constructor(index: TableClient, audit: TableClient, options: { logger?: Logger; flushMs?: number } = {}) {
    this.#index = index;
    this.#audit = audit;
    this.#logger = options.logger;
    this.#flushMs = options.flushMs ?? INDEX_FLUSH_MS;
  }

  /** The index shard for a job about to be published: the same for 100 in a row, then the next one. */
  nextShard(): number {
    if (this.#shardLeft-- <= 0) {
      this.#shard = (this.#shard + 1) % STATE_SHARDS;
      this.#shardLeft = MAX_BATCH - 1;
    }
    return this.#shard;
  }

  /** Queues a job's move to `to`; several moves of one job within a flush collapse into its last. */
  moved(move: StateMove): void {
    const current = this.#pending.get(move.job.jobId);
    const first = move.from === undefined || move.from === 'Queued' || move.to === 'Queued';
    if (current) {
      // The status it leaves was queued in this flush, never written: there is no row of it to delete.
      if (move.from && move.from !== current.to) current.from.add(move.from);
      current.to = move.to;
      current.job = move.job;
      current.atMs = Date.now();
      current.first ||= first;
    } else {
      this.#pending.set(move.job.jobId, { job: move.job, to: move.to, from: new Set(move.from ? [move.from] : []), atMs: Date.now(), first });
    }
    if (this.#pending.size >= MAX_BATCH) void this.flush();
    else this.#timer ??= setTimeout(() => void this.flush(), this.#flushMs);
  }

  flush(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    const batch = [...this.#pending.values()];
    this.#pending = new Map();
    this.#flushing = this.#flushing.then(() => this.#write(batch)).catch((error: unknown) => {
      this.#logger?.warn('job-state index rows not written; the job histories still hold them', { rows: batch.length, error: (error as Error).message });
    });
    return this.#flushing;
  }

  close(): Promise<void> {
    return this.flush();
  }

  async ensureTable(): Promise<void> {
    await this.#index.createTable();
  }

  /** One page of jobs, newest first; `nextCursor` is null on the last page. */
  async list(query: SummaryQuery): Promise<{ items: SummaryItem[]; nextCursor: string | null }> {
    const status = query.status ?? ALL_PARTITION;
    const after = decodeCursor(query.cursor, status);
    const filterFor = (partition: string) => {
      let filter = odata`PartitionKey eq ${partition} and RowKey gt ${after}`;
      if (query.type !== undefined) filter += ` and ${odata`type eq ${query.type}`}`;
      if (query.tenantId !== undefined) filter += ` and ${odata`tenantId eq ${query.tenantId}`}`;
      return filter;
    };
    const rows = new MergedRows(partitionsOf(status).map((partition) => this.#index.listEntities<Record<string, unknown>>({ queryOptions: { filter: filterFor(partition) } }).byPage({ maxPageSize: Math.min(query.limit + 1, 1000) })));
    const items: SummaryItem[] = [];
    let lastKey = after;
    while (items.length < query.limit) {
      const batch = await rows.take(query.limit - items.length);
      if (batch.length === 0) break;
      const checked = await this.#verify(batch, query.status);
      batch.forEach((row, i) => {
        lastKey = String(row.rowKey);
        if (checked[i]) items.push(checked[i]);
      });
    }
    const more = items.length >= query.limit && (await rows.peek()) !== undefined;
    return { items, nextCursor: more ? encodeCursor(status, lastKey) : null };
  }

  /**
   * Jobs running now, counted by tenant: one range query over the `Started` partition (as many rows as jobs
   * run at once across the fleet, never the history), its tenant column only. A row a race left behind
   * counts until a page of "Running now" removes it, so this is the index's view, not the leases'.
   */
  async runningByTenant(): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    await Promise.all(partitionsOf('Started').map(async (partition) => {
      const rows = this.#index.listEntities<{ tenantId?: string }>({ queryOptions: { filter: odata`PartitionKey eq ${partition}`, select: ['tenantId'] } });
      for await (const row of rows) {
        if (typeof row.tenantId === 'string') counts.set(row.tenantId, (counts.get(row.tenantId) ?? 0) + 1);
      }
    }));
    return counts;
  }

  /** Reads each row's job state: the live figures, and whether the row is still the job's current status. */
  async #verify(rows: ReadonlyArray<Record<string, unknown>>, status: string | undefined): Promise<Array<SummaryItem | undefined>> {
    const results: Array<SummaryItem | undefined> = new Array<SummaryItem | undefined>(rows.length);
    let next = 0;
    const worker = async () => {
      while (next < rows.length) {
        const i = next++;
        const row = rows[i]!;
        const state = await this.#state(String(row.jobId));
        const current = String(state?.status ?? 'Queued');
        if (status !== undefined && current !== status) {
          // Left behind by a race between processes: not this status any more. Remove it (unless rewritten since).
          this.#index.deleteEntity(String(row.partitionKey), String(row.rowKey), { etag: String(row.etag) }).catch(() => undefined);
          continue;
        }
        results[i] = summaryOf(row, state, current);
      }
    };
    await Promise.all(Array.from({ length: Math.min(READS_IN_FLIGHT, rows.length) }, worker));
    return results;
  }

  async #state(jobId: string): Promise<Record<string, unknown> | undefined> {
    try {
      return await this.#audit.getEntity<Record<string, unknown>>(jobId, STATE_ROW);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async #write(batch: Pending[]): Promise<void> {
    const upserts = new Map<string, TransactionAction[]>();
    const deletes = new Map<string, TransactionAction[]>();
    const add = (map: Map<string, TransactionAction[]>, partition: string, action: TransactionAction) => {
      const list = map.get(partition) ?? [];
      list.push(action);
      map.set(partition, list);
    };
    for (const move of batch) {
      const rowKey = rowKeyOf(move.job);
      const at = (status: string) => statePartition(status, move.job.shard);
      const properties = { ...jobProperties(move.job), updatedAt: new Date(move.atMs).toISOString() };
      add(upserts, at(move.to), ['upsert', { partitionKey: at(move.to), rowKey, ...properties, status: move.to }, 'Replace']);
      if (move.first) add(upserts, at(ALL_PARTITION), ['upsert', { partitionKey: at(ALL_PARTITION), rowKey, ...properties }, 'Replace']);
      // Never the status it ends in: the upsert above is that very row (same keys).
      for (const from of move.from) if (from !== move.to) add(deletes, at(from), ['delete', { partitionKey: at(from), rowKey }]);
    }
    // Upserts first: a job is briefly in two lists rather than in none.
    await Promise.all([...upserts.values()].flatMap((actions) => chunks(actions).map((chunk) => this.#submit(chunk))));
    await Promise.all([...deletes.values()].flatMap((actions) => chunks(actions).map((chunk) => this.#deleteAll(chunk))));
  }

  async #submit(actions: TransactionAction[]): Promise<void> {
    if (actions.length === 1) {
      const [, entity] = actions[0]!;
      await this.#index.upsertEntity(entity, 'Replace');
    } else {
      await this.#index.submitTransaction(actions);
    }
  }

  /** One transaction; if a row was already gone (the transaction fails whole), each delete on its own. */
  async #deleteAll(actions: TransactionAction[]): Promise<void> {
    try {
      if (actions.length > 1) return void (await this.#index.submitTransaction(actions));
    } catch (error) {
      if (!isNotFound(error) && (error as { statusCode?: number }).statusCode !== 400) throw error;
    }
    await Promise.all(actions.map(async ([, entity]) => {
      try {
        await this.#index.deleteEntity(entity.partitionKey, entity.rowKey);
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    }));
  }
}

function chunks<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += MAX_BATCH) out.push(items.slice(i, i + MAX_BATCH));
  return out;
}

/** Newest first by creation time, which never changes: a job keeps its key in every status. */
export function rowKeyOf(job: Pick<IndexedJob, 'jobId' | 'createdAt'>): string {
  const ms = Date.parse(job.createdAt);
  return `${invertedMs(Number.isFinite(ms) ? ms : 0)}_${job.jobId}`;
}

function jobProperties(job: IndexedJob): Record<string, string> {
  return { jobId: job.jobId, jobName: job.jobName, type: job.type, createdAt: job.createdAt, ...(job.tenantId !== undefined ? { tenantId: job.tenantId } : {}) };
}

function summaryOf(row: Record<string, unknown>, state: Record<string, unknown> | undefined, status: string): SummaryItem {
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  return {
    jobId: String(row.jobId),
    jobName: String(row.jobName),
    status,
    type: String(row.type),
    ...(text(row.tenantId) !== undefined ? { tenantId: text(row.tenantId)! } : {}),
    createdAt: String(row.createdAt),
    updatedAt: text(state?.updatedAt) ?? String(row.updatedAt),
    attempts: Number(state?.attempts ?? 0),
    failures: Number(state?.failures ?? 0),
    ...(text(state?.processorId) !== undefined ? { processorId: text(state?.processorId)! } : {}),
    ...(text(state?.lastError) !== undefined ? { lastError: text(state?.lastError)! } : {}),
  };
}

function encodeCursor(partition: string, rowKey: string): string {
  return Buffer.from(JSON.stringify({ p: partition, r: rowKey })).toString('base64url');
}

/** The RowKey to continue after; a cursor from another list or not ours is a RangeError (a 400). */
export function decodeCursor(cursor: string | undefined, partition: string): string {
  if (cursor === undefined) return '';
  let parsed: { p?: unknown; r?: unknown };
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { p?: unknown; r?: unknown };
  } catch {
    throw new RangeError('cursor: not a cursor from this API');
  }
  if (parsed.p !== partition || typeof parsed.r !== 'string') throw new RangeError('cursor: belongs to another list (status) or is malformed');
  return parsed.r;
}

/** The fields of a job the index rows carry, and its index shard (where its rows live). */
export function indexedJob(job: JobRequest, shard?: number): IndexedJob {
  return { jobId: job.jobId, jobName: job.jobName, type: job.type, createdAt: job.createdAt, ...(job.tenantId !== undefined ? { tenantId: job.tenantId } : {}), ...(shard !== undefined ? { shard } : {}) };
}
