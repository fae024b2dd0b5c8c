/** The processor end to end on the real RabbitMQ and Azurite: throughput, locks, duplicates, retries, bad input. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HEADER } from '../../src/processor/delivery.js';
import { freePort } from '../../src/dev/ports.js';
import { attemptIntervals, TestSystem, waitFor } from '../helpers/system.js';

const system = new TestSystem();
let metricsPort = 0;

beforeAll(async () => {
  await system.start();
  metricsPort = await freePort();
  // Three processors; short leases so the lock-key test's deferrals come back quickly.
  for (let i = 0; i < 3; i++) {
    await system.startProcessor({ BATON_CONCURRENCY: '4', BATON_LEASE_SECONDS: '15', ...(i === 0 ? { BATON_METRICS_PORT: String(metricsPort) } : {}) });
  }
});

afterAll(() => system.stop());

describe('processor', () => {
  it('runs many jobs across three processors: each exactly one Completed, with a complete ordered history', async () => {
    const jobs = Array.from({ length: 60 }, (_, i) => system.job({ jobName: `bulk ${i}`, processingParameters: { steps: 2, stepMs: 20 } }));
    await system.publish(jobs);
    await system.waitForAll(jobs.map((j) => j.jobId), 'Completed');
    const ran = new Set<string>();
    for (const job of jobs) {
      const history = await system.history(job.jobId);
      expect(history.map((e) => e.status)).toEqual(['Queued', 'Started', 'Step', 'Step', 'Completed']);
      const times = history.map((e) => Date.parse(e.timestamp));
      expect([...times].sort((a, b) => a - b)).toEqual(times);
      expect(history.slice(1).every((e) => e.attempt === 1)).toBe(true);
      ran.add(history[1]!.processorId);
    }
    expect(ran.size).toBeGreaterThan(1); // the work really spread
    expect(await system.messageCount(system.names.jobsQueue)).toBe(0);
  });

  it('never overlaps jobs that share a lock key, and the later ones show Deferred', async () => {
    const jobs = Array.from({ length: 4 }, (_, i) =>
      system.job({ jobName: `locked ${i}`, lockKey: 'report:monthly', processingParameters: { steps: 2, stepMs: 400 } }),
    );
    await system.publish(jobs);
    await system.waitForAll(jobs.map((j) => j.jobId), 'Completed', 90_000);
    const intervals = [];
    let deferred = 0;
    for (const job of jobs) {
      const history = await system.history(job.jobId);
      if (history.some((e) => e.status === 'Deferred')) deferred++;
      intervals.push(...attemptIntervals(history));
    }
    intervals.sort((a, b) => a.start - b.start);
    for (let i = 1; i < intervals.length; i++) expect(intervals[i]!.start).toBeGreaterThanOrEqual(intervals[i - 1]!.end);
    expect(deferred).toBeGreaterThan(0);
  });

  it('runs a jobId published twice once; the second delivery records Duplicate', async () => {
    const job = system.job({ jobName: 'twice', processingParameters: { steps: 1, stepMs: 10 } });
    await system.publish([job]);
    await system.waitForAll([job.jobId], 'Completed');
    await system.publish([job]);
    await system.waitForAll([job.jobId], 'Duplicate');
    const statuses = await system.statuses(job.jobId);
    expect(statuses.filter((s) => s === 'Started')).toHaveLength(1);
    expect(statuses.filter((s) => s === 'Completed')).toHaveLength(1);
  });

  it('retries a failing job with backoff until it completes', async () => {
    const job = system.job({ jobName: 'flaky', maxAttempts: 3, processingParameters: { steps: 1, stepMs: 10, failTimes: 2 } });
    await system.publish([job]);
    await system.waitForAll([job.jobId], 'Completed');
    expect(await system.statuses(job.jobId)).toEqual([
      'Queued', 'Started', 'Failed', 'Retrying', 'Started', 'Failed', 'Retrying', 'Started', 'Step', 'Completed',
    ]);
  });

  it('dead-letters a job that fails more often than maxAttempts', async () => {
    const job = system.job({ jobName: 'doomed', maxAttempts: 2, processingParameters: { steps: 1, stepMs: 10, failTimes: 5 } });
    await system.publish([job]);
    await system.waitForAll([job.jobId], 'DeadLettered');
    expect(await system.statuses(job.jobId)).toEqual(['Queued', 'Started', 'Failed', 'Retrying', 'Started', 'Failed', 'DeadLettered']);
    const dead: Awaited<ReturnType<typeof system.deadLetters>> = [];
    await waitFor(async () => {
      dead.push(...(await system.deadLetters()));
      return dead.length > 0;
    }, 'the dead letter');
    expect(dead).toHaveLength(1);
    expect(JSON.parse(dead[0]!.body.toString()).jobId).toBe(job.jobId);
    expect(String(dead[0]!.headers[HEADER.reason])).toMatch(/failed 2 of 2 attempts/);
  });

  it('dead-letters invalid messages with a reason and keeps serving', async () => {
    const bad: Array<[string, Buffer | string]> = [
      ['not JSON', 'hello {'],
      ['missing fields', JSON.stringify({ jobId: 'no-name-1' })],
      ['wrong types', JSON.stringify({ jobId: 'typed-1', jobName: 42, maxAttempts: 'three' })],
      ['2 MB body', JSON.stringify({ jobId: 'big-1', jobName: 'big', description: 'x'.repeat(2 * 1024 * 1024) })],
      ['bad parameters', JSON.stringify({ jobId: 'bad-params-1', jobName: 'negative', processingParameters: { steps: -3 } })],
    ];
    for (const [, body] of bad) system.publishRaw(body);
    // deadLetters() takes messages off the queue, so gather them across polls.
    const dead: Awaited<ReturnType<typeof system.deadLetters>> = [];
    await waitFor(async () => {
      dead.push(...(await system.deadLetters()));
      return dead.length >= bad.length;
    }, 'all invalid messages in the dead-letter queue');
    expect(dead).toHaveLength(bad.length);
    const reasons = dead.map((d) => String(d.headers[HEADER.reason]));
    expect(reasons.some((r) => /not JSON/.test(r))).toBe(true);
    expect(reasons.some((r) => /jobName/.test(r))).toBe(true);
    expect(reasons.some((r) => /limit/.test(r))).toBe(true);
    expect(reasons.some((r) => /steps/.test(r))).toBe(true);
    // A usable jobId gets a Rejected event.
    expect(await system.statuses('typed-1')).toEqual(['Rejected']);
    // And the processors still serve.
    const after = system.job({ jobName: 'after the bad ones', processingParameters: { steps: 1, stepMs: 10 } });
    await system.publish([after]);
    await system.waitForAll([after.jobId], 'Completed');
  });

  it('serves /health and Prometheus /metrics with storage requests counted by operation', async () => {
    const health = await fetch(`http://127.0.0.1:${metricsPort}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ ok: true, checks: { broker: { ok: true }, storage: { ok: true } } });
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(metrics).toMatch(/baton_storage_requests_total\{service="table",operation="transaction"\} [1-9]/);
    expect(metrics).toMatch(/baton_deliveries_total\{outcome="completed"\} [1-9]/);
    expect(metrics).toMatch(/baton_lease_renewals_total/);
  });
});
