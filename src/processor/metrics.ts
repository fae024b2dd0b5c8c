/** @module The processor's Prometheus metrics, and the small HTTP server for /metrics and /health. */
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { RequestCounter } from '../storage/request-counter.js';

export class ProcessorMetrics {
  readonly registry = new Registry();
  readonly deliveries = new Counter({ name: 'baton_deliveries_total', help: 'Deliveries handled, by outcome', labelNames: ['outcome'], registers: [this.registry] });
  readonly attemptSeconds = new Histogram({
    name: 'baton_attempt_duration_seconds', help: 'Duration of attempts, by outcome', labelNames: ['outcome'],
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 1800], registers: [this.registry],
  });
  readonly leasesHeld: Gauge;
  readonly renewals = new Counter({ name: 'baton_lease_renewals_total', help: 'Lease renewals, by outcome (Renewed, Unknown, Lost)', labelNames: ['outcome'], registers: [this.registry] });
  readonly storageRequests = new Counter({ name: 'baton_storage_requests_total', help: 'Azure Storage requests, by service and operation', labelNames: ['service', 'operation'], registers: [this.registry] });
  readonly inFlight = new Gauge({ name: 'baton_deliveries_in_flight', help: 'Deliveries being handled now', registers: [this.registry] });

  constructor(counter?: RequestCounter, sources: { leasesHeld?: () => number } = {}) {
    const leasesHeld = sources.leasesHeld;
    // Read when scraped: a gauge set on events goes stale between them (it read 0 while a lease was renewed).
    this.leasesHeld = new Gauge({
      name: 'baton_leases_held', help: 'Leases this processor holds now', registers: [this.registry],
      collect() {
        if (leasesHeld) this.set(leasesHeld());
      },
    });
    collectDefaultMetrics({ register: this.registry, prefix: 'baton_process_' });
    counter?.onRequest(({ service, operation }) => this.storageRequests.inc({ service, operation }));
  }
}

export interface HealthReport {
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
