import { describe, expect, it } from 'vitest';
import type { AuditEvent, AuditStatus } from '../contracts/audit-event.js';
import { computeStats, nextJobState } from './stats.js';

const NOW = Date.parse('2026-11-22T10:00:00.000Z');
let counter = 0;

function ev(jobId: string, status: AuditStatus, secondsAgo: number, processorId = 'p1', attempt = 1): AuditEvent {
  counter++;
  const timestamp = new Date(NOW - secondsAgo * 1000).toISOString();
  return { jobId, eventId: `${timestamp}-${String(counter).padStart(6, '0')}`, status, message: status, timestamp, processorId, attempt };
}

describe('nextJobState', () => {
  it('keeps finished jobs finished and running jobs running through later deliveries', () => {
    expect(nextJobState('Completed', 'Duplicate')).toBe('Completed');
    expect(nextJobState('Completed', 'Queued')).toBe('Completed');
    expect(nextJobState('DeadLettered', 'Started')).toBe('DeadLettered');
    expect(nextJobState('Started', 'Deferred')).toBe('Started');
    expect(nextJobState('Queued', 'Deferred')).toBe('Deferred');
    expect(nextJobState('Started', 'Step')).toBe('Started');
    expect(nextJobState(undefined, 'Duplicate')).toBe('Completed');
    expect(nextJobState('Retrying', 'Started')).toBe('Started');
  });
});

describe('computeStats', () => {
  const events = [
    // a: completed; b: running on p2; c: retrying after a failure; d: dead-lettered; e: queued; old: outside the window
    ev('a', 'Queued', 300, 'pub', 0), ev('a', 'Started', 290), ev('a', 'Step', 280), ev('a', 'Completed', 270),
    ev('b', 'Queued', 100, 'pub', 0), ev('b', 'Started', 90, 'p2'), ev('b', 'Step', 80, 'p2'), ev('b', 'Deferred', 70, 'p1', 0),
    ev('c', 'Started', 60), ev('c', 'Failed', 50), ev('c', 'Retrying', 50),
    ev('d', 'Started', 40), ev('d', 'Failed', 30), ev('d', 'DeadLettered', 30),
    ev('e', 'Queued', 5, 'pub', 0),
    ev('old', 'Completed', 3600, 'p9'),
  ].reverse(); // as the index answers: newest first

  const stats = computeStats(events, { nowMs: NOW, windowMs: 15 * 60_000 });

  it('counts events by status within the window only', () => {
    expect(stats.eventsByStatus).toEqual({ Queued: 3, Started: 4, Step: 2, Completed: 1, Deferred: 1, Failed: 2, Retrying: 1, DeadLettered: 1 });
    expect(stats.eventsScanned).toBe(15);
  });

  it("counts jobs by their latest state, Step as running and a redelivery's Deferred as nothing", () => {
    expect(stats.jobsByStatus).toEqual({ Completed: 1, Started: 1, Retrying: 1, DeadLettered: 1, Queued: 1 });
    expect(stats).toMatchObject({ jobsSeen: 5, inFlight: 1, waiting: 2, completed: 1, failed: 2, deadLettered: 1, windowMinutes: 15 });
  });

  it('lists processors newest first, not the publisher, with what each runs now', () => {
    expect(stats.processors.map((p) => [p.processorId, p.running])).toEqual([['p1', 0], ['p2', 1]]);
    expect(stats.activeProcessors).toBe(2);
  });

  it('buckets completions and failures per minute, oldest minute first', () => {
    expect(stats.perMinute.completed).toHaveLength(15);
    expect(stats.perMinute.completed[10]).toBe(1); // 270 s ago: the 11th of 15 minutes
    expect(stats.perMinute.failed.reduce((a, b) => a + b, 0)).toBe(2);
    expect(stats.perMinute.failed[14]).toBe(2);
  });

  it('counts a processor active only within 5 minutes, or the window if shorter', () => {
    const short = computeStats(events, { nowMs: NOW, windowMs: 60_000, activeMs: 5 * 60_000 });
    expect(short.processors.map((p) => p.processorId).sort()).toEqual(['p1']);
    expect(short.jobsSeen).toBe(3); // c, d, e
  });
});
