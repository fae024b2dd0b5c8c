import { afterEach, describe, expect, it, vi } from 'vitest';
import { cancelMessage, parseCancelMessage } from '../broker/control-exchange.js';
import { namesFor } from '../contracts/names.js';
import { JobCancelledError } from '../core/errors.js';
import { silentLogger } from '../core/logger.js';
import type { Stoppable } from './attempt-slots.js';
import { CancelWatcher } from './cancel-watcher.js';

function attempt(jobId: string): Stoppable & { reasons: Error[] } {
  const reasons: Error[] = [];
  return { job: { jobId }, reasons, stop: (reason) => reasons.push(reason) };
}

function watcher(running: Stoppable[], cancelled: Set<string> = new Set()): CancelWatcher {
  return new CancelWatcher({ names: namesFor('unit'), running: () => running, isCancelRequested: async (jobId) => cancelled.has(jobId), checkMs: 1000, logger: silentLogger() });
}

afterEach(() => {
  vi.useRealTimers();
});

describe('CancelWatcher', () => {
  it('stops only the attempt of the cancelled job, with a JobCancelledError naming who asked', () => {
    const a = attempt('a');
    const b = attempt('b');
    watcher([a, b]).cancel({ jobId: 'a', actor: 'alice' });
    expect(a.reasons).toHaveLength(1);
    expect(a.reasons[0]).toBeInstanceOf(JobCancelledError);
    expect(a.reasons[0]!.message).toContain('alice');
    expect(b.reasons).toEqual([]);
  });

  it('applies a broadcast to an attempt that takes its slot just after it', () => {
    const w = watcher([]);
    w.cancel({ jobId: 'late', actor: 'alice' });
    const late = attempt('late');
    const other = attempt('other');
    w.attemptHeld(late);
    w.attemptHeld(other);
    expect(late.reasons).toHaveLength(1);
    expect(other.reasons).toEqual([]);
  });

  it('stops a running attempt whose control row says cancelled at the next check (a missed broadcast)', async () => {
    vi.useFakeTimers();
    const a = attempt('missed');
    const cancelled = new Set<string>();
    const w = watcher([a], cancelled);
    w.start();
    await vi.advanceTimersByTimeAsync(1000);
    expect(a.reasons).toEqual([]);
    cancelled.add('missed');
    await vi.advanceTimersByTimeAsync(1000);
    expect(a.reasons).toHaveLength(1);
    w.close();
  });
});

describe('the <ns>.control message', () => {
  it('round-trips, and anything else is ignored', () => {
    expect(parseCancelMessage(cancelMessage({ jobId: 'j', actor: 'alice' }))).toEqual({ jobId: 'j', actor: 'alice' });
    expect(parseCancelMessage(Buffer.from('not json'))).toBeUndefined();
    expect(parseCancelMessage(Buffer.from('{"kind":"other","jobId":"j"}'))).toBeUndefined();
  });
});
