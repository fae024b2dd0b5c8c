/**
 * @module The live event feed behind /api/stream: one poller of the recent-events index shared by every
 * connected page, running only while someone listens. The index is written behind (batched, from many
 * processes, with their own clocks), so an event can reach it after newer ones: each poll looks back
 * `lookbackMs` and drops the events it already delivered, by event id.
 */
import type { AuditEvent } from '../contracts/audit-event.js';
import type { Logger } from '../core/logger.js';
import { errorMessage } from '../core/errors.js';

export interface IndexReader {
  since(fromMs: number, limit: number, tenantId?: string): Promise<AuditEvent[]>;
}

export interface EventFeedOptions {
  readonly pollMs?: number;
  readonly lookbackMs?: number;
  /** At most this many events per poll: the page shows at most 100 rows, so a burst beyond it is skipped. */
  readonly maxPerPoll?: number;
  readonly logger?: Logger;
}

export type FeedListener = (events: readonly AuditEvent[]) => void;

export class EventFeed {
  readonly #index: IndexReader;
  readonly #pollMs: number;
  readonly #lookbackMs: number;
  readonly #maxPerPoll: number;
  readonly #logger: Logger | undefined;
  readonly #listeners = new Set<FeedListener>();
  /** eventId → timestamp ms of everything delivered within the look-back. */
  readonly #delivered = new Map<string, number>();
  #timer: NodeJS.Timeout | undefined;
  #primed = false;
  #closed = false;
  /** Bumped whenever polling stops, so a poll in flight from an earlier run does not schedule another. */
  #generation = 0;

  constructor(index: IndexReader, options: EventFeedOptions = {}) {
    this.#index = index;
    this.#pollMs = options.pollMs ?? 1000;
    this.#lookbackMs = options.lookbackMs ?? 15_000;
    this.#maxPerPoll = options.maxPerPoll ?? 500;
    this.#logger = options.logger;
  }

  get listeners(): number {
    return this.#listeners.size;
  }

  /** Calls `listener` with each batch of new events, oldest first; returns the unsubscribe. */
  subscribe(listener: FeedListener): () => void {
    this.#listeners.add(listener);
    if (this.#listeners.size === 1 && !this.#closed) this.#schedule(0);
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0) this.#stop();
    };
  }

  close(): void {
    this.#closed = true;
    this.#listeners.clear();
    this.#stop();
  }

  #stop(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#generation++;
    // Nobody listened for a while: what was delivered before says nothing about the next listener.
    this.#delivered.clear();
    this.#primed = false;
  }

  #schedule(delayMs: number): void {
    const generation = this.#generation;
    this.#timer = setTimeout(() => void this.#poll(generation), delayMs);
    this.#timer.unref();
  }

  async #poll(generation: number): Promise<void> {
    const startedMs = Date.now();
    try {
      const found = await this.#index.since(startedMs - this.#lookbackMs, this.#maxPerPoll);
      if (generation !== this.#generation) return;
      this.#deliver(found, startedMs);
    } catch (error) {
      this.#logger?.warn('live feed: the recent-events index could not be read', { error: errorMessage(error) });
    } finally {
      if (generation === this.#generation && this.#listeners.size > 0 && !this.#closed) this.#schedule(this.#pollMs);
    }
  }

  #deliver(found: readonly AuditEvent[], startedMs: number): void {
    const fresh = found.filter((event) => !this.#delivered.has(event.eventId)).reverse();
    for (const event of fresh) this.#delivered.set(event.eventId, Date.parse(event.timestamp));
    for (const [eventId, atMs] of this.#delivered) if (atMs < startedMs - 2 * this.#lookbackMs) this.#delivered.delete(eventId);
    // The first poll only learns what is already there: pages load that through /api/jobs.
    const wasPrimed = this.#primed;
    this.#primed = true;
    if (!wasPrimed || fresh.length === 0) return;
    for (const listener of this.#listeners) {
      try {
        listener(fresh);
      } catch (error) {
        this.#logger?.warn('live feed listener failed', { error: errorMessage(error) });
      }
    }
  }
}
