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

interface WindowRead {
  readonly events: AuditEvent[];
  readonly queues: QueueDepths | null;
  readonly nowMs: number;
}

export class Snapshots {
  readonly #index: IndexReader;
  readonly #maxEvents: number;
  readonly #cacheMs: number;
  readonly #queues: (() => Promise<QueueDepths | null>) | undefined;
  readonly #cache = new Map<number, { atMs: number; read: Promise<WindowRead> }>();

  constructor(index: IndexReader, options: SnapshotOptions = {}) {
    this.#index = index;
    this.#maxEvents = options.maxEvents ?? 20_000;
    this.#cacheMs = options.cacheMs ?? 3000;
    this.#queues = options.queues;
  }

  /**
   * The figures of the last `minutes`, of every job or of one tenant's. One read of the window serves
   * both (events carry their tenant), so a page filtered by tenant costs no storage request of its own;
   * queue depths stay fleet-wide (a queue holds every tenant's jobs).
   */
  async get(minutes: number = DEFAULT_WINDOW_MINUTES, tenantId?: string): Promise<Stats> {
    const { events, queues, nowMs } = await this.#read(minutes);
    const mine = tenantId === undefined ? events : events.filter((event) => event.tenantId === tenantId);
    return { ...computeStats(mine, { nowMs, windowMs: minutes * 60_000 }, events.length >= this.#maxEvents), queues };
  }

  #read(minutes: number): Promise<WindowRead> {
    const now = Date.now();
    const cached = this.#cache.get(minutes);
    if (cached && now - cached.atMs < this.#cacheMs) return cached.read;
    const read = this.#fetch(minutes, now);
    this.#cache.set(minutes, { atMs: now, read });
    // A failed read must not be served from the cache.
    read.catch(() => this.#cache.delete(minutes));
    return read;
  }

  async #fetch(minutes: number, nowMs: number): Promise<WindowRead> {
    const [events, queues] = await Promise.all([
      this.#index.since(nowMs - minutes * 60_000, this.#maxEvents) as Promise<AuditEvent[]>,
      this.#queues ? this.#queues().catch(() => null) : Promise.resolve(null),
    ]);
    return { events, queues, nowMs };
  }
}
