import { describe, expect, it } from 'vitest';
import { activeSpan, inSpan, startTracing, tracingEnabled, tracingRequested, withTraceHeaders } from './tracing.js';

describe('tracing, when not asked for', () => {
  it('is asked for only by an OTLP endpoint variable, and not when the SDK is disabled', () => {
    expect(tracingRequested({})).toBe(false);
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' })).toBe(true);
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:4318/v1/traces' })).toBe(true);
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_SDK_DISABLED: 'true' })).toBe(false);
  });

  it('loads nothing and passes calls straight through', async () => {
    await startTracing('baton-test', {});
    expect(tracingEnabled()).toBe(false);
    const headers = { 'x-baton-hops': 1 };
    expect(withTraceHeaders(headers)).toBe(headers);
    await expect(inSpan('work', {}, async (span) => {
      span.setAttributes({ a: 1 });
      activeSpan().recordError(new Error('ignored'));
      return 42;
    })).resolves.toBe(42);
    await expect(inSpan('work', {}, () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
  });
});
