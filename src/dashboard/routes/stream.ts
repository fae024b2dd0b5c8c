/**
 * @module GET /api/stream[?tenantId=]: Server-Sent Events from the shared live feed (of one tenant's jobs, when asked). Each connection queues what the
 * feed hands it and writes in order; a client too slow to keep up is told to reload instead of growing
 * the queue without bound.
 */
import type { Hono } from 'hono';
import { streamSSE, type SSEStreamingApi } from 'hono/streaming';
import type { AuditEvent } from '../../contracts/audit-event.js';
import type { DashboardDeps } from '../deps.js';
import { validated } from '../http-error.js';
import { streamQuerySchema } from '../schemas.js';

const MAX_QUEUED = 1000;
/** Tells EventSource how long to wait before reconnecting. */
const RETRY_MS = 2000;

export function mountStreamRoute(app: Hono, deps: DashboardDeps): void {
  app.get('/api/stream', (c) => {
    // Validated before the stream starts: a bad tenant is a 400, not an empty stream.
    const { tenantId } = validated(streamQuerySchema, c.req.query(), 'query');
    return streamSSE(c, async (stream) => {
      deps.metrics.streamClients.inc();
      const connection = new StreamConnection(stream, deps, tenantId);
      try {
        await connection.run();
      } finally {
        connection.close();
        deps.metrics.streamClients.dec();
      }
    });
  });
}

class StreamConnection {
  readonly #stream: SSEStreamingApi;
  readonly #deps: DashboardDeps;
  readonly #unsubscribe: () => void;
  #queued: AuditEvent[] = [];
  #overflowed = false;
  #wake: (() => void) | undefined;

  constructor(stream: SSEStreamingApi, deps: DashboardDeps, tenantId: string | undefined) {
    this.#stream = stream;
    this.#deps = deps;
    this.#unsubscribe = deps.feed.subscribe((events) => {
      const mine = tenantId === undefined ? events : events.filter((event) => event.tenantId === tenantId);
      if (mine.length > 0) this.#push(mine);
    });
    stream.onAbort(() => this.#wake?.());
    deps.shutdown.addEventListener('abort', this.#onShutdown);
  }

  async run(): Promise<void> {
    await this.#stream.writeSSE({ event: 'ready', data: JSON.stringify({ namespace: this.#deps.names.namespace }), retry: RETRY_MS });
    while (!this.#done()) {
      if (this.#queued.length === 0 && !this.#overflowed) {
        const woken = await this.#sleep(this.#deps.heartbeatMs ?? 15_000);
        if (!woken && !this.#done()) await this.#stream.write(': keep-alive\n\n');
        continue;
      }
      await this.#drain();
    }
  }

  close(): void {
    this.#unsubscribe();
    this.#deps.shutdown.removeEventListener('abort', this.#onShutdown);
  }

  readonly #onShutdown = () => this.#wake?.();

  #done(): boolean {
    return this.#stream.aborted || this.#stream.closed || this.#deps.shutdown.aborted;
  }

  #push(events: readonly AuditEvent[]): void {
    if (this.#queued.length + events.length > MAX_QUEUED) {
      this.#queued = [];
      this.#overflowed = true;
    } else {
      this.#queued.push(...events);
    }
    this.#wake?.();
  }

  async #drain(): Promise<void> {
    if (this.#overflowed) {
      this.#overflowed = false;
      await this.#stream.writeSSE({ event: 'reload', data: '{}' });
    }
    const batch = this.#queued;
    this.#queued = [];
    for (const event of batch) {
      await this.#stream.writeSSE({ event: 'audit', id: event.eventId, data: JSON.stringify(event) });
    }
    this.#deps.metrics.streamEvents.inc(batch.length);
  }

  /** Resolves true when woken by news (events, abort, shutdown), false when the time ran out. */
  #sleep(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#wake = undefined;
        resolve(false);
      }, ms);
      this.#wake = () => {
        clearTimeout(timer);
        this.#wake = undefined;
        resolve(true);
      };
    });
  }
}
