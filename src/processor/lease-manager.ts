/**
 * @module Keeps every lease a processor holds alive with one self-rescheduling timer, whatever the
 * number of jobs. Each renewal is bounded by the lease's remaining life. Outcomes: Renewed moves the
 * lease's clock; a transient error (Unknown) keeps the job running and is retried next tick; Lost — the
 * service says so, or the local deadline passed (as after a long pause) — aborts that job's signal.
 */
import { performance } from 'node:perf_hooks';
import { LeaseLostError } from '../core/errors.js';
import type { AcquiredLease, LeaseStore } from '../storage/blob-lease-store.js';
import { describeLock } from '../storage/lock-stripes.js';

export interface LeaseManagerOptions {
  readonly leaseMs: number;
  readonly renewMs: number;
  /** Stop trusting a lease this long before it would expire: covers the gap between a check and a write. */
  readonly safetyMs?: number;
  readonly onRenewal?: (outcome: 'Renewed' | 'Unknown' | 'Lost', error?: unknown) => void;
  readonly onLost?: (lease: HeldLease, error: LeaseLostError) => void;
  /** A release that failed: the lease will expire by itself. */
  readonly onReleaseFailed?: (lease: HeldLease, error: unknown) => void;
  readonly now?: () => number;
}

export class HeldLease {
  readonly lockKey: string;
  readonly leaseId: string;
  /** performance.now() when the last successful renewal (or the acquire) was sent. */
  lastRenewedAt: number;
  renewing = false;
  /** Given up (or being given up): never valid again, whatever the clock says. */
  released = false;
  readonly #controller = new AbortController();
  readonly #manager: LeaseManager;

  constructor(lease: AcquiredLease, manager: LeaseManager) {
    this.lockKey = lease.lockKey;
    this.leaseId = lease.leaseId;
    this.lastRenewedAt = lease.acquiredAt;
    this.#manager = manager;
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  get lost(): LeaseLostError | undefined {
    return this.#controller.signal.aborted ? (this.#controller.signal.reason as LeaseLostError) : undefined;
  }

  /** True while the lease is certainly ours (the local deadline, minus the safety margin, has not passed). */
  isValid(): boolean {
    return !this.released && !this.lost && this.remainingMs() > 0;
  }

  /** Milliseconds until the lease stops being certainly ours, on the monotonic clock, now (≤ 0: past). */
  remainingMs(): number {
    return this.lastRenewedAt + this.#manager.leaseMs - this.#manager.safetyMs - this.#manager.now();
  }

  /** Wall-clock time of the lease's last valid instant as this processor knows it. */
  validUntil(): Date {
    const remaining = this.lastRenewedAt + this.#manager.leaseMs - this.#manager.now();
    return new Date(Date.now() + remaining);
  }

  markLost(reason: string): void {
    if (this.lost) return;
    this.#controller.abort(new LeaseLostError(`lease on ${describeLock(this.lockKey)} lost: ${reason}`, this.validUntil()));
  }
}

export class LeaseManager {
  readonly leaseMs: number;
  readonly renewMs: number;
  readonly safetyMs: number;
  readonly now: () => number;
  readonly #store: LeaseStore;
  readonly #options: LeaseManagerOptions;
  readonly #held = new Set<HeldLease>();
  /** Releases given up without waiting (releaseBehind), by lock key, until the service answers. */
  readonly #releasing = new Map<string, Promise<void>>();
  readonly #tickMs: number;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(store: LeaseStore, options: LeaseManagerOptions) {
    this.#store = store;
    this.#options = options;
    this.leaseMs = options.leaseMs;
    this.renewMs = options.renewMs;
    this.safetyMs = options.safetyMs ?? Math.min(2000, options.leaseMs / 10);
    this.now = options.now ?? (() => performance.now());
    this.#tickMs = Math.max(100, Math.min(1000, options.renewMs / 4));
  }

  get size(): number {
    return this.#held.size;
  }

  track(lease: AcquiredLease): HeldLease {
    const held = new HeldLease(lease, this);
    this.#held.add(held);
    this.#schedule();
    return held;
  }

  /**
   * Gives the lease up: untracked (no more renewals), invalid from now on, then released at the service.
   * Never throws; a failed release expires by itself (within one lease period).
   */
  async release(held: HeldLease): Promise<void> {
    if (held.released) return;
    this.untrack(held);
    try {
      await this.#store.release(held.lockKey, held.leaseId);
    } catch (error) {
      this.#options.onReleaseFailed?.(held, error);
    }
  }

  /**
   * Gives the lease up like `release` (untracked and invalid at once), without waiting for the service: for
   * an attempt whose end is recorded and whose message is only acknowledged, so that the ack (and with it the
   * next delivery) does not wait a request. Holding the lock a moment longer never lets two attempts overlap.
   */
  releaseBehind(held: HeldLease): void {
    const releasing: Promise<void> = this.release(held).finally(() => {
      if (this.#releasing.get(held.lockKey) === releasing) this.#releasing.delete(held.lockKey);
    });
    this.#releasing.set(held.lockKey, releasing);
  }

  /** Resolves once this processor's own release of `lockKey`, if one is on its way, has been answered: acquire after it. */
  released(lockKey: string): Promise<void> {
    return this.#releasing.get(lockKey) ?? Promise.resolve();
  }

  /** Waits for every release given up behind (a processor stopping lets go of its locks before it exits). */
  async drain(): Promise<void> {
    await Promise.all([...this.#releasing.values()]);
  }

  untrack(held: HeldLease): void {
    held.released = true;
    this.#held.delete(held);
    if (this.#held.size === 0 && this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }

  close(): void {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** One pass over every held lease: expire what is past its deadline, renew what is due. Exposed for tests. */
  tick(): void {
    const now = this.now();
    for (const held of this.#held) {
      if (held.lost || held.released) continue;
      if (now >= held.lastRenewedAt + this.leaseMs - this.safetyMs) {
        this.#lose(held, 'its deadline passed before a renewal succeeded (was the process paused?)');
      } else if (!held.renewing && now - held.lastRenewedAt >= this.renewMs) {
        void this.#renew(held);
      }
    }
  }

  async #renew(held: HeldLease): Promise<void> {
    held.renewing = true;
    const sentAt = this.now();
    const remaining = held.lastRenewedAt + this.leaseMs - this.safetyMs - sentAt;
    try {
      const outcome = await this.#store.renew(held.lockKey, held.leaseId, AbortSignal.timeout(Math.floor(Math.max(1, Math.min(remaining, 10_000)))));
      // Released while the renewal was in flight: whatever it says (a "Lost" for the lease id just given up) is news to no one.
      if (held.released) return;
      if (outcome === 'Renewed') {
        // Only trust the renewal if it landed while the lease was still ours by our own clock.
        if (this.now() < held.lastRenewedAt + this.leaseMs - this.safetyMs) held.lastRenewedAt = sentAt;
        this.#options.onRenewal?.('Renewed');
      } else {
        this.#options.onRenewal?.('Lost');
        this.#lose(held, 'the storage service says the lease is no longer ours');
      }
    } catch (error) {
      if (held.released) return;
      // Unknown: network, timeout or 5xx. Keep running; the next tick retries while the lease lasts.
      this.#options.onRenewal?.('Unknown', error);
    } finally {
      held.renewing = false;
    }
  }

  #lose(held: HeldLease, reason: string): void {
    held.markLost(reason);
    if (held.lost) this.#options.onLost?.(held, held.lost);
  }

  #schedule(): void {
    if (this.#timer || this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.tick();
      if (this.#held.size > 0) this.#schedule();
    }, this.#tickMs);
  }
}
