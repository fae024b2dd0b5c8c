/**
 * @module Job handlers: the typed API a handler is written against, and the registry keyed by `type`.
 *
 * A handler is `(job, ctx) => Promise<void>`. Resolve to complete the job; throw to fail the attempt
 * (it is retried with backoff, or dead-lettered after maxAttempts; throw UnrecoverableJobError to
 * dead-letter at once). Stop promptly when `ctx.signal` aborts: the lease was lost or the processor is
 * shutting down, and nothing the handler does afterwards is recorded.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { z } from 'zod';
import type { JobRequest } from '../../contracts/job-request.js';
import { BatonError } from '../../core/errors.js';

export interface JobContext {
  /** Aborts when the attempt must stop (lease lost, shutdown); `signal.reason` says why. */
  readonly signal: AbortSignal;
  /** This attempt's number, from 1. */
  readonly attempt: number;
  /**
   * Throws LeaseLostError unless the attempt's lease is certainly still held, checked against the
   * lease's deadline on the monotonic clock at the moment of the call. Call it right before each side effect.
   */
  assertLease(): void;
  /**
   * A number that grows with every attempt of this job that may hold its lock (per job, not per lock
   * key): pass it to the systems the handler writes to, so they can refuse a write from an older attempt.
   */
  readonly fencingToken: number;
  /**
   * Runs `fn` in a span of its own, a child of the handler's span in the job's trace (OpenTelemetry, when
   * OTEL_EXPORTER_OTLP_ENDPOINT is set; otherwise it only runs `fn`).
   */
  span<T>(name: string, fn: () => Promise<T>, attributes?: Record<string, string | number | boolean>): Promise<T>;
  readonly processorId: string;
  /** Records progress as a `Step` event (written within a fraction of a second, batched). */
  step(step: number, totalSteps: number, message?: string): void;
  /** A log line scoped to the job and attempt (not an audit event). */
  log(message: string, meta?: Record<string, unknown>): void;
}

export type JobHandler = (job: JobRequest, ctx: JobContext) => Promise<void>;

export interface HandlerDefinition {
  readonly run: JobHandler;
  /** Validates `processingParameters` before the attempt starts; a job that fails it is dead-lettered unrun. */
  readonly params?: z.ZodType;
  /** Time limit of one attempt for this type's jobs that set no `timeoutSeconds` of their own. */
  readonly timeoutSeconds?: number;
}

export class HandlerRegistry {
  readonly #handlers = new Map<string, HandlerDefinition>();

  register(type: string, handler: JobHandler | HandlerDefinition): this {
    this.#handlers.set(type, typeof handler === 'function' ? { run: handler } : handler);
    return this;
  }

  get(type: string): HandlerDefinition | undefined {
    return this.#handlers.get(type);
  }

  types(): string[] {
    return [...this.#handlers.keys()].sort();
  }
}

/**
 * Loads BATON_HANDLERS: a module whose default export (or `handlers` export) maps types to handlers,
 * or which exports `register(registry)`.
 */
export async function loadHandlerModule(modulePath: string, registry: HandlerRegistry): Promise<string[]> {
  const url = pathToFileURL(path.resolve(modulePath)).href;
  let mod: Record<string, unknown>;
  try {
    mod = (await import(url)) as Record<string, unknown>;
  } catch (error) {
    throw new BatonError('HANDLER_INVALID', `BATON_HANDLERS: cannot load ${modulePath}: ${(error as Error).message}`);
  }
  const before = new Set(registry.types());
  if (typeof mod.register === 'function') {
    await (mod.register as (r: HandlerRegistry) => unknown)(registry);
  }
  const table = (mod.handlers ?? mod.default) as Record<string, unknown> | undefined;
  if (table && typeof table === 'object') {
    for (const [type, handler] of Object.entries(table)) {
      if (typeof handler === 'function' || (handler && typeof (handler as HandlerDefinition).run === 'function')) {
        registry.register(type, handler as JobHandler | HandlerDefinition);
      }
    }
  }
  const added = registry.types().filter((type) => !before.has(type) || table?.[type] !== undefined);
  if (added.length === 0) {
    throw new BatonError('HANDLER_INVALID', `BATON_HANDLERS: ${modulePath} registers no handlers (export default { type: handler } or register(registry))`);
  }
  return added;
}
