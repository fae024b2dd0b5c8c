/**
 * @module Tracing, loaded only when asked for. With OTEL_EXPORTER_OTLP_ENDPOINT (or its traces variant)
 * unset, nothing of OpenTelemetry is imported and every function here is a plain call: `inSpan` runs its
 * callback, `withTraceHeaders` returns the headers it was given. Set, `startTracing` loads the official
 * SDK (./tracing-sdk.ts) configured by the standard OTEL_* variables only.
 *
 * MUST: start tracing before the modules it instruments (amqplib, http, the Azure SDK) are imported —
 * the CLI imports its commands dynamically for that reason — and `stopTracing` before exiting, or the
 * last spans are lost.
 */
import type * as OtelApi from '@opentelemetry/api';

type Api = typeof OtelApi;
export type SpanKind = 'producer' | 'consumer' | 'internal' | 'client';
export type Attributes = Record<string, string | number | boolean | undefined>;

/** What a callback may do with its span; a no-op when tracing is off. */
export interface SpanHandle {
  setAttributes(attributes: Attributes): void;
  /** Records the error and marks the span failed. */
  recordError(error: unknown): void;
  /** Marks the span failed, keeping an error already recorded on it. */
  markFailed(message: string): void;
}

const NO_SPAN: SpanHandle = { setAttributes: () => undefined, recordError: () => undefined, markFailed: () => undefined };

let api: Api | undefined;
let stop: (() => Promise<void>) | undefined;

/** Whether the environment asks for traces (the standard OTLP endpoint variables). */
export function tracingRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) && env.OTEL_SDK_DISABLED !== 'true';
}

export function tracingEnabled(): boolean {
  return api !== undefined;
}

/** Loads and starts the SDK when the environment asks for it; `serviceName` applies when OTEL_SERVICE_NAME is unset. */
export async function startTracing(serviceName: string, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  if (api || !tracingRequested(env)) return;
  const { startSdk } = await import('./tracing-sdk.js');
  stop = await startSdk(env.OTEL_SERVICE_NAME ? undefined : serviceName);
  api = await import('@opentelemetry/api');
}

/** Flushes and stops the SDK (idempotent). */
export async function stopTracing(): Promise<void> {
  const stopping = stop;
  stop = undefined;
  api = undefined;
  await stopping?.().catch(() => undefined);
}

/** Spans whose error is recorded (their status message is the error's, not a summary's). */
const failed = new WeakSet<OtelApi.Span>();

const KINDS = { producer: 3, consumer: 4, internal: 0, client: 2 } as const; // OtelApi.SpanKind values

function handle(span: OtelApi.Span, otel: Api): SpanHandle {
  return {
    setAttributes: (attributes) => span.setAttributes(defined(attributes)),
    recordError: (error) => {
      const err = error instanceof Error ? error : new Error(String(error));
      span.recordException(err);
      span.setStatus({ code: otel.SpanStatusCode.ERROR, message: err.message });
      failed.add(span);
    },
    markFailed: (message) => {
      if (!failed.has(span)) span.setStatus({ code: otel.SpanStatusCode.ERROR, message });
    },
  };
}

function defined(attributes: Attributes): OtelApi.Attributes {
  return Object.fromEntries(Object.entries(attributes).filter(([, v]) => v !== undefined)) as OtelApi.Attributes;
}

export interface SpanOptions {
  readonly kind?: SpanKind;
  readonly attributes?: Attributes;
  /** Message headers to continue the trace from (W3C traceparent), when no span is active already. */
  readonly parentHeaders?: Record<string, unknown>;
}

/**
 * Runs `fn` inside a new span (a child of the active one, or of `parentHeaders`), ending it when `fn`
 * settles; a thrown error is recorded on it and rethrown.
 */
export async function inSpan<T>(name: string, options: SpanOptions, fn: (span: SpanHandle) => Promise<T>): Promise<T> {
  const otel = api;
  if (!otel) return fn(NO_SPAN);
  let parent = otel.context.active();
  if (options.parentHeaders && !otel.trace.getSpan(parent)) parent = otel.propagation.extract(parent, headerCarrier(options.parentHeaders));
  const span = otel.trace.getTracer('baton').startSpan(name, { kind: KINDS[options.kind ?? 'internal'], attributes: defined(options.attributes ?? {}) }, parent);
  const spanHandle = handle(span, otel);
  try {
    return await otel.context.with(otel.trace.setSpan(parent, span), () => fn(spanHandle));
  } catch (error) {
    spanHandle.recordError(error);
    throw error;
  } finally {
    span.end();
  }
}

/** The span active here (the attempt's, inside handleDelivery), or a no-op. */
export function activeSpan(): SpanHandle {
  const otel = api;
  const span = otel?.trace.getSpan(otel.context.active());
  return otel && span ? handle(span, otel) : NO_SPAN;
}

/** `headers` with the active trace context added (W3C traceparent, tracestate); unchanged when tracing is off. */
export function withTraceHeaders<H extends Record<string, unknown>>(headers: H): H {
  const otel = api;
  if (!otel) return headers;
  const carrier: Record<string, string> = {};
  otel.propagation.inject(otel.context.active(), carrier);
  return { ...headers, ...carrier };
}

/** AMQP header values may arrive as Buffers; the propagator wants strings. */
function headerCarrier(headers: Record<string, unknown>): Record<string, string> {
  const carrier: Record<string, string> = {};
  for (const key of ['traceparent', 'tracestate']) {
    const value = headers[key];
    if (typeof value === 'string') carrier[key] = value;
    else if (Buffer.isBuffer(value)) carrier[key] = value.toString('utf8');
  }
  return carrier;
}
