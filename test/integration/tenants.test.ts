/**
 * Tenant limits on the real broker and Azurite, with processors as child processes: concurrency exact
 * across the fleet, the rate window, a crashed slot holder, and a limit changed while jobs wait.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { AuditEvent } from '../../src/contracts/audit-event.js';
import { attemptIntervals, TestSystem, waitFor, type ProcessorProcess } from '../helpers/system.js';

const system = new TestSystem();
const FAST_LEASE = { BATON_LEASE_SECONDS: '15', BATON_RENEW_SECONDS: '5', BATON_CONCURRENCY: '4' };
let processors: ProcessorProcess[] = [];

beforeAll(async () => {
  await system.start();
  // Set before the processors start: a change takes up to one refresh (5 s) to reach them (tested below).
  await system.storage.tenants.setOverrides('acme', { concurrency: 2 }, 'test');
  await system.storage.tenants.setOverrides('bolt', { rate: '5/10s' }, 'test');
  await system.storage.tenants.setOverrides('crash', { concurrency: 1 }, 'test');
  await system.storage.tenants.setOverrides('grow', { concurrency: 1 }, 'test');
  processors = await Promise.all([1, 2, 3].map(() => system.startProcessor(FAST_LEASE)));
}, 60_000);
afterAll(() => system.stop());

/** Most attempts running at one moment, over every job's history. */
function maxOverlap(histories: AuditEvent[][]): number {
  const edges = histories.flatMap((history) => attemptIntervals(history)).flatMap((i) => [{ at: i.start, d: 1 }, { at: i.end, d: -1 }]);
  edges.sort((a, b) => a.at - b.at || a.d - b.d);
  let running = 0;
  let max = 0;
  for (const edge of edges) max = Math.max(max, (running += edge.d));
  return max;
}

const histories = (jobIds: string[]) => Promise.all(jobIds.map((id) => system.history(id)));

it('never runs more than a tenant\'s concurrency limit at once across three processors, and completes every job', async () => {
  const jobs = Array.from({ length: 30 }, () => system.job({ tenantId: 'acme', processingParameters: { steps: 2, stepMs: 500 } }));
  await system.publish(jobs);
  await system.waitForAll(jobs.map((j) => j.jobId), 'Completed', 120_000);
  const all = await histories(jobs.map((j) => j.jobId));
  expect(maxOverlap(all)).toBe(2);
  for (const history of all) {
    // Throttling counts no attempt: each job ran once, as attempt 1.
    expect(history.filter((e) => e.status === 'Started').map((e) => e.attempt)).toEqual([1]);
    // Coalesced: at most one Throttled per waiting stretch, and a job waits in one stretch here.
    expect(history.filter((e) => e.status === 'Throttled').length).toBeLessThanOrEqual(1);
  }
  expect(all.some((history) => history.some((e) => e.status === 'Throttled'))).toBe(true);
}, 150_000);

it('starts at most 5 (plus one of slack) of a tenant\'s jobs in any 10 s window at a rate of 5/10s', async () => {
  const jobs = Array.from({ length: 20 }, () => system.job({ tenantId: 'bolt', processingParameters: { steps: 1, stepMs: 10 } }));
  await system.publish(jobs);
  await system.waitForAll(jobs.map((j) => j.jobId), 'Completed', 120_000);
  const starts = (await histories(jobs.map((j) => j.jobId))).flatMap((h) => h.filter((e) => e.status === 'Started').map((e) => Date.parse(e.timestamp))).sort((a, b) => a - b);
  expect(starts).toHaveLength(20);
  const inWindow = (from: number) => starts.filter((t) => t >= from && t < from + 10_000).length;
  expect(Math.max(...starts.map(inWindow))).toBeLessThanOrEqual(6);
  // 20 jobs at 5 per 10 s: the last cannot start before three windows have passed.
  expect(starts[19]! - starts[0]!).toBeGreaterThan(29_000);
}, 150_000);

it('applies a limit changed while the tenant\'s jobs wait, within 10 s, without restarts', async () => {
  const jobs = Array.from({ length: 8 }, () => system.job({ tenantId: 'grow', processingParameters: { steps: 4, stepMs: 1000 } }));
  await system.publish(jobs);
  const ids = jobs.map((j) => j.jobId);
  await waitFor(async () => {
    const all = await histories(ids);
    return all.some((h) => h.some((e) => e.status === 'Throttled')) && all.some((h) => h.some((e) => e.status === 'Started'));
  }, 'a job of "grow" to run and another to be throttled', 30_000);
  expect(maxOverlap(await histories(ids))).toBe(1);
  await system.storage.tenants.setOverrides('grow', { concurrency: 3 }, 'test');
  const changedAt = Date.now();
  await system.waitForAll(ids, 'Completed', 120_000);
  const all = await histories(ids);
  expect(maxOverlap(all)).toBeLessThanOrEqual(3);
  // Within about 10 s of the change (plus the time a parked job takes to come back), two ran at once.
  const intervals = all.flatMap((h) => attemptIntervals(h));
  const overlappedAt = intervals.map((a) => intervals.filter((b) => b !== a && b.start <= a.start && b.end > a.start).length > 0 ? a.start : Infinity);
  expect(Math.min(...overlappedAt) - changedAt).toBeLessThan(20_000);
}, 150_000);

it('gives a SIGKILLed holder\'s tenant slot back within one lease period', async () => {
  const long = system.job({ tenantId: 'crash', processingParameters: { steps: 60, stepMs: 1000 } });
  await system.publish([long]);
  const started = await waitFor(async () => (await system.history(long.jobId)).find((e) => e.status === 'Started'), 'the long job to start', 30_000);
  const holder = processors.find((p) => p.processorId === started.processorId)!;
  const next = system.job({ tenantId: 'crash', processingParameters: { steps: 1, stepMs: 10 } });
  await system.publish([next]);
  await waitFor(async () => (await system.statuses(next.jobId)).includes('Throttled'), 'the second job to be throttled', 30_000);
  holder.signal('SIGKILL');
  const killedAt = Date.now();
  await system.waitForAll([next.jobId], 'Completed', 60_000);
  const nextStarted = (await system.history(next.jobId)).find((e) => e.status === 'Started')!;
  // The slot's lease (15 s) runs out; a parked job comes back within a few seconds of that.
  expect(Date.parse(nextStarted.timestamp) - killedAt).toBeLessThan(15_000 + 10_000);
  // The killed attempt never recorded an end; apart from it, the tenant's attempts never overlapped.
  const ended = [...(await system.history(long.jobId)), ...(await system.history(next.jobId))];
  const live = attemptIntervals(ended).filter((a) => a.processorId !== holder.processorId);
  expect(live.every((a) => live.every((b) => a === b || a.end <= b.start || b.end <= a.start))).toBe(true);
}, 120_000);
