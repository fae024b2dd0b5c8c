/**
 * Tracing end to end: `baton publish` and a processor (real processes, the official OpenTelemetry SDK
 * configured only by OTEL_* variables) export to an OTLP/HTTP receiver inside the test. One job that fails
 * once and then completes gives one trace: the publish is its root, each attempt a span below it (the
 * retry continues from the first attempt), with the handler, the handler's own span, and the lease and
 * audit calls as children; the failed attempt's span carries the error.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { OtlpReceiver, type ReceivedSpan } from '../helpers/otlp-receiver.js';
import { TestSystem, waitFor } from '../helpers/system.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const CLI = path.resolve(here, '../../dist/cli.js');
const system = new TestSystem();
const receiver = new OtlpReceiver();
let otelEnv: Record<string, string>;

beforeAll(async () => {
  await system.start();
  const endpoint = await receiver.start();
  otelEnv = {
    OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_BSP_SCHEDULE_DELAY: '200',
    OTEL_METRICS_EXPORTER: 'none',
    OTEL_LOGS_EXPORTER: 'none',
  };
});

afterAll(async () => {
  await system.stop();
  await receiver.close();
});

function publish(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [CLI, 'publish', ...args], { env: { ...process.env, ...otelEnv, BATON_NAMESPACE: system.namespace, BATON_LOG_FORMAT: 'json' } }, (error, stdout, stderr) =>
      error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout),
    );
  });
}

it('gives one job that fails once and then completes one trace, rooted at its publish', async () => {
  await system.startProcessor({ ...otelEnv, BATON_HANDLERS: path.resolve(here, '../fixtures/handlers.mjs') });
  const jobId = `traced-${Date.now()}`;
  await publish(['--type', 'spanned', '--job-id', jobId, '--name', 'traced job']);
  await system.waitForAll([jobId], 'Completed');
  const attemptSpans = () => receiver.spans.filter((s) => s.attributes['baton.job.id'] === jobId && s.kind === 5);
  await waitFor(() => attemptSpans().length >= 2 && receiver.spans.filter((s) => s.name === 'render report').length >= 2, 'both attempts exported', 20_000, 200);
  await new Promise((resolve) => setTimeout(resolve, 1000)); // the last children of the second attempt
  const spans = receiver.spans;
  const byId = new Map(spans.map((span) => [span.spanId, span]));
  const ancestors = (span: ReceivedSpan): ReceivedSpan[] => {
    const chain: ReceivedSpan[] = [];
    for (let parent = span.parentSpanId && byId.get(span.parentSpanId); parent; parent = parent.parentSpanId && byId.get(parent.parentSpanId)) chain.push(parent);
    return chain;
  };
  const children = (span: ReceivedSpan) => spans.filter((s) => s.parentSpanId === span.spanId);

  // The publish is the root: a producer span of `baton publish`, with no parent.
  const root = spans.find((s) => s.name === `publish ${system.names.jobsQueue}` && s.attributes['messaging.message.id'] === jobId);
  expect(root).toMatchObject({ service: 'baton-publisher', kind: 4, parentSpanId: undefined });

  // Each attempt is a consumer span in that trace, with the messaging conventions and the job's fields.
  const [first, second] = attemptSpans().sort((a, b) => Number(a.attributes['baton.job.attempt']) - Number(b.attributes['baton.job.attempt']));
  for (const [attempt, span] of [[1, first!], [2, second!]] as const) {
    expect(span).toMatchObject({ service: 'baton-processor', traceId: root!.traceId, name: `process ${system.names.jobsQueue}` });
    expect(span.attributes).toMatchObject({
      'messaging.system': 'rabbitmq', 'messaging.destination.name': system.names.jobsQueue, 'messaging.operation.type': 'process',
      'baton.job.id': jobId, 'baton.job.type': 'spanned', 'baton.job.attempt': attempt,
    });
    expect(ancestors(span)).toContain(root);
    // Its children: the lease, the audit trail, and the handler, which holds the span the handler added through ctx.
    const names = children(span).map((c) => c.name);
    expect(names).toContain('BlobLeaseClient-acquireLease');
    expect(names.some((name) => /^Table(Client|Transaction)\./.test(name))).toBe(true);
    const handler = children(span).find((c) => c.name === 'handler spanned')!;
    expect(handler.attributes['baton.job.attempt']).toBe(attempt);
    expect(children(handler).map((c) => [c.name, c.attributes['report.pages']])).toEqual([['render report', 3]]);
  }
  // The retry continues the trace from the first attempt (through the delay queue).
  expect(ancestors(second!)).toContain(first);
  // The failed attempt carries the error; the second completed.
  expect(first!.status).toMatchObject({ code: 2, message: 'first attempt fails on purpose' });
  expect(first!.events.find((e) => e.name === 'exception')?.attributes['exception.message']).toBe('first attempt fails on purpose');
  expect(first!.attributes['baton.outcome']).toBe('retrying');
  expect(children(first!).find((c) => c.name === 'handler spanned')!.status.code).toBe(2);
  expect(second!.status.code ?? 0).not.toBe(2);
  expect(second!.attributes['baton.outcome']).toBe('completed');
  // Nothing of this job's went to another trace.
  expect(spans.filter((s) => s.attributes['baton.job.id'] === jobId || s.attributes['messaging.message.id'] === jobId).every((s) => s.traceId === root!.traceId)).toBe(true);
});
