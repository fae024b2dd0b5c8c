/**
 * @module The fleet table: processors' heartbeats and their per-minute roll-ups, one partition per UTC day
 * (of the write). A heartbeat row (`hb|<processorId>`) and the roll-up rows it carries
 * (`m|<minute>|<processorId>`) share a partition, so one heartbeat is ONE request: a plain upsert, or a
 * transaction with the minute rows. Readers range-scan one or two day partitions, never the history.
 */
import { odata, type TableClient, type TransactionAction } from '@azure/data-tables';
import type { MinuteRow, ProcessorHeartbeat, RunningJob, TypeMinute } from '../contracts/fleet.js';

const DAY_MS = 24 * 60 * 60 * 1000;
/** A transaction holds at most 100 entities; one of them is the heartbeat. */
export const MAX_MINUTE_ROWS_PER_BEAT = 99;
/** A string property holds at most 32K characters; keep the running list well inside it. */
const MAX_RUNNING_CHARS = 30_000;

export function dayPartition(ms: number): string {
  return `d${new Date(ms).toISOString().slice(0, 10).replaceAll('-', '')}`;
}

/** The day partitions a window [fromMs, toMs] touches, oldest first. */
export function dayPartitions(fromMs: number, toMs: number): string[] {
  const days: string[] = [];
  for (let ms = Math.floor(fromMs / DAY_MS) * DAY_MS; ms <= toMs; ms += DAY_MS) days.push(dayPartition(ms));
  return days;
}

export class FleetStore {
  readonly #table: TableClient;

  constructor(table: TableClient) {
    this.#table = table;
  }

  /** Writes the heartbeat and the given minute rows (at most 99) in one request. */
  async beat(heartbeat: ProcessorHeartbeat, minutes: readonly MinuteRow[]): Promise<void> {
    const partitionKey = dayPartition(Date.parse(heartbeat.heartbeatAt));
    const beatEntity = { partitionKey, rowKey: `hb|${heartbeat.processorId}`, ...heartbeatProperties(heartbeat) };
    if (minutes.length === 0) {
      await this.#table.upsertEntity(beatEntity, 'Replace');
      return;
    }
    if (minutes.length > MAX_MINUTE_ROWS_PER_BEAT) throw new RangeError(`at most ${MAX_MINUTE_ROWS_PER_BEAT} minute rows per heartbeat`);
    const actions: TransactionAction[] = [
      ['upsert', beatEntity, 'Replace'],
      ...minutes.map((row): TransactionAction => ['upsert', { partitionKey, rowKey: minuteRowKey(row.minute, row.processorId), minute: row.minute, processorId: row.processorId, types: JSON.stringify(row.types) }, 'Replace']),
    ];
    await this.#table.submitTransaction(actions);
  }

  /** The newest heartbeat of every processor that wrote one since `sinceMs`. */
  async heartbeats(sinceMs: number, nowMs: number = Date.now()): Promise<ProcessorHeartbeat[]> {
    const newest = new Map<string, ProcessorHeartbeat>();
    for (const partition of dayPartitions(sinceMs, nowMs)) {
      const rows = this.#table.listEntities<Record<string, unknown>>({
        queryOptions: { filter: odata`PartitionKey eq ${partition} and RowKey ge ${'hb|'} and RowKey lt ${'hb}'}` },
      });
      for await (const row of rows) {
        const beat = heartbeatFromEntity(row);
        if (!beat || Date.parse(beat.heartbeatAt) < sinceMs) continue;
        const known = newest.get(beat.processorId);
        if (!known || known.heartbeatAt < beat.heartbeatAt) newest.set(beat.processorId, beat);
      }
    }
    return [...newest.values()];
  }

  /** Every roll-up row of the minutes in [fromMs, toMs). */
  async minutes(fromMs: number, toMs: number): Promise<MinuteRow[]> {
    const from = minuteRowKey(new Date(fromMs).toISOString(), '');
    const to = minuteRowKey(new Date(toMs).toISOString(), '');
    const rows: MinuteRow[] = [];
    // A minute's row is written in the partition of the day it was written, which may be the next day.
    for (const partition of dayPartitions(fromMs, toMs + 60_000)) {
      const entities = this.#table.listEntities<Record<string, unknown>>({
        queryOptions: { filter: odata`PartitionKey eq ${partition} and RowKey ge ${from} and RowKey lt ${to}`, select: ['minute', 'processorId', 'types'] },
      });
      for await (const entity of entities) {
        const row = minuteFromEntity(entity);
        if (row) rows.push(row);
      }
    }
    return rows;
  }
}

function minuteRowKey(minuteIso: string, processorId: string): string {
  return `m|${minuteIso}|${processorId}`;
}

function heartbeatProperties(beat: ProcessorHeartbeat): Record<string, string | number> {
  const running: RunningJob[] = [];
  let chars = 2;
  for (const job of beat.running) {
    chars += JSON.stringify(job).length + 1;
    if (chars > MAX_RUNNING_CHARS) break;
    running.push(job);
  }
  return {
    processorId: beat.processorId,
    host: beat.host,
    version: beat.version,
    startedAt: beat.startedAt,
    heartbeatAt: beat.heartbeatAt,
    heartbeatSeconds: beat.heartbeatSeconds,
    state: beat.state,
    concurrency: beat.concurrency,
    partitions: JSON.stringify(beat.partitions),
    running: JSON.stringify(running),
    runningCount: beat.runningCount,
    jobsPerMinute: beat.jobsPerMinute,
  };
}

function parseJson<T>(value: unknown, fallback: T): T {
  if (typeof value !== 'string') return fallback;
  try {
    return JSON.parse(value) as T;
  } catch {
    return fallback;
  }
}

function heartbeatFromEntity(e: Record<string, unknown>): ProcessorHeartbeat | undefined {
  if (typeof e.processorId !== 'string' || typeof e.heartbeatAt !== 'string') return undefined;
  const num = (value: unknown) => (typeof value === 'number' ? value : Number(value ?? 0));
  return {
    processorId: e.processorId,
    host: String(e.host ?? ''),
    version: String(e.version ?? ''),
    startedAt: String(e.startedAt ?? e.heartbeatAt),
    heartbeatAt: e.heartbeatAt,
    heartbeatSeconds: num(e.heartbeatSeconds),
    state: e.state === 'stopped' ? 'stopped' : 'live',
    concurrency: num(e.concurrency),
    partitions: parseJson<'all' | string[]>(e.partitions, 'all'),
    running: parseJson<RunningJob[]>(e.running, []),
    runningCount: num(e.runningCount),
    jobsPerMinute: num(e.jobsPerMinute),
  };
}

function minuteFromEntity(e: Record<string, unknown>): MinuteRow | undefined {
  if (typeof e.minute !== 'string' || typeof e.processorId !== 'string') return undefined;
  return { minute: e.minute, processorId: e.processorId, types: parseJson<Record<string, TypeMinute>>(e.types, {}) };
}
