import { describe, expect, it } from 'vitest';
import { DUE_AT_HEADER, RUN_NOW_HEADER } from '../../broker/due-time.js';
import { dueAnswer as dueGate } from './due-gate.js';

const now = Date.parse('2026-12-02T10:00:00.000Z');

describe('dueAnswer', () => {
  it('runs a job with no due time, or one whose due time has come', () => {
    expect(dueGate({}, {}, now)).toEqual({ kind: 'run' });
    expect(dueGate({ runAt: '2026-12-02T10:00:00.000Z' }, {}, now)).toEqual({ kind: 'run' });
    expect(dueGate({ runAt: '2026-12-02T09:00:00.000Z' }, {}, now)).toEqual({ kind: 'run' });
  });

  it('sends back a job received before runAt, for exactly the rest of the wait', () => {
    expect(dueGate({ runAt: '2026-12-02T11:00:00.000+01:00' }, {}, now)).toEqual({ kind: 'run' });
    expect(dueGate({ runAt: '2026-12-02T10:00:01.500Z' }, {}, now)).toEqual({ kind: 'wait', dueAtMs: now + 1500, remainingMs: 1500 });
  });

  it('prefers the due time pinned at acceptance over delayMs counted from this delivery', () => {
    expect(dueGate({ delayMs: 60_000 }, { [DUE_AT_HEADER]: now - 1 }, now)).toEqual({ kind: 'run' });
    expect(dueGate({ delayMs: 60_000 }, { [DUE_AT_HEADER]: now + 10 }, now)).toMatchObject({ kind: 'wait', remainingMs: 10 });
    expect(dueGate({ delayMs: 60_000 }, {}, now)).toMatchObject({ kind: 'wait', dueAtMs: now + 60_000 });
  });

  it('runs the run-now copy at once', () => {
    expect(dueGate({ runAt: '2027-01-01T00:00:00.000Z' }, { [RUN_NOW_HEADER]: 'ops' }, now)).toEqual({ kind: 'run' });
  });
});
