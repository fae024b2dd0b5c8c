/**
 * @module A tenant as views show it (`baton tenants show`, `GET /api/tenants`): its limits (own or
 * default), and its use now — attempts running (slots leased; from the job-state index for a tenant with
 * no concurrency limit), starts in the current rate window, and throttled jobs waiting (as processors last
 * reported them).
 */
import type { Rate } from '../contracts/tenant-limits.js';
import type { Names } from '../contracts/names.js';
import type { BatonStorage } from '../storage/baton-storage.js';
import { isNotFound } from '../storage/azure-errors.js';
import { effectiveLimits, type TenantOverrides } from '../storage/tenant-store.js';
import { startsInWindow } from './rate-window.js';
import { countHeldSlots } from './tenant-slots.js';

export interface TenantView {
  readonly tenantId: string;
  readonly limits: { readonly concurrency: number | null; readonly rate: string | null };
  /** Which limits are the tenant's own (the others are the defaults). */
  readonly overrides: { readonly concurrency: boolean; readonly rate: boolean };
  readonly use: {
    /** Attempts running now: the tenant's slot leases when it has a concurrency limit, else its jobs the job-state index lists as running. */
    readonly running: number;
    /** Starts in the rate window ending now; only known for a tenant with a rate limit. */
    readonly startsInWindow: number | null;
    readonly throttledWaiting: number;
  };
  readonly updatedAt: string | null;
  readonly updatedBy: string | null;
}

export interface TenantDefaults {
  readonly concurrency?: number | undefined;
  readonly rate?: Rate | undefined;
}

/** What every tenant's view shares: throttled jobs reported waiting and jobs running, by tenant. */
interface FleetUse {
  readonly waiting: Map<string, number>;
  readonly running: Map<string, number>;
}

async function fleetUse(storage: BatonStorage): Promise<FleetUse> {
  const [waiting, running] = await Promise.all([storage.tenants.throttledWaiting(), storage.states.runningByTenant().catch(orNothing)]);
  return { waiting, running };
}

/** The state index is written behind and may not exist yet in a new namespace: then nothing is running. */
function orNothing(error: unknown): Map<string, number> {
  if (isNotFound(error)) return new Map();
  throw error;
}

export async function viewTenant(storage: BatonStorage, names: Names, defaults: TenantDefaults, tenantId: string): Promise<TenantView> {
  const [overrides, use] = await Promise.all([storage.tenants.getOverrides(tenantId), fleetUse(storage)]);
  return build(storage, names, defaults, tenantId, overrides, use);
}

/** Tenants with limits of their own, with throttled jobs reported waiting, or with jobs running now. */
export async function viewTenants(storage: BatonStorage, names: Names, defaults: TenantDefaults): Promise<TenantView[]> {
  const [all, use] = await Promise.all([storage.tenants.listOverrides(), fleetUse(storage)]);
  const ids = [...new Set([...all.keys(), ...use.waiting.keys(), ...use.running.keys()])].sort();
  return Promise.all(ids.map((tenantId) => build(storage, names, defaults, tenantId, all.get(tenantId), use)));
}

async function build(storage: BatonStorage, names: Names, defaults: TenantDefaults, tenantId: string, overrides: TenantOverrides | undefined, use: FleetUse): Promise<TenantView> {
  const limits = effectiveLimits(overrides, defaults);
  const container = storage.clients.blobService.getContainerClient(names.locksContainer);
  const [running, rateState] = await Promise.all([
    limits.concurrency !== null ? countHeldSlots(container, tenantId) : (use.running.get(tenantId) ?? 0),
    limits.rate !== null ? storage.tenants.readRateState(tenantId) : null,
  ]);
  return {
    tenantId,
    limits: { concurrency: limits.concurrency, rate: limits.rate?.text ?? null },
    overrides: { concurrency: overrides?.concurrency !== undefined, rate: overrides?.rate !== undefined },
    use: {
      running,
      startsInWindow: limits.rate && rateState ? startsInWindow(limits.rate, rateState, Date.now()) : null,
      throttledWaiting: use.waiting.get(tenantId) ?? 0,
    },
    updatedAt: overrides?.updatedAt ?? null,
    updatedBy: overrides?.updatedBy ?? null,
  };
}
