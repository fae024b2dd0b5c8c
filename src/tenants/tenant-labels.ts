/**
 * @module Tenant names as Prometheus label values, bounded: the first MAX_TENANT_LABELS tenants a
 * process sees keep their own label, every later one is counted as "other", and a job with no tenant
 * as "none". A metrics backend's cost grows with label values; tenant ids are user input.
 */
export const MAX_TENANT_LABELS = 50;

export class TenantLabels {
  readonly #known = new Set<string>();
  readonly #max: number;

  constructor(max = MAX_TENANT_LABELS) {
    this.#max = max;
  }

  label(tenantId: string | undefined): string {
    if (tenantId === undefined) return 'none';
    if (this.#known.has(tenantId)) return tenantId;
    if (this.#known.size >= this.#max) return 'other';
    this.#known.add(tenantId);
    return tenantId;
  }
}
