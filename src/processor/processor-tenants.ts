/**
 * @module The processor's tenant side: the limits cache, the throttle pacer and the tenant gate, plus a
 * reporter that writes, every few seconds, how many throttled jobs this processor has parked per tenant
 * (what `/api/tenants` sums as "throttled waiting").
 */
import type { Config } from '../core/config.js';
import { errorMessage } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { BatonStorage } from '../storage/baton-storage.js';
import { LimitsCache } from '../tenants/limits-cache.js';
import { ThrottlePacer } from '../tenants/throttle-pacer.js';
import { TenantGate } from './admission/tenant-gate.js';
import type { LeaseManager } from './lease-manager.js';
import type { ProcessorMetrics } from './metrics.js';
import { TenantLabels } from '../tenants/tenant-labels.js';

const REPORT_MS = 5000;

export class ProcessorTenants {
  readonly gate: TenantGate;
  readonly pacer: ThrottlePacer;
  readonly #storage: BatonStorage;
  readonly #processorId: string;
  readonly #logger: Logger;
  readonly #reported = new Set<string>();
  #timer: NodeJS.Timeout | undefined;

  constructor(
    config: Pick<Config, 'tenantConcurrency' | 'tenantRate' | 'leaseSeconds' | 'processorId'>,
    deps: { storage: BatonStorage; leases: LeaseManager; metrics: ProcessorMetrics; logger: Logger },
  ) {
    const { storage, leases, metrics, logger } = deps;
    this.#storage = storage;
    this.#processorId = config.processorId;
    this.#logger = logger;
    // A tenant found full is answered from memory for at most a quarter lease: a crashed holder's slot is back within a lease.
    this.pacer = new ThrottlePacer((config.leaseSeconds * 1000) / 4);
    const labels = new TenantLabels();
    const limits = new LimitsCache(storage.tenants, { concurrency: config.tenantConcurrency, rate: config.tenantRate }, logger);
    this.gate = new TenantGate({ limits, rates: storage.tenants, leaseStore: storage.leases, leases, leaseSeconds: config.leaseSeconds, pacer: this.pacer,
      onDecision: (tenantId, decision) => metrics.tenantAdmissions.inc({ tenant: labels.label(tenantId), decision }),
    });
  }

  start(): void {
    this.#timer = setInterval(() => void this.#report(), REPORT_MS);
    this.#timer.unref();
  }

  async close(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#report(true);
  }

  /** Writes the tenants whose count is non-zero, and a zero once for a tenant that had one. */
  async #report(final = false): Promise<void> {
    const waiting = this.pacer.waiting(Date.now());
    for (const tenantId of this.#reported) if (!waiting.has(tenantId)) waiting.set(tenantId, 0);
    const reports = [...waiting].filter(([tenantId, count]) => count > 0 || this.#reported.has(tenantId))
      .map(([tenantId, count]) => ({ tenantId, processorId: this.#processorId, throttledWaiting: final ? 0 : count, updatedAt: new Date().toISOString() }));
    if (reports.length === 0) return;
    try {
      await this.#storage.tenants.reportUse(reports);
      for (const report of reports) {
        if (report.throttledWaiting > 0) this.#reported.add(report.tenantId);
        else this.#reported.delete(report.tenantId);
      }
    } catch (error) {
      this.#logger.debug('could not report throttled jobs', { error: errorMessage(error) });
    }
  }
}
