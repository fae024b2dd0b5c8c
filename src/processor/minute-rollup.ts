/**
 * @module The per-minute roll-up a processor keeps in memory and writes with its heartbeat: per minute and
 * job type, attempts completed and failed, jobs dead-lettered, and histograms of queue wait and run time.
 * Rows are rewritten whole (upsert) while their minute is open, so a write that fails is simply redone.
 */
import { DURATION_BUCKETS_MS, type MinuteRow, type TypeMinute } from '../contracts/fleet.js';

const MINUTE_MS = 60_000;
/** Minutes kept while storage does not answer; older ones are dropped (the charts show a gap). */
const MAX_HELD_MINUTES = 180;

export type AttemptEnd = 'completed' | 'failed' | 'dead-lettered';

export function bucketIndex(ms: number): number {
  const index = DURATION_BUCKETS_MS.findIndex((bound) => ms <= bound);
  return index === -1 ? DURATION_BUCKETS_MS.length : index;
}

export function emptyTypeMinute(): TypeMinute {
  const buckets = () => new Array<number>(DURATION_BUCKETS_MS.length + 1).fill(0);
  return { completed: 0, failed: 0, deadLettered: 0, wait: buckets(), run: buckets() };
}

interface HeldMinute {
  readonly types: Record<string, TypeMinute>;
  /** Bumped on every change; a write clears `dirty` only if nothing changed since it was taken. */
  version: number;
  writtenVersion: number;
}

export class MinuteRollup {
  readonly #processorId: string;
  readonly #minutes = new Map<number, HeldMinute>();

  constructor(processorId: string) {
    this.#processorId = processorId;
  }

  /** A first attempt started `waitMs` after its job was published. */
  recordWait(type: string, atMs: number, waitMs: number): void {
    this.#change(type, atMs, (t) => t.wait[bucketIndex(Math.max(0, waitMs))]!++);
  }

  recordEnd(type: string, atMs: number, end: AttemptEnd, runMs: number): void {
    this.#change(type, atMs, (t) => {
      if (end === 'completed') t.completed++;
      else t.failed++;
      if (end === 'dead-lettered') t.deadLettered++;
      t.run[bucketIndex(Math.max(0, runMs))]!++;
    });
  }

  /** The rows changed since they were last written, oldest first, at most `limit`. */
  pending(limit: number): MinuteRow[] {
    return [...this.#minutes.entries()]
      .filter(([, held]) => held.version !== held.writtenVersion)
      .sort(([a], [b]) => a - b)
      .slice(0, limit)
      .map(([start, held]) => ({ minute: new Date(start).toISOString(), processorId: this.#processorId, types: structuredClone(held.types) }));
  }

  /** Marks the versions of `rows` as written (as they were when taken), and forgets closed minutes with nothing left to write. */
  written(rows: readonly MinuteRow[], versions: ReadonlyMap<string, number>, nowMs: number): void {
    for (const row of rows) {
      const held = this.#minutes.get(Date.parse(row.minute));
      const version = versions.get(row.minute);
      if (held && version !== undefined) held.writtenVersion = Math.max(held.writtenVersion, version);
    }
    const current = minuteStart(nowMs);
    for (const [start, held] of this.#minutes) {
      if (start < current && held.version === held.writtenVersion) this.#minutes.delete(start);
    }
  }

  /** The version of each pending row, to pass back to `written` once the write succeeded. */
  versions(rows: readonly MinuteRow[]): Map<string, number> {
    return new Map(rows.map((row) => [row.minute, this.#minutes.get(Date.parse(row.minute))?.version ?? 0]));
  }

  #change(type: string, atMs: number, apply: (t: TypeMinute) => void): void {
    const start = minuteStart(atMs);
    let held = this.#minutes.get(start);
    if (!held) {
      held = { types: {}, version: 0, writtenVersion: 0 };
      this.#minutes.set(start, held);
      if (this.#minutes.size > MAX_HELD_MINUTES) this.#minutes.delete(Math.min(...this.#minutes.keys()));
    }
    apply((held.types[type] ??= emptyTypeMinute()));
    held.version++;
  }
}

export function minuteStart(ms: number): number {
  return Math.floor(ms / MINUTE_MS) * MINUTE_MS;
}
