/**
 * @module Measure: what tracing costs a processor. The same no-op jobs run through one processor (concurrency
 * 8) with tracing off (no OTEL_* variable: nothing of OpenTelemetry is loaded) and on, exporting over
 * OTLP/HTTP (protobuf, the SDK's default) to a receiver in this process that counts and discards what it
 * gets. The figure is the processor's CPU time per job, from /proc, between release and the last completion.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { silentLogger } from '../../src/core/logger.js';
import { Publisher } from '../../src/publisher/publisher.js';
import { AMQP_URL, note, Space, storageAnswers, waitForProgress } from '../lib/infra.js';
import { cpuSeconds, metricSum, spawnProcessor, type ProcessorChild } from '../lib/processes.js';
import { noopJob, publishAll } from './throughput.js';

export type TracingMode = 'off' | 'on';

export interface TracingCostRun {
  readonly mode: TracingMode;
  readonly jobs: number;
  readonly cpuMsPerJob: number;
  readonly jobsPerSecond: number;
  /** Export requests and bytes the receiver got (0 with tracing off). */
  readonly exports: number;
  readonly exportedBytes: number;
}

/** A sink for OTLP/HTTP exports: answers 200 to everything, counting requests and bytes. */
class CountingReceiver {
  exports = 0;
  bytes = 0;
  readonly #server: Server = createServer((request, response) => {
    request.on('data', (chunk: Buffer) => (this.bytes += chunk.length));
    request.on('end', () => {
      this.exports++;
      response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}

export async function runTracingCost(connectionString: string, mode: TracingMode, jobCount: number, timeoutMs: number): Promise<TracingCostRun> {
  const space = new Space(connectionString, 'trc');
  const receiver = new CountingReceiver();
  const publisher = new Publisher({ amqpUrl: AMQP_URL, storageConnectionString: connectionString, namespace: space.namespace, publisherId: 'bench-publisher', logger: silentLogger() });
  let processor: ProcessorChild | undefined;
  try {
    const endpoint = await receiver.start();
    // Off: an empty endpoint, so nothing inherited from the bench's own environment turns tracing on.
    const otel: Record<string, string> = mode === 'on' ? { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_METRICS_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none' } : { OTEL_EXPORTER_OTLP_ENDPOINT: '' };
    await publisher.start();
    processor = await spawnProcessor({ env: space.env({ BATON_CONCURRENCY: '8', ...otel }), label: `tracing-${mode}` });
    const p = processor;
    p.signal('SIGSTOP');
    await publishAll(publisher, Array.from({ length: jobCount }, () => noopJob()));
    const cpuBefore = cpuSeconds(p.pid);
    const released = performance.now();
    p.signal('SIGCONT');
    await waitForProgress(async () => metricSum(await p.metrics(), 'baton_deliveries_total', { outcome: 'completed' }), jobCount, `tracing ${mode}`, { timeoutMs, stallMs: 30_000, diagnose: () => storageAnswers(connectionString) });
    const seconds = (performance.now() - released) / 1000;
    const cpuMsPerJob = ((cpuSeconds(p.pid) - cpuBefore) * 1000) / jobCount;
    await p.stop(30_000); // flushes the last spans
    note(`  tracing ${mode}: ${jobCount} jobs, ${cpuMsPerJob.toFixed(2)} CPU ms/job, ${receiver.exports} exports`);
    return { mode, jobs: jobCount, cpuMsPerJob, jobsPerSecond: jobCount / seconds, exports: receiver.exports, exportedBytes: receiver.bytes };
  } finally {
    await processor?.kill();
    await publisher.close().catch(() => undefined);
    await receiver.close();
    await space.cleanup();
  }
}
