import { describe, expect, it } from 'vitest';
import { drop, handOff, run, waitFor, waitUntil } from './verdict.js';

describe('verdicts', () => {
  it('builds the four answers a gate can give', () => {
    expect(run(42)).toEqual({ kind: 'run', value: 42 });
    expect(waitFor(1234.4, 'deferred')).toEqual({ kind: 'stop', outcome: 'deferred', move: { kind: 'wait', delayMs: 1234 } });
    expect(waitFor(10, 'deferred', undefined, { 'x-count': 2 }).move).toEqual({ kind: 'wait', delayMs: 10, headers: { 'x-count': 2 } });
    expect(handOff('q', { h: 1 }, 'rejected')).toEqual({ kind: 'stop', outcome: 'rejected', move: { kind: 'hand-off', queue: 'q', headers: { h: 1 } } });
    const event = { jobId: 'j', status: 'Duplicate' as const, attempt: 0, processorId: 'p', message: 'm' };
    expect(drop('duplicate', event)).toEqual({ kind: 'stop', outcome: 'duplicate', move: { kind: 'ack' }, event });
  });

  it('waits until a due time, and not at all for one already past', () => {
    const now = Date.parse('2026-12-02T00:00:00Z');
    expect(waitUntil(new Date(now + 90_000), 'deferred', undefined, now).move).toEqual({ kind: 'wait', delayMs: 90_000 });
    expect(waitUntil(new Date(now - 5_000), 'deferred', undefined, now).move).toEqual({ kind: 'wait', delayMs: 0 });
  });
});
