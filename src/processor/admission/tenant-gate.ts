/**
 * @module Job gate "is the job's tenant under its limits?": concurrency first (a slot lease, taken
 * before the job's lock lease and kept by the same LeaseManager until the attempt ends), then the rate
 * (one conditional table write). Run (with a releaser that gives the slot back), or `Throttled`: parked
 * round the delays until the time the tenant's capacity is expected, no attempt counted. A tenant just
 * found full is answered from memory (no request), and `Throttled` is written once per waiting stretch:
 * the parked copy carries the hop count it was parked at, so a copy that comes straight back and is
 * parked again writes nothing, while one that went anywhere else in between (a retry) starts a new stretch.
 *
 * MUST: a slot is released exactly once, whatever happens to the attempt; losing the slot's lease
 * stops the attempt as a lost lock lease would (at most N attempts of a tenant overlap, exactly).
 */
import type { JobRequest } from '../../contracts/job-request.js';
import type { TenantLimits } from '../../contracts/tenant-limits.js';
import type { LeaseStore } from '../../storage/blob-lease-store.js';
import type { TenantStore } from '../../storage/tenant-store.js';
import type { LimitsCache } from '../../tenants/limits-cache.js';
import { acquireSlot } from '../../tenants/tenant-slots.js';
import type { ThrottlePacer } from '../../tenants/throttle-pacer.js';
import type { HeldLease, LeaseManager } from '../lease-manager.js';
import type { DeliveryDeps } from '../delivery-deps.js';
import { formatMs, jobEvent } from '../job-events.js';
import type { Candidate, Releaser } from './gate.js';
import { run, type Stop, type Verdict } from './verdict.js';

/** The hop count a parked copy was sent with: equal to the delivery's hops while the stretch goes on. */
export const THROTTLED_HOP_HEADER = 'x-baton-throttled-hop';

export async function tenantGate(candidate: Candidate, deps: DeliveryDeps): Promise<Verdict<Releaser | void>> {
  const admission = await deps.tenants.admit(candidate.job);
  if (admission.kind === 'run') {
    const { permit } = admission;
    if (!permit) return run(undefined);
    candidate.onLease.push((lease) => permit.bind(lease));
    return run(() => permit.release());
  }
  return throttled(candidate, deps, admission.dueAtMs, admission.reason);
}

function throttled({ delivery, job }: Candidate, deps: DeliveryDeps, dueAtMs: number, reason: string): Stop {
  const delayMs = deps.delays.plan(Math.max(0, dueAtMs - Date.now()));
  const continuing = delivery.hops > 0 && Number(delivery.headers[THROTTLED_HOP_HEADER]) === delivery.hops;
  const message = `tenant "${job.tenantId ?? ''}": ${reason}; waiting about ${formatMs(delayMs)} (no attempt counted)`;
  return {
    kind: 'stop',
    outcome: 'throttled',
    move: { kind: 'wait', delayMs, headers: { [THROTTLED_HOP_HEADER]: delivery.hops + 1 } },
    ...(continuing ? {} : { event: jobEvent(job, deps.processorId, 'Throttled', 0, message) }),
  };
}

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
    this.#deps.pacer.slotFreed(this.#tenantId, performance.now() - this.#startedAt);
    await this.#deps.leases.release(this.#slot);
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
      return throttledAt(tenantId, pacer.park(tenantId, Date.now(), decision.retryAtMs, spacing), `rate limit ${limits.rate.text} reached`);
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
    return throttledAt(tenantId, dueAtMs, `concurrency limit ${limit} reached`);
  }
}

function throttledAt(tenantId: string, dueAtMs: number, reason: string): TenantAdmission {
  return { kind: 'throttled', tenantId, dueAtMs, reason };
}
