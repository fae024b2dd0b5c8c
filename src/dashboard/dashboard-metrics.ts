/**
 * @module The dashboard's Prometheus metrics: HTTP requests and latencies by route, live-stream clients,
 * storage requests, and the snapshot figures it computes (jobs by status, queue depths) read at scrape time.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { RequestCounter } from '../storage/request-counter.js';
import type { Stats } from './schemas.js';

export class DashboardMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'baton_dashboard_http_requests_total', help: 'HTTP requests, by method, route and status',
    labelNames: ['method', 'route', 'status'], registers: [this.registry],
  });
  readonly latency = new Histogram({
    name: 'baton_dashboard_http_request_duration_seconds', help: 'HTTP request latency until the response headers, by method and route',
    labelNames: ['method', 'route'], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], registers: [this.registry],
  });
  readonly streamClients = new Gauge({ name: 'baton_dashboard_stream_clients', help: 'Pages connected to /api/stream', registers: [this.registry] });
  readonly streamEvents = new Counter({ name: 'baton_dashboard_stream_events_total', help: 'Events sent to live-stream clients', registers: [this.registry] });
  readonly storageRequests = new Counter({
    name: 'baton_storage_requests_total', help: 'Azure Storage requests made by the dashboard, by service and operation',
    labelNames: ['service', 'operation'], registers: [this.registry],
  });

  constructor(counter: RequestCounter, snapshot: () => Promise<Stats>) {
    // prom-client's names already start with process_ / nodejs_: baton_dashboard_process_cpu_user_seconds_total.
    collectDefaultMetrics({ register: this.registry, prefix: 'baton_dashboard_' });
    counter.onRequest(({ service, operation }) => this.storageRequests.inc({ service, operation }));
    this.#snapshotGauges(snapshot);
  }

  /** Gauges filled from the (cached) snapshot when Prometheus scrapes; a failed snapshot leaves them unset. */
  #snapshotGauges(snapshot: () => Promise<Stats>): void {
    const read = async () => snapshot().catch(() => undefined);
    new Gauge({
      name: 'baton_jobs_recent', help: 'Jobs seen in the snapshot window (15 minutes), by latest status', labelNames: ['status'],
      registers: [this.registry],
      async collect() {
        const stats = await read();
        this.reset();
        for (const [status, count] of Object.entries(stats?.jobsByStatus ?? {})) this.set({ status }, count);
      },
    });
    new Gauge({
      name: 'baton_queue_messages', help: 'Messages ready in the jobs and dead-letter queues', labelNames: ['queue'],
      registers: [this.registry],
      async collect() {
        const queues = (await read())?.queues;
        this.reset();
        if (queues?.jobs != null) this.set({ queue: 'jobs' }, queues.jobs);
        if (queues?.dead != null) this.set({ queue: 'dead' }, queues.dead);
      },
    });
    new Gauge({
      name: 'baton_processors_active', help: 'Processors with an audit event in the last 5 minutes', registers: [this.registry],
      async collect() {
        const stats = await read();
        if (stats) this.set(stats.activeProcessors);
      },
    });
  }
}
