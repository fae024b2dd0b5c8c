/** @module Keys for audit rows: sortable event ids, and inverted time keys for the newest-first index. */
import { createHash, randomFillSync } from 'node:crypto';

const MAX_MS = 9_999_999_999_999;
/** Width of one time bucket of the recent-events index. */
export const INDEX_BUCKET_MS = 10 * 60 * 1000;
/**
 * Sub-partitions of each bucket. Azure Table Storage targets 2,000 entities/s per partition and 20,000
 * requests/s per account (https://learn.microsoft.com/azure/storage/tables/scalability-targets): with one
 * partition per bucket, the index would cap a fleet at 2,000 events/s (500 no-op jobs/s) long before the
 * account's limit. 16 sub-partitions carry 32,000 events/s; readers query the 16 and merge
 * (docs/BENCHMARKS.md, "Capacity").
 */
export const INDEX_SHARDS = 16;

/** How far ahead of the local clock another process's timestamp may pull ours (beyond it, that clock is wrong). */
const MAX_CAUSAL_SKEW_MS = 10_000;

export interface ClockSources {
  /** The wall clock (Date.now): right on average, but corrected in steps, backwards too. */
  wallMs(): number;
  /** A monotonic clock (performance.now): never steps, but says nothing about the date. */
  monoMs(): number;
}

/**
 * The clock events are stamped with: the wall clock, but never earlier than the previous stamp or than
 * an observed cause (Lamport), and never frozen. When the wall clock reads behind the last stamp by at
 * most `toleranceMs` (a small correction, or a cause observed from a process a little ahead), stamps go
 * on from the last one at half the monotonic clock's pace, so that the wall clock catches up within
 * twice the gap while order is kept. Behind by more, the wall clock was stepped back (an NTP correction
 * of an hour, say): the old readings were wrong, and the new clock is accepted at once rather than
 * every event being stamped with one instant until it catches up. Events one process stamps across
 * such a step may then sort out of order; the id's counter still keeps every id unique.
 */
export class EventClock {
  readonly #sources: ClockSources;
  readonly #toleranceMs: number;
  #lastMs = Number.NEGATIVE_INFINITY;
  #lastMono = 0;

  constructor(sources: ClockSources = { wallMs: () => Date.now(), monoMs: () => performance.now() }, toleranceMs = MAX_CAUSAL_SKEW_MS) {
    this.#sources = sources;
    this.#toleranceMs = toleranceMs;
  }

  /** The millisecond to stamp an event with now (`wallMs`: the wall clock's reading, if already taken). */
  stamp(wallMs: number = this.#sources.wallMs()): number {
    const mono = this.#sources.monoMs();
    const elapsed = Math.max(0, mono - this.#lastMono);
    this.#lastMono = mono;
    const behind = this.#lastMs - wallMs;
    this.#lastMs = behind <= 0 || behind > this.#toleranceMs ? wallMs : this.#lastMs + elapsed / 2;
    return Math.floor(this.#lastMs);
  }

  /** Never stamp later events earlier than `ms`, the time of a cause in another process, unless that clock is far ahead. */
  observe(ms: number): void {
    if (!Number.isFinite(ms) || ms <= this.#lastMs || ms - this.#sources.wallMs() >= this.#toleranceMs) return;
    this.#lastMs = ms;
    this.#lastMono = this.#sources.monoMs();
  }
}

const clock = new EventClock();
let counter = 0;

/** Random bytes drawn ahead: one call to the CSPRNG per 1,024 ids rather than one per id (each call costs a few µs). */
const randomPool = Buffer.alloc(4096);
let randomOffset = randomPool.length;

/** Eight random hex digits: the part of an event id that keeps processes apart. */
function randomHex8(): string {
  if (randomOffset === randomPool.length) {
    randomFillSync(randomPool);
    randomOffset = 0;
  }
  randomOffset += 4;
  return randomPool.toString('hex', randomOffset - 4, randomOffset);
}

/**
 * A new event id: `<13-digit ms>-<6-digit counter>-<8 hex>`. Ids sort by time within a job's
 * partition and never repeat in one process (the counter); the random part keeps processes apart.
 * Returns the millisecond it was stamped with (see EventClock: never earlier than the previous one,
 * short of a large backwards step of the wall clock).
 */
export function newEventId(atMs?: number): { eventId: string; ms: number } {
  const ms = clock.stamp(atMs);
  counter = (counter + 1) % 1_000_000;
  const eventId = `${String(ms).padStart(13, '0')}-${String(counter).padStart(6, '0')}-${randomHex8()}`;
  return { eventId, ms };
}

/**
 * Lamport-style: never stamp an event earlier than `ms`, the time of an event that caused it in another
 * process (the publisher's Queued, say), so that a job's history sorts causally even across clock skew.
 */
export function observeTime(ms: number): void {
  clock.observe(ms);
}

/**
 * The id of an event dated `ms` (a LeaseLost dated at the lease's end), unaffected by the clock above. With an
 * `identity` (job, status, attempt, processor) it is the same every time for the same event: an insert
 * retried after a lost answer meets its own row (409) instead of writing the event twice.
 */
export function eventIdAt(ms: number, identity?: string): string {
  if (identity === undefined) {
    counter = (counter + 1) % 1_000_000;
    return `${String(ms).padStart(13, '0')}-${String(counter).padStart(6, '0')}-${randomHex8()}`;
  }
  const hash = createHash('sha256').update(`${ms}|${identity}`).digest();
  const middle = String(hash.readUInt32BE(0) % 1_000_000).padStart(6, '0');
  return `${String(ms).padStart(13, '0')}-${middle}-${hash.subarray(4, 8).toString('hex')}`;
}

export function invertedMs(ms: number): string {
  return String(MAX_MS - ms).padStart(13, '0');
}

/** The time bucket of the index holding events at `ms`; newer buckets sort first. */
export function indexBucket(ms: number): string {
  return invertedMs(Math.floor(ms / INDEX_BUCKET_MS) * INDEX_BUCKET_MS);
}

/** The prefix of every PartitionKey of one sub-partition: `07-`. Within it, newer buckets sort first. */
export function indexShardPrefix(shard: number): string {
  return `${String(shard).padStart(2, '0')}-`;
}

/**
 * PartitionKey of index rows: `<shard>-<inverted bucket>`. Shard first, so that one range query per
 * sub-partition reads it newest first across buckets, and a merge of the sub-partitions by RowKey (inverted
 * time, the same order everywhere) is the whole index newest first.
 */
export function indexPartition(ms: number, shard: number): string {
  if (!Number.isInteger(shard) || shard < 0 || shard >= INDEX_SHARDS) throw new RangeError(`index shard ${shard} outside 0–${INDEX_SHARDS - 1}`);
  return `${indexShardPrefix(shard)}${indexBucket(ms)}`;
}

/**
 * RowKey of an event in the recent-events index: inverted time, then the inverted per-process counter,
 * so that events stamped in the same millisecond also come newest first.
 */
export function indexRowKey(timestampMs: number, eventId: string): string {
  const [, counter = '0', rest = ''] = eventId.split('-');
  const invertedCounter = String(999_999 - Number(counter)).padStart(6, '0');
  return `${invertedMs(timestampMs)}-${invertedCounter}-${rest}`;
}
