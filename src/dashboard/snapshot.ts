/**
 * @module Snapshot figures served by /api/stats: the index's events of the last N minutes (a bounded read
 * of the newest partitions, never a scan of history) turned into figures, cached for a few seconds so that
 * any number of open pages and Prometheus scrapes cost one read.
 */
import type { AuditEvent } from '../contracts/audit-event.js';
import type { QueueDepths } from './broker-probe.js';
import type { IndexReader } from './event-feed.js';
import type { Stats } from './schemas.js';
import { computeStats } from './stats.js';

export interface SnapshotOptions {
  /** Most events one snapshot reads; beyond it the figures cover the newest events and say `truncated`. */
  readonly maxEvents?: number;
  readonly cacheMs?: number;
  readonly queues?: () => Promise<QueueDepths | null>;
}

export const DEFAULT_WINDOW_MINUTES = 15;

export class Snapshots {
  readonly #index: IndexReader;
  readonly #maxEvents: number;
  readonly #cacheMs: number;
  readonly #queues: (() => Promise<QueueDepths | null>) | undefined;
  readonly #cache = new Map<number, { atMs: number; stats: Promise<Stats> }>();

  constructor(index: IndexReader, options: SnapshotOptions = {}) {
    this.#index = index;
    this.#maxEvents = options.maxEvents ?? 20_000;
    this.#cacheMs = options.cacheMs ?? 3000;
    this.#queues = options.queues;
  }

  get(minutes: number = DEFAULT_WINDOW_MINUTES): Promise<Stats> {
    const now = Date.now();
    const cached = this.#cache.get(minutes);
    if (cached && now - cached.atMs < this.#cacheMs) return cached.stats;
    const stats = this.#compute(minutes, now);
    this.#cache.set(minutes, { atMs: now, stats });
    // A failed read must not be served from the cache.
    stats.catch(() => this.#cache.delete(minutes));
    return stats;
  }

  async #compute(minutes: number, nowMs: number): Promise<Stats> {
    const windowMs = minutes * 60_000;
    const [events, queues] = await Promise.all([
      this.#index.since(nowMs - windowMs, this.#maxEvents) as Promise<AuditEvent[]>,
      this.#queues ? this.#queues().catch(() => null) : Promise.resolve(null),
    ]);
    return { ...computeStats(events, { nowMs, windowMs }, events.length >= this.#maxEvents), queues };
  }
}
