/**
 * @module Every tenant's limits, as a processor sees them: the overrides table read whole every few
 * seconds (one query, whatever the number of jobs), defaults applied. A change made with
 * `baton tenants set` or `PUT /api/tenants/{id}` is in force everywhere within one refresh period.
 */
import type { Rate, TenantLimits } from '../contracts/tenant-limits.js';
import { errorMessage } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { effectiveLimits, type TenantOverrides, type TenantStore } from '../storage/tenant-store.js';

/** Below the contract's 10 s, with room for a slow read. */
export const LIMITS_REFRESH_MS = 5000;

export interface LimitDefaults {
  readonly concurrency?: number | undefined;
  readonly rate?: Rate | undefined;
}

export class LimitsCache {
  readonly #store: Pick<TenantStore, 'listOverrides'>;
  readonly #defaults: LimitDefaults;
  readonly #logger: Logger;
  readonly #refreshMs: number;
  #overrides = new Map<string, TenantOverrides>();
  #loadedAt = Number.NEGATIVE_INFINITY;
  #loading: Promise<void> | undefined;

  constructor(store: Pick<TenantStore, 'listOverrides'>, defaults: LimitDefaults, logger: Logger, refreshMs = LIMITS_REFRESH_MS) {
    this.#store = store;
    this.#defaults = defaults;
    this.#logger = logger;
    this.#refreshMs = refreshMs;
  }

  /** The tenant's limits; reads the table at most once per refresh period (concurrent callers share the read). */
  async limitsFor(tenantId: string): Promise<TenantLimits> {
    if (performance.now() - this.#loadedAt >= this.#refreshMs) await this.#refresh();
    return effectiveLimits(this.#overrides.get(tenantId), this.#defaults);
  }

  #refresh(): Promise<void> {
    this.#loading ??= (async () => {
      try {
        this.#overrides = await this.#store.listOverrides();
        this.#loadedAt = performance.now();
      } catch (error) {
        // Keep the last limits we knew (or the defaults) rather than stop every tenant's jobs; retry soon.
        this.#logger.warn('could not read tenant limits; keeping the last known ones', { error: errorMessage(error) });
        this.#loadedAt = performance.now() - this.#refreshMs + 1000;
      } finally {
        this.#loading = undefined;
      }
    })();
    return this.#loading;
  }
}
