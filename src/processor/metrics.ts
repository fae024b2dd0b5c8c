/** @module The processor's Prometheus metrics, and the small HTTP server for /metrics and /health. */
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { RequestCounter } from '../storage/request-counter.js';
import type { DeliveryOutcome } from './admission/verdict.js';

/** What became of a delivery, in the words seed 000's operators used (a bounded set). */
export type ProcessedOutcome = 'completed' | 'failed' | 'requeued' | 'lease_lost' | 'timed_out' | 'cancelled' | 'interrupted' | 'duplicate' | 'rejected';

export function processedOutcome(outcome: DeliveryOutcome): ProcessedOutcome {
  switch (outcome) {
    case 'completed':
      return 'completed';
    case 'retrying':
    case 'dead-lettered':
      return 'failed';
    case 'deferred':
    case 'held-back':
    case 'waiting':
    case 'throttled':
    case 'moved':
      return 'requeued';
    case 'lease-lost':
      return 'lease_lost';
    case 'interrupted':
      return 'interrupted';
    case 'duplicate':
      return 'duplicate';
    case 'rejected':
      return 'rejected';
    case 'cancelled':
      return 'cancelled';
  }
}

/** Where an unexpected error happened: a small fixed set, so the label stays bounded. */
export type ErrorKind = 'delivery' | 'broker' | 'heartbeat' | 'lease_renewal';

export class ProcessorMetrics {
  readonly registry = new Registry();
  readonly deliveries = new Counter({ name: 'baton_deliveries_total', help: 'Deliveries handled, by outcome', labelNames: ['outcome'], registers: [this.registry] });
  readonly attemptSeconds = new Histogram({
    name: 'baton_attempt_duration_seconds', help: 'Duration of deliveries (parse to settle), by outcome', labelNames: ['outcome'],
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 1800], registers: [this.registry],
  });
  readonly leasesHeld: Gauge;
  readonly renewals = new Counter({ name: 'baton_lease_renewals_total', help: 'Lease renewals, by outcome (Renewed, Unknown, Lost)', labelNames: ['outcome'], registers: [this.registry] });
  readonly storageRequests = new Counter({ name: 'baton_storage_requests_total', help: 'Azure Storage requests, by service and operation', labelNames: ['service', 'operation'], registers: [this.registry] });
  /** Tenant labels are bounded by TenantLabels (the first 50 tenants, then "other"). */
  readonly tenantAdmissions = new Counter({ name: 'baton_tenant_admissions_total', help: 'Tenant gate decisions, by tenant and decision (run, throttled)', labelNames: ['tenant', 'decision'], registers: [this.registry] });
  readonly inFlight = new Gauge({ name: 'baton_deliveries_in_flight', help: 'Deliveries being handled now', registers: [this.registry] });
  readonly claimed = new Counter({ name: 'baton_jobs_claimed_total', help: 'Attempts started (lease taken, Started recorded), by job type', labelNames: ['type'], registers: [this.registry] });
  readonly processed = new Counter({
    name: 'baton_jobs_processed_total', help: 'Deliveries processed, by outcome (completed, failed, requeued, lease_lost, timed_out, cancelled, interrupted, duplicate, rejected)',
    labelNames: ['outcome'], registers: [this.registry],
  });
  readonly jobsInFlight = new Gauge({ name: 'baton_jobs_in_flight', help: 'Attempts running now (between Started and their end)', registers: [this.registry] });
  readonly jobSeconds = new Histogram({
    name: 'baton_job_duration_seconds', help: 'Attempt run time from Started to its end, by job type and outcome', labelNames: ['type', 'outcome'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600], registers: [this.registry],
  });
  readonly errors = new Counter({ name: 'baton_errors_total', help: 'Unexpected errors, by where they happened (delivery, broker, heartbeat, lease_renewal)', labelNames: ['kind'], registers: [this.registry] });

  constructor(counter?: RequestCounter, sources: { leasesHeld?: () => number } = {}) {
    const leasesHeld = sources.leasesHeld;
    // Read when scraped: a gauge set on events goes stale between them (it read 0 while a lease was renewed).
    this.leasesHeld = new Gauge({
      name: 'baton_leases_held', help: 'Leases this processor holds now', registers: [this.registry],
      collect() {
        if (leasesHeld) this.set(leasesHeld());
      },
    });
    collectDefaultMetrics({ register: this.registry, prefix: 'baton_' });
    counter?.onRequest(({ service, operation }) => this.storageRequests.inc({ service, operation }));
    // timed_out and cancelled (an operator's cancel) stay 0 until those endings exist.
    for (const outcome of ['completed', 'failed', 'requeued', 'lease_lost', 'timed_out', 'cancelled', 'interrupted'] satisfies ProcessedOutcome[]) this.processed.inc({ outcome }, 0);
    for (const kind of ['delivery', 'broker', 'heartbeat', 'lease_renewal'] satisfies ErrorKind[]) this.errors.inc({ kind }, 0);
  }
}

export interface HealthReport {
  /** The dashboard's /health shape too: `down` answers 503. */
  readonly status: 'ok' | 'down';
  readonly ok: boolean;
  readonly checks: Record<string, { ok: boolean; detail?: string }>;
}

export function startMetricsServer(host: string, port: number, metrics: ProcessorMetrics, health: () => Promise<HealthReport>): ServerType {
  const app = new Hono();
  app.get('/metrics', async (c) => c.text(await metrics.registry.metrics(), 200, { 'content-type': metrics.registry.contentType }));
  app.get('/health', async (c) => {
    const report = await health();
    return c.json(report, report.ok ? 200 : 503);
  });
  app.notFound((c) => c.json({ error: 'not found' }, 404));
  return serve({ fetch: app.fetch, port, hostname: host });
}
