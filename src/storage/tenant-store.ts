/**
 * @module Tenants in Table Storage (`<ns>tenants`): each tenant's limit overrides, its rate-limit state
 * (written with optimistic concurrency: an update carries the ETag last read, and a 412 means another
 * processor started a job meanwhile, so read again and decide again), what processors report about
 * throttled jobs, and the registry of partitions.
 */
import { odata, type TableClient } from '@azure/data-tables';
import { parseRate, type Rate, type TenantLimits } from '../contracts/tenant-limits.js';
import { decideRate, EMPTY_RATE_STATE, type RateDecision, type RateState } from '../tenants/rate-window.js';
import { isConflict, isNotFound, isPreconditionFailed } from './azure-errors.js';

const LIMITS = 'limits';
const USE = 'use';
const PARTITIONS = 'partitions';
/** Rate state gets a partition per tenant: every start writes it, and a partition serves ~2,000 writes/s. */
const ratePartition = (tenantId: string) => `rate.${tenantId}`;
const RATE_ROW = 'window';
/** Contention is brief (a few processors), but give up rather than spin: the job is then held back. */
const MAX_RATE_TRIES = 8;

/** A tenant's own settings: undefined = the default applies, null = no limit for this tenant. */
export interface TenantOverrides {
  readonly concurrency?: number | null;
  readonly rate?: string | null;
  readonly updatedAt?: string;
  readonly updatedBy?: string;
}

export interface TenantUseReport {
  readonly tenantId: string;
  readonly processorId: string;
  /** Jobs this processor parked for the tenant that are not yet due back. */
  readonly throttledWaiting: number;
  readonly updatedAt: string;
}

/** Applies the defaults to a tenant's overrides. */
export function effectiveLimits(overrides: TenantOverrides | undefined, defaults: { concurrency?: number | undefined; rate?: Rate | undefined }): TenantLimits {
  const concurrency = overrides?.concurrency === undefined ? (defaults.concurrency ?? null) : overrides.concurrency;
  const rate = overrides?.rate === undefined ? (defaults.rate ?? null) : overrides.rate === null ? null : (parseRate(overrides.rate) ?? null);
  return { concurrency, rate };
}

export class TenantStore {
  readonly #table: TableClient;
  /** The rate rows as this process last wrote or read them: usually the next update needs no read. */
  readonly #rateCache = new Map<string, { state: RateState; etag: string }>();

  constructor(table: TableClient) {
    this.#table = table;
  }

  async listOverrides(): Promise<Map<string, TenantOverrides>> {
    const found = new Map<string, TenantOverrides>();
    const rows = this.#table.listEntities<Record<string, unknown>>({ queryOptions: { filter: odata`PartitionKey eq ${LIMITS}` } });
    for await (const row of rows) found.set(String(row.rowKey), overridesFrom(row));
    return found;
  }

