import { describe, expect, it } from 'vitest';
import type { JobSummary } from '../contracts/api.js';
import type { AuditEvent, AuditStatus } from '../contracts/audit-event.js';
import { buildJobView } from './job-view.js';

const T0 = Date.parse('2026-11-22T10:00:00.000Z');
let n = 0;

function ev(status: AuditStatus, atMs: number, extra: Partial<AuditEvent> = {}): AuditEvent {
  n++;
  return {
    jobId: 'j1', eventId: `e${String(n).padStart(4, '0')}`, status, message: `${status} message`,
    timestamp: new Date(T0 + atMs).toISOString(), processorId: 'p1', attempt: 0, ...extra,
  };
}

const history = [
  ev('Queued', 0, { processorId: 'pub', jobName: 'Report' }),
  ev('Started', 100, { attempt: 1 }),
  ev('Failed', 400, { attempt: 1, message: 'boom' }),
  ev('Retrying', 400, { attempt: 1 }),
  ev('Deferred', 900, { processorId: 'p2' }),
  ev('Started', 2000, { attempt: 2, processorId: 'p2' }),
  ev('Step', 2500, { attempt: 2, processorId: 'p2', step: 1, totalSteps: 2 }),
  ev('Step', 3100, { attempt: 2, processorId: 'p2', step: 2, totalSteps: 2 }),
  ev('Completed', 3150, { attempt: 2, processorId: 'p2' }),
  ev('Duplicate', 5000, { processorId: 'p3' }),
];

describe('buildJobView', () => {
  it('groups steps into attempts with durations and puts other events between them', () => {
    const { timeline } = buildJobView('j1', history);
    expect(timeline.map((item) => (item.kind === 'attempt' ? `attempt ${item.attempt.attempt}` : item.event.status))).toEqual([
      'Queued', 'attempt 1', 'Retrying', 'Deferred', 'attempt 2', 'Duplicate',
    ]);
    const attempts = timeline.flatMap((item) => (item.kind === 'attempt' ? [item.attempt] : []));
    expect(attempts[0]).toMatchObject({ processorId: 'p1', outcome: 'Failed', durationMs: 300, error: 'boom', steps: [] });
    expect(attempts[1]).toMatchObject({ processorId: 'p2', outcome: 'Completed', durationMs: 1150 });
    expect(attempts[1]?.steps.map((step) => [step.step, step.durationMs])).toEqual([[1, 500], [2, 600]]);
    expect(attempts[1]?.error).toBeUndefined();
  });

  it('leaves a running attempt open', () => {
    const { timeline, summary } = buildJobView('j1', history.slice(0, 7));
    const last = timeline.at(-1);
    expect(last?.kind === 'attempt' && last.attempt.outcome).toBeUndefined();
    expect(summary.status).toBe('Started');
  });

  it('derives the summary from the history when no attempt wrote a state row', () => {
    const { summary } = buildJobView('j1', history);
    expect(summary).toMatchObject({
      jobId: 'j1', jobName: 'Report', status: 'Completed', attempts: 2, failures: 1, processorId: 'p2', lastError: 'boom',
      deferrals: 1, retries: 1, events: 10, totalMs: 3150, queuedAt: new Date(T0).toISOString(),
    });
  });

  it('prefers the state row for status and counts, ignoring its unset fields', () => {
    const state: JobSummary = { jobId: 'j1', status: 'Completed', attempts: 2, failures: 1, processorId: 'p2', lastError: undefined, updatedAt: new Date(T0 + 3150).toISOString(), completedAt: new Date(T0 + 3150).toISOString() };
    const { summary } = buildJobView('j1', history, state);
    expect(summary.status).toBe('Completed');
    expect(summary.lastError).toBe('boom');
    expect(summary.totalMs).toBe(3150);
  });

  it("carries a failed attempt's detail (the stack) into the timeline and the summary", () => {
    const stack = 'Error: boom\n    at run (handlers.mjs:12:11)';
    const withDetail = history.map((event) => (event.status === 'Failed' ? { ...event, detail: stack } : event));
    const { timeline, summary } = buildJobView('j1', withDetail);
    const first = timeline.find((item) => item.kind === 'attempt');
    expect(first?.kind === 'attempt' && first.attempt).toMatchObject({ outcome: 'Failed', error: 'boom', detail: stack });
    expect(summary.lastErrorDetail).toBe(stack);
    const second = timeline.filter((item) => item.kind === 'attempt')[1];
    expect(second?.kind === 'attempt' && second.attempt.detail).toBeUndefined();
  });

  it("shows the job's description and parameters from its Queued event", () => {
    const queued = { ...history[0]!, description: 'Sales for October', parameters: '{"processingParameters":{"steps":2}}' };
    const { summary } = buildJobView('j1', [queued, ...history.slice(1)]);
    expect(summary).toMatchObject({ description: 'Sales for October', parameters: { processingParameters: { steps: 2 } } });
    const cut = buildJobView('j1', [{ ...queued, parameters: '{"processingParameters":{"text":"abc…' }]).summary;
    expect(cut.parameters).toBe('{"processingParameters":{"text":"abc…');
    expect(buildJobView('j1', history).summary.description).toBeUndefined();
  });
});
