/**
 * @module `GET /api/charts`: the processors' per-minute roll-up rows of the last hour or day merged into
 * chart series — completed and failed per minute by type, queue wait and run time percentiles (from the
 * summed histograms, interpolated within a bucket), dead-lettered per hour. Reads at most 1,440 rows per
 * processor (one range scan per day partition), cached for a few seconds.
 */
import { DURATION_BUCKETS_MS, type ChartData, type ChartRange, type MinuteRow, type Percentiles } from '../contracts/fleet.js';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
export const RANGE_MINUTES: Record<ChartRange, number> = { '1h': 60, '24h': 1440 };

/** The `q` quantile (0–1) of a bucketed histogram, linear within its bucket; null when it is empty. */
export function quantile(histogram: readonly number[], q: number): number | null {
  const total = histogram.reduce((sum, n) => sum + n, 0);
  if (total === 0) return null;
  const target = q * total;
  let before = 0;
  for (let i = 0; i < histogram.length; i++) {
    const count = histogram[i] ?? 0;
    if (count > 0 && before + count >= target) {
      const low = i === 0 ? 0 : DURATION_BUCKETS_MS[i - 1]!;
      const high = DURATION_BUCKETS_MS[i];
      // The last bucket has no upper bound: report its lower one.
      if (high === undefined) return low;
      return Math.round(low + ((high - low) * (target - before)) / count);
    }
    before += count;
  }
  return DURATION_BUCKETS_MS.at(-1)!;
}

function addInto(into: number[], from: readonly number[]): void {
  for (let i = 0; i < from.length; i++) into[i] = (into[i] ?? 0) + (from[i] ?? 0);
}

export function buildCharts(rows: readonly MinuteRow[], range: ChartRange, nowMs: number): ChartData {
  const count = RANGE_MINUTES[range];
  const lastMinute = Math.floor(nowMs / MINUTE_MS) * MINUTE_MS;
  const fromMs = lastMinute - (count - 1) * MINUTE_MS;
  const minutes = Array.from({ length: count }, (_, i) => (fromMs + i * MINUTE_MS) / 1000);
  const firstHour = Math.floor(fromMs / HOUR_MS) * HOUR_MS;
  const hours = Array.from({ length: Math.floor((lastMinute - firstHour) / HOUR_MS) + 1 }, (_, i) => (firstHour + i * HOUR_MS) / 1000);
  const deadCounts = new Array<number>(hours.length).fill(0);
  const completed: Record<string, number[]> = {};
  const failed: Record<string, number[]> = {};
  const wait = minutes.map(() => [] as number[]);
  const run = minutes.map(() => [] as number[]);
  for (const row of rows) {
    const atMs = Date.parse(row.minute);
    const slot = (atMs - fromMs) / MINUTE_MS;
    if (!Number.isInteger(slot) || slot < 0 || slot >= count) continue;
    const hour = Math.floor((atMs - firstHour) / HOUR_MS);
    for (const [type, figures] of Object.entries(row.types)) {
      (completed[type] ??= new Array<number>(count).fill(0))[slot]! += figures.completed;
      (failed[type] ??= new Array<number>(count).fill(0))[slot]! += figures.failed;
      deadCounts[hour]! += figures.deadLettered;
      addInto(wait[slot]!, figures.wait);
      addInto(run[slot]!, figures.run);
    }
  }
  const percentiles = (hists: number[][]): Percentiles => ({
    p50: hists.map((h) => quantile(h, 0.5)),
    p95: hists.map((h) => quantile(h, 0.95)),
    p99: hists.map((h) => quantile(h, 0.99)),
  });
  return {
    range,
    from: new Date(fromMs).toISOString(),
    to: new Date(lastMinute + MINUTE_MS).toISOString(),
    minutes,
    types: Object.keys(completed).sort(),
    completed,
    failed,
    wait: percentiles(wait),
    run: percentiles(run),
    deadLettered: { hours, counts: deadCounts },
  };
}

export interface MinuteReader {
  minutes(fromMs: number, toMs: number): Promise<MinuteRow[]>;
}

/** Chart data per range, read at most once per `cacheMs`. */
export class Charts {
  readonly #reader: MinuteReader;
  readonly #cacheMs: number;
  readonly #cache = new Map<ChartRange, { atMs: number; data: Promise<ChartData> }>();

  constructor(reader: MinuteReader, options: { cacheMs?: number } = {}) {
    this.#reader = reader;
    this.#cacheMs = options.cacheMs ?? 5000;
  }

  get(range: ChartRange, nowMs: number = Date.now()): Promise<ChartData> {
    const cached = this.#cache.get(range);
    if (cached && nowMs - cached.atMs < this.#cacheMs) return cached.data;
    const lastMinute = Math.floor(nowMs / MINUTE_MS) * MINUTE_MS;
    const fromMs = lastMinute - (RANGE_MINUTES[range] - 1) * MINUTE_MS;
    const data = this.#reader.minutes(fromMs, lastMinute + MINUTE_MS).then((rows) => buildCharts(rows, range, nowMs));
    this.#cache.set(range, { atMs: nowMs, data });
    data.catch(() => this.#cache.delete(range));
    return data;
  }
}
