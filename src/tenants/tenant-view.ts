/**
 * @module A tenant as views show it (`baton tenants show`, `GET /api/tenants`): its limits (own or
 * default), and its use now — attempts running (slots leased), starts in the current rate window, and
 * throttled jobs waiting (as processors last reported them).
 */
import type { Rate } from '../contracts/tenant-limits.js';
import type { Names } from '../contracts/names.js';
import type { BatonStorage } from '../storage/baton-storage.js';
import { effectiveLimits, type TenantOverrides } from '../storage/tenant-store.js';
import { startsInWindow } from './rate-window.js';
import { countHeldSlots } from './tenant-slots.js';

export interface TenantView {
  readonly tenantId: string;
  readonly limits: { readonly concurrency: number | null; readonly rate: string | null };
  /** Which limits are the tenant's own (the others are the defaults). */
  readonly overrides: { readonly concurrency: boolean; readonly rate: boolean };
  readonly use: {
    /** Attempts running now; counted from slot leases, so only known for a tenant with a concurrency limit. */
    readonly running: number | null;
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

export async function viewTenant(storage: BatonStorage, names: Names, defaults: TenantDefaults, tenantId: string, waiting?: Map<string, number>): Promise<TenantView> {
  const overrides = await storage.tenants.getOverrides(tenantId);
  return build(storage, names, defaults, tenantId, overrides, waiting ?? (await storage.tenants.throttledWaiting()));
}

/** Tenants with limits of their own, or with throttled jobs reported waiting. */
export async function viewTenants(storage: BatonStorage, names: Names, defaults: TenantDefaults): Promise<TenantView[]> {
  const [all, waiting] = await Promise.all([storage.tenants.listOverrides(), storage.tenants.throttledWaiting()]);
  const ids = [...new Set([...all.keys(), ...waiting.keys()])].sort();
  return Promise.all(ids.map((tenantId) => build(storage, names, defaults, tenantId, all.get(tenantId), waiting)));
}

async function build(storage: BatonStorage, names: Names, defaults: TenantDefaults, tenantId: string, overrides: TenantOverrides | undefined, waiting: Map<string, number>): Promise<TenantView> {
  const limits = effectiveLimits(overrides, defaults);
  const container = storage.clients.blobService.getContainerClient(names.locksContainer);
  const [running, rateState] = await Promise.all([
    limits.concurrency !== null ? countHeldSlots(container, tenantId) : null,
    limits.rate !== null ? storage.tenants.readRateState(tenantId) : null,
  ]);
  return {
    tenantId,
    limits: { concurrency: limits.concurrency, rate: limits.rate?.text ?? null },
    overrides: { concurrency: overrides?.concurrency !== undefined, rate: overrides?.rate !== undefined },
    use: {
      running,
      startsInWindow: limits.rate && rateState ? startsInWindow(limits.rate, rateState, Date.now()) : null,
      throttledWaiting: waiting.get(tenantId) ?? 0,
    },
    updatedAt: overrides?.updatedAt ?? null,
    updatedBy: overrides?.updatedBy ?? null,
  };
}
