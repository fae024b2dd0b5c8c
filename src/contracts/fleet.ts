/**
 * @module The fleet's shapes: a processor's heartbeat, `GET /api/processors` entries, and the per-minute
 * roll-up of attempts that processors write with their heartbeat and the dashboard charts from.
 */

/** A processor writes one heartbeat every this many seconds (the issue allows at most one per 10 s). */
export const HEARTBEAT_SECONDS = 10;
/** Missing two heartbeats (plus half a period for a slow write) makes a processor `lost`. */
export const LOST_AFTER_MS = 2.5 * HEARTBEAT_SECONDS * 1000;
/** `GET /api/processors` lists the processors seen in this window. */
export const SEEN_WINDOW_MS = 60 * 60 * 1000;

export type ProcessorState = 'live' | 'lost' | 'stopped';

export interface RunningJob {
  readonly jobId: string;
  readonly lockKey: string;
  readonly type: string;
  readonly attempt: number;
  readonly startedAt: string;
  /** The lease's last valid instant as its processor knew it at the heartbeat. */
  readonly leaseExpiresAt: string;
}

/** What a processor writes about itself at every heartbeat. */
export interface ProcessorHeartbeat {
  readonly processorId: string;
  readonly host: string;
  readonly version: string;
  readonly startedAt: string;
  readonly heartbeatAt: string;
  readonly heartbeatSeconds: number;
  /** `stopped` once it shut down cleanly; otherwise `live` (the reader decides whether it is lost). */
  readonly state: 'live' | 'stopped';
  readonly concurrency: number;
  /** The partitions it serves; `all` until partitions exist or when it serves every one. */
  readonly partitions: 'all' | readonly string[];
  readonly running: readonly RunningJob[];
  /** Attempts running now; `running` may list fewer when there are very many. */
  readonly runningCount: number;
  /** Attempts that ended (completed or failed) in the last 60 s. */
  readonly jobsPerMinute: number;
}

/** `GET /api/processors`: a heartbeat with the state as the reader sees it. */
export interface ProcessorInfo extends Omit<ProcessorHeartbeat, 'state'> {
  readonly state: ProcessorState;
}

/**
 * Upper bounds (ms) of the duration histograms in the roll-up; the last bucket is everything longer.
 * Fixed buckets merge across processors and minutes by addition, which percentiles could not.
 */
export const DURATION_BUCKETS_MS = [
  5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000, 60_000, 120_000, 300_000, 600_000, 1_800_000, 3_600_000,
] as const;

/** One job type's figures for one minute on one processor. */
export interface TypeMinute {
  completed: number;
  failed: number;
  deadLettered: number;
  /** Queued → Started of first attempts; counts per DURATION_BUCKETS_MS bucket (+1 for longer). */
  wait: number[];
  /** Started → end of attempts that completed or failed. */
  run: number[];
}

/** One processor's roll-up row for one minute. */
export interface MinuteRow {
  /** ISO 8601 start of the minute (UTC). */
  readonly minute: string;
  readonly processorId: string;
  readonly types: Record<string, TypeMinute>;
}

export type ChartRange = '1h' | '24h';

export interface Percentiles {
  readonly p50: Array<number | null>;
  readonly p95: Array<number | null>;
  readonly p99: Array<number | null>;
}

/** `GET /api/charts?range=1h|24h`: series aligned on `minutes` (epoch seconds, one per minute). */
export interface ChartData {
  readonly range: ChartRange;
  readonly from: string;
  readonly to: string;
  readonly minutes: number[];
  readonly types: string[];
  readonly completed: Record<string, number[]>;
  readonly failed: Record<string, number[]>;
  /** Milliseconds, bucket-interpolated; null in a minute with no sample. */
  readonly wait: Percentiles;
  readonly run: Percentiles;
  /** Epoch seconds of each hour, and the jobs dead-lettered in it. */
  readonly deadLettered: { readonly hours: number[]; readonly counts: number[] };
}
