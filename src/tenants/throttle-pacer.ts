/**
 * @module What one processor remembers about throttled tenants, so that a throttled job costs almost
 * nothing: a tenant found full is "known full" for a moment (jobs arriving then are parked with no
 * storage request at all), and parked jobs are given due times spaced by the tenant's expected pace
 * (its attempt time / its concurrency, or period / rate), so they come back about as fast as capacity
 * frees instead of all at once or in a hot loop.
 */

/** Until a tenant's attempts have been timed here, assume this long. */
const DEFAULT_ATTEMPT_MS = 2000;
/** The longest a job is parked at once (the delay infrastructure's longest step). */
export const MAX_PARK_MS = 3_600_000;
const MIN_WAIT_MS = 250;

interface TenantPace {
  fullUntilMs: number;
  nextDueMs: number;
  attemptMs: number;
  parked: number[];
}

export class ThrottlePacer {
  readonly #tenants = new Map<string, TenantPace>();
  readonly #maxFullMs: number;

  /** `maxFullMs`: the longest a tenant stays "known full" without a look at storage (a lease period's quarter). */
  constructor(maxFullMs: number) {
    this.#maxFullMs = maxFullMs;
  }

  /** The tenant was found full less than a moment ago: park without asking storage. */
  knownFull(tenantId: string, nowMs: number): boolean {
    return (this.#tenants.get(tenantId)?.fullUntilMs ?? 0) > nowMs;
  }

  /** Every slot tried was held: expect one back after about one attempt's share of the limit. */
  markFull(tenantId: string, limit: number, nowMs: number): number {
    const pace = this.#pace(tenantId);
    pace.fullUntilMs = nowMs + clamp(pace.attemptMs / limit, MIN_WAIT_MS, this.#maxFullMs);
    return pace.fullUntilMs;
  }

  /** This processor gave a slot back: the next job of the tenant may take it. */
  slotFreed(tenantId: string, attemptMs: number): void {
    const pace = this.#pace(tenantId);
    pace.fullUntilMs = 0;
    pace.attemptMs = pace.attemptMs * 0.8 + attemptMs * 0.2;
  }

  /** The due time for a parked job: not before `earliestMs`, and `spacingMs` after the previous one parked. */
  park(tenantId: string, nowMs: number, earliestMs: number, spacingMs: number): number {
    const pace = this.#pace(tenantId);
    const after = pace.nextDueMs > nowMs ? pace.nextDueMs : 0;
    const dueMs = Math.min(nowMs + MAX_PARK_MS, Math.max(earliestMs, after, nowMs + MIN_WAIT_MS));
    pace.nextDueMs = dueMs + spacingMs;
    pace.parked.push(dueMs);
    return dueMs;
  }

  /** Spacing between parked jobs of a tenant limited to `limit` concurrent attempts. */
  concurrencySpacing(tenantId: string, limit: number): number {
    return this.#pace(tenantId).attemptMs / limit;
  }

  /** Jobs parked here that are not yet due back, by tenant (forgets the ones that are). */
  waiting(nowMs: number): Map<string, number> {
    const counts = new Map<string, number>();
    for (const [tenantId, pace] of this.#tenants) {
      pace.parked = pace.parked.filter((due) => due > nowMs);
      counts.set(tenantId, pace.parked.length);
      if (pace.parked.length === 0 && pace.fullUntilMs <= nowMs && pace.nextDueMs <= nowMs) this.#tenants.delete(tenantId);
    }
    return counts;
  }

  #pace(tenantId: string): TenantPace {
    let pace = this.#tenants.get(tenantId);
    if (!pace) {
      pace = { fullUntilMs: 0, nextDueMs: 0, attemptMs: DEFAULT_ATTEMPT_MS, parked: [] };
      this.#tenants.set(tenantId, pace);
    }
    return pace;
  }
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