  async getOverrides(tenantId: string): Promise<TenantOverrides | undefined> {
    try {
      return overridesFrom(await this.#table.getEntity<Record<string, unknown>>(LIMITS, tenantId));
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** Merges an update (undefined: keep; null: no limit; 'default': back to the default) and returns the result. */
  async setOverrides(tenantId: string, update: { concurrency?: number | null | 'default'; rate?: string | null | 'default' }, actor: string): Promise<TenantOverrides> {
    const current = (await this.getOverrides(tenantId)) ?? {};
    const merged: TenantOverrides = {
      ...pick('concurrency', update.concurrency === undefined ? current.concurrency : update.concurrency === 'default' ? undefined : update.concurrency),
      ...pick('rate', update.rate === undefined ? current.rate : update.rate === 'default' ? undefined : update.rate),
      updatedAt: new Date().toISOString(),
      updatedBy: actor,
    };
    await this.#table.upsertEntity(
      {
        partitionKey: LIMITS,
        rowKey: tenantId,
        // -1 and "none" store "no limit"; an absent property means "the default".
        ...(merged.concurrency !== undefined ? { concurrency: merged.concurrency ?? -1 } : {}),
        ...(merged.rate !== undefined ? { rate: merged.rate ?? 'none' } : {}),
        updatedAt: merged.updatedAt,
        updatedBy: actor,
      },
      'Replace',
    );
    return merged;
  }

  /** Decides whether one more of the tenant's jobs may start now, and records the start if so. */
  async tryStart(tenantId: string, rate: Rate, nowMs: () => number = Date.now): Promise<RateDecision> {
    for (let tries = 0; tries < MAX_RATE_TRIES; tries++) {
      const cached = this.#rateCache.get(tenantId) ?? (await this.#readRate(tenantId));
      const decision = decideRate(rate, cached?.state ?? EMPTY_RATE_STATE, nowMs());
      if (!decision.allowed) {
        // The cache may be stale (another processor's starts are older than they look): trust only a fresh "no".
        if (this.#rateCache.has(tenantId) && tries === 0) {
          this.#rateCache.delete(tenantId);
          continue;
        }
        return decision;
      }
      try {
        const entity = { partitionKey: ratePartition(tenantId), rowKey: RATE_ROW, starts: JSON.stringify(decision.next.starts), tatMs: decision.next.tatMs };
        const response = cached
          ? await this.#table.updateEntity(entity, 'Replace', { etag: cached.etag })
          : await this.#table.createEntity(entity);
        this.#rateCache.set(tenantId, { state: decision.next, etag: response.etag ?? '' });
        return decision;
      } catch (error) {
        this.#rateCache.delete(tenantId);
        if (!isPreconditionFailed(error) && !isConflict(error)) throw error;
      }
    }
    return { allowed: false, retryAtMs: nowMs() + 250 };
  }

  async readRateState(tenantId: string): Promise<RateState> {
    return (await this.#readRate(tenantId))?.state ?? EMPTY_RATE_STATE;
  }

  async reportUse(reports: readonly TenantUseReport[]): Promise<void> {
    for (const report of reports) {
      await this.#table.upsertEntity({ partitionKey: USE, rowKey: `${report.tenantId}|${report.processorId}`, ...report }, 'Replace');
    }
  }

  /** Throttled jobs waiting per tenant, summed over processors that reported within `freshMs`. */
  async throttledWaiting(freshMs = 30_000): Promise<Map<string, number>> {
    const since = new Date(Date.now() - freshMs).toISOString();
    const totals = new Map<string, number>();
    const rows = this.#table.listEntities<Record<string, unknown>>({ queryOptions: { filter: odata`PartitionKey eq ${USE} and updatedAt ge ${since}` } });
    for await (const row of rows) {
      const tenantId = String(row.tenantId);
      totals.set(tenantId, (totals.get(tenantId) ?? 0) + Number(row.throttledWaiting ?? 0));
    }
    return totals;
  }

  /** Records that a partition exists (idempotent); processors serving every partition look here. */
  async registerPartition(partition: string): Promise<void> {
    await this.#table.upsertEntity({ partitionKey: PARTITIONS, rowKey: partition, firstSeenAt: new Date().toISOString() }, 'Merge');
  }

  async listPartitions(): Promise<string[]> {
    const found: string[] = [];
    const rows = this.#table.listEntities({ queryOptions: { filter: odata`PartitionKey eq ${PARTITIONS}`, select: ['RowKey'] } });
    for await (const row of rows) found.push(String(row.rowKey));
    return found.sort();
  }

  async #readRate(tenantId: string): Promise<{ state: RateState; etag: string } | undefined> {
    try {
      const row = await this.#table.getEntity<{ starts?: string; tatMs?: number }>(ratePartition(tenantId), RATE_ROW);
      const starts = JSON.parse(row.starts ?? '[]') as number[];
      return { state: { starts, tatMs: Number(row.tatMs ?? 0) }, etag: row.etag };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }
}

function overridesFrom(row: Record<string, unknown>): TenantOverrides {
  const concurrency = typeof row.concurrency === 'number' ? (row.concurrency < 0 ? null : row.concurrency) : undefined;
  const rate = typeof row.rate === 'string' ? (row.rate === 'none' ? null : row.rate) : undefined;
  return {
    ...pick('concurrency', concurrency),
    ...pick('rate', rate),
    ...(typeof row.updatedAt === 'string' ? { updatedAt: row.updatedAt } : {}),
    ...(typeof row.updatedBy === 'string' ? { updatedBy: row.updatedBy } : {}),
  };
}

function pick<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
