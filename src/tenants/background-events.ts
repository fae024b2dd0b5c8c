/**
 * @module Audit events written behind, best effort: for `Throttled` events of jobs parked on the local
 * fast path (their tenant is known full), where waiting for one table write per job is exactly what
 * would make a tenant's backlog stand in front of other tenants' jobs. Each event is dated when it
 * happened; at most MAX_PENDING wait (beyond that they are dropped and counted: a job's waiting stays
 * visible in its tenant's `throttledWaiting`), a few are written at a time, and a failed write is not retried.
 */
import type { AuditEvent, NewAuditEvent } from '../contracts/audit-event.js';

export const MAX_PENDING = 10_000;
const WRITERS = 4;

export class BackgroundEvents {
  readonly #append: (event: Omit<NewAuditEvent, 'timestamp'>, atMs?: number) => Promise<AuditEvent>;
  readonly #pending: Array<{ event: Omit<NewAuditEvent, 'timestamp'>; atMs: number }> = [];
  #writers = 0;
  dropped = 0;
  failed = 0;

  constructor(append: (event: Omit<NewAuditEvent, 'timestamp'>, atMs?: number) => Promise<AuditEvent>) {
    this.#append = append;
  }

  get pending(): number {
    return this.#pending.length;
  }

  record(event: Omit<NewAuditEvent, 'timestamp'>, atMs = Date.now()): void {
    if (this.#pending.length >= MAX_PENDING) {
      this.dropped++;
      return;
    }
    this.#pending.push({ event, atMs });
    if (this.#writers < WRITERS) void this.#drain();
  }

  /** Waits until everything pending has been tried, or `timeoutMs` passed (shutdown); what is left is dropped. */
  async flush(timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while ((this.#pending.length > 0 || this.#writers > 0) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    this.dropped += this.#pending.splice(0).length;
  }

  async #drain(): Promise<void> {
    this.#writers++;
    try {
      for (let next = this.#pending.shift(); next; next = this.#pending.shift()) {
        await this.#append(next.event, next.atMs).catch(() => {
          this.failed++;
        });
      }
    } finally {
      this.#writers--;
    }
  }
}
