/**
 * @module Measure 9: schedule precision and the delay infrastructure's queue count. One idle processor;
 * jobs published with `delayMs` of 1 s, 10 s and 60 s, interleaved and spaced out so they fall due one
 * at a time; lateness = the Started event's timestamp − the due time the publisher recorded (Scheduled's
 * `dueAt`). Then 1,000 jobs with random delays from 1 s to 30 days, and the namespace's queues counted
 * as the broker lists them.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { odata, TableClient } from '@azure/data-tables';
import { silentLogger } from '../../src/core/logger.js';
import { Publisher } from '../../src/publisher/publisher.js';
import { AMQP_URL, sleep, Space, waitUntil } from '../lib/infra.js';
import { spawnProcessor, type ProcessorChild } from '../lib/processes.js';
import { noopJob } from './throughput.js';

export const SCHEDULE_DELAYS_MS = [1_000, 10_000, 60_000] as const;

export interface ScheduleRun {
  /** Lateness samples in ms, by delay. */
  readonly lateness: Record<number, number[]>;
  /** Started before its due time (must be 0). */
  readonly early: number;
  /** The namespace's queues after 1,000 random delays from 1 s to 30 days. */
  readonly queues: number;
}

export async function runSchedule(connectionString: string, samplesPerDelay: number): Promise<ScheduleRun> {
  const space = new Space(connectionString, 'sched');
  const publisher = new Publisher({ amqpUrl: AMQP_URL, storageConnectionString: connectionString, namespace: space.namespace, publisherId: 'bench-publisher', logger: silentLogger() });
  let processor: ProcessorChild | undefined;
  try {
    await publisher.start();
    processor = await spawnProcessor({ env: space.env({ BATON_CONCURRENCY: '4' }), label: 'p1' });
    const due = new Map<string, { delayMs: number; dueAtMs: number }>();
    for (let i = 0; i < samplesPerDelay; i++) {
      for (const delayMs of SCHEDULE_DELAYS_MS) {
        const published = await publisher.publish(noopJob({ delayMs, processingParameters: { steps: 0, stepMs: 0 } }));
        due.set(published.jobId, { delayMs, dueAtMs: Date.parse(published.dueAt ?? published.queuedAt) });
        await sleep(150); // jobs fall due one at a time: an idle system, not a burst
      }
    }
    const audit = TableClient.fromConnectionString(connectionString, space.names.auditTable, { allowInsecureConnection: true });
    const started = new Map<string, number>();
    await waitUntil(async () => {
      for await (const row of audit.listEntities<{ jobId: string; at: string }>({ queryOptions: { filter: odata`status eq ${'Started'}`, select: ['jobId', 'at'] } })) {
        // The job's state row also says `Started` while its attempt runs, and has no `at`: events only.
        const at = Date.parse(row.at);
        if (Number.isFinite(at)) started.set(row.jobId, Math.min(at, started.get(row.jobId) ?? at));
      }
      return started.size >= due.size;
    }, 'every scheduled job to start', 180_000, 1000);
    const lateness: Record<number, number[]> = Object.fromEntries(SCHEDULE_DELAYS_MS.map((d) => [d, []]));
    let early = 0;
    for (const [jobId, { delayMs, dueAtMs }] of due) {
      const late = started.get(jobId)! - dueAtMs;
      if (late < 0) early++;
      lateness[delayMs]!.push(late);
    }
    await processor.stop();
    processor = undefined;
    for (let i = 0; i < 1000; i += 100) {
      await Promise.all(Array.from({ length: 100 }, () => publisher.publish(noopJob({ delayMs: 1_000 + Math.floor(Math.random() * 30 * 86_400_000) }))));
    }
    const { stdout } = await promisify(execFile)('rabbitmqctl', ['list_queues', 'name', '--no-table-headers', '--quiet']);
    const queues = stdout.split('\n').filter((line) => line.trim().startsWith(`${space.namespace}.`)).length;
    return { lateness, early, queues };
  } finally {
    await processor?.stop();
    await publisher.close().catch(() => undefined);
    await space.cleanup();
  }
}
