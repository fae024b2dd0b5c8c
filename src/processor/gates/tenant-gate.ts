/**
 * @module Admission gate: may this job of a tenant start now? Concurrency first (a slot lease, taken
 * before the job's lock lease and kept by the same LeaseManager until the attempt ends), then the rate
 * (one conditional table write). The answer is a value: run (with a permit to give back), or throttled
 * until the time capacity is expected. A tenant just found full is answered from memory (no request).
 *
 * MUST: a permit is released exactly once, whatever happens to the attempt; losing its slot lease
 * stops the attempt as a lost lock lease would (at most N attempts of a tenant overlap, exactly).
 */
import type { JobRequest } from '../../contracts/job-request.js';
import type { TenantLimits } from '../../contracts/tenant-limits.js';
import { errorMessage } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { LeaseStore } from '../../storage/blob-lease-store.js';
import type { TenantStore } from '../../storage/tenant-store.js';
import type { LimitsCache } from '../../tenants/limits-cache.js';
import { acquireSlot } from '../../tenants/tenant-slots.js';
import type { ThrottlePacer } from '../../tenants/throttle-pacer.js';
import type { HeldLease, LeaseManager } from '../lease-manager.js';

export type TenantAdmission =
  | { readonly kind: 'run'; readonly permit: TenantPermit | undefined }
  | { readonly kind: 'throttled'; readonly tenantId: string; readonly dueAtMs: number; readonly reason: string };

export interface TenantGateDeps {
  readonly limits: LimitsCache;
  readonly rates: Pick<TenantStore, 'tryStart'>;
  readonly leaseStore: LeaseStore;
  readonly leases: LeaseManager;
  readonly leaseSeconds: number;
  readonly pacer: ThrottlePacer;
  readonly logger: Logger;
  /** Told every decision for a tenant with limits (metrics). */
  readonly onDecision?: (tenantId: string, decision: 'run' | 'throttled') => void;
}

/** A taken concurrency slot (if the tenant has a limit), to bind to the attempt and give back at its end. */
export class TenantPermit {
  readonly #deps: TenantGateDeps;
  readonly #tenantId: string;
  readonly #slot: HeldLease | undefined;
  readonly #startedAt = performance.now();
  #released = false;

  constructor(deps: TenantGateDeps, tenantId: string, slot: HeldLease | undefined) {
    this.#deps = deps;
    this.#tenantId = tenantId;
    this.#slot = slot;
  }

  /** Losing the slot ends the attempt's right to run, as losing its lock lease does. */
  bind(lock: HeldLease): void {
    const slot = this.#slot;
    if (!slot) return;
    if (slot.lost) lock.markLost(`its tenant slot was lost: ${slot.lost.message}`);
    else slot.signal.addEventListener('abort', () => lock.markLost(`its tenant slot was lost: ${slot.lost?.message ?? ''}`), { once: true });
  }

  async release(): Promise<void> {
    if (this.#released || !this.#slot) return;
    this.#released = true;
    const slot = this.#slot;
    this.#deps.leases.untrack(slot);
    this.#deps.pacer.slotFreed(this.#tenantId, performance.now() - this.#startedAt);
    try {
      await this.#deps.leaseStore.release(slot.lockKey, slot.leaseId);
    } catch (error) {
      this.#deps.logger.warn('could not release a tenant slot; it will expire by itself', { tenantId: this.#tenantId, error: errorMessage(error) });
    }
  }
}

export class TenantGate {
  readonly #deps: TenantGateDeps;

  constructor(deps: TenantGateDeps) {
    this.#deps = deps;
  }

  async admit(job: JobRequest): Promise<TenantAdmission> {
    const tenantId = job.tenantId;
    if (tenantId === undefined) return { kind: 'run', permit: undefined };
    const limits = await this.#deps.limits.limitsFor(tenantId);
    if (limits.concurrency === null && limits.rate === null) return { kind: 'run', permit: undefined };
    const admission = await this.#admitLimited(tenantId, limits);
    this.#deps.onDecision?.(tenantId, admission.kind);
    return admission;
  }

  async #admitLimited(tenantId: string, limits: TenantLimits): Promise<TenantAdmission> {
    const { pacer } = this.#deps;
    const now = Date.now();
    if (limits.concurrency !== null && pacer.knownFull(tenantId, now)) return this.#full(tenantId, limits.concurrency, now, false);

    let slot: HeldLease | undefined;
    if (limits.concurrency !== null) {
      const lease = await acquireSlot(this.#deps.leaseStore, tenantId, limits.concurrency, this.#deps.leaseSeconds);
      if (!lease) return this.#full(tenantId, limits.concurrency, now, true);
      slot = this.#deps.leases.track(lease);
    }
    const permit = new TenantPermit(this.#deps, tenantId, slot);
    if (limits.rate === null) return { kind: 'run', permit };
    try {
      const decision = await this.#deps.rates.tryStart(tenantId, limits.rate);
      if (decision.allowed) return { kind: 'run', permit };
      await permit.release();
      const spacing = limits.rate.periodMs / limits.rate.count;
      return throttled(tenantId, pacer.park(tenantId, Date.now(), decision.retryAtMs, spacing), `rate limit ${limits.rate.text} reached`);
    } catch (error) {
      await permit.release();
      throw error;
    }
  }

  #full(tenantId: string, limit: number, now: number, looked: boolean): TenantAdmission {
    const { pacer } = this.#deps;
    if (looked) pacer.markFull(tenantId, limit, now);
    const expectedMs = pacer.concurrencySpacing(tenantId, limit);
    const dueAtMs = pacer.park(tenantId, now, now + expectedMs, expectedMs);
    return throttled(tenantId, dueAtMs, `concurrency limit ${limit} reached`);
  }
}

function throttled(tenantId: string, dueAtMs: number, reason: string): TenantAdmission {
  return { kind: 'throttled', tenantId, dueAtMs, reason };
}
