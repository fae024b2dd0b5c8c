import { afterEach, describe, expect, it, vi } from 'vitest';
import type { JobSummary } from '../contracts/api.js';
import { changeLine, JobStatusBoard, tallyLine, type TrackedJob } from './console-status.js';

function tracked(status: TrackedJob['status'], extra: Partial<TrackedJob> = {}): TrackedJob {
  return { jobId: `job-${Math.random()}`, jobName: 'n', status, attempts: 0, failures: 0, ...extra };
}

function summary(jobId: string, status: JobSummary['status'], extra: Partial<JobSummary> = {}): JobSummary {
  return { jobId, status, attempts: 1, failures: 0, updatedAt: new Date().toISOString(), ...extra };
}

describe('tallyLine', () => {
  it('counts jobs by status in lifecycle order', () => {
    const jobs = [tracked('Completed'), tracked('Queued'), tracked('Started'), tracked('Completed'), tracked('DeadLettered')];
    expect(tallyLine(jobs)).toBe('5 jobs: 1 queued · 1 running · 2 completed · 1 dead-lettered');
    expect(tallyLine([tracked('Queued')])).toBe('1 job: 1 queued');
    expect(tallyLine([])).toBe('no jobs yet');
  });
});

describe('changeLine', () => {
  it('names the processor, the attempt, the failures so far and the last error', () => {
    const job = tracked('Started', { jobId: 'a', processorId: 'p1', attempts: 2, failures: 1, lastError: 'boom' });
    expect(changeLine(job)).toBe('a  Started on p1 (attempt 2, 1 failed): boom');
    expect(changeLine({ ...job, status: 'Completed' })).toBe('a  Completed on p1 (attempt 2, 1 failed)');
  });
});

describe('JobStatusBoard', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('polls only unfinished jobs, reports each change once, and stops when all finished', async () => {
    vi.useFakeTimers();
    const states = new Map<string, JobSummary | undefined>();
    const reads: string[] = [];
    const changes: string[] = [];
    const board = new JobStatusBoard({
      readSummary: async (jobId) => {
        reads.push(jobId);
        return states.get(jobId);
      },
      onChange: (job) => changes.push(`${job.jobId}:${job.status}`),
      intervalMs: 1000,
    });
    board.add({ jobId: 'a', jobName: 'A' });
    board.add({ jobId: 'b', jobName: 'B' });
    await vi.advanceTimersByTimeAsync(1000);
    expect(reads.sort()).toEqual(['a', 'b']);
    expect(changes).toEqual([]); // not started yet: still Queued

    states.set('a', summary('a', 'Completed'));
    states.set('b', summary('b', 'Started'));
    await vi.advanceTimersByTimeAsync(1000);
    expect(changes.sort()).toEqual(['a:Completed', 'b:Started']);

    reads.length = 0;
    await vi.advanceTimersByTimeAsync(1000);
    expect(reads).toEqual(['b']); // a finished: never read again
    expect(changes).toHaveLength(2); // b unchanged: no new line

    states.set('b', summary('b', 'DeadLettered', { attempts: 2, failures: 2 }));
    await vi.advanceTimersByTimeAsync(1000);
    reads.length = 0;
    await vi.advanceTimersByTimeAsync(5000);
    expect(reads).toEqual([]); // everything finished: the timer is off
    await board.close();
  });

  it('keeps at most maxInFlight reads in flight and reports a failing store', async () => {
    vi.useFakeTimers();
    let inFlight = 0;
    let peak = 0;
    const board = new JobStatusBoard({
      readSummary: async () => {
        peak = Math.max(peak, ++inFlight);
        await new Promise((resolve) => setTimeout(resolve, 10));
        inFlight--;
        throw new Error('storage down');
      },
      onChange: () => undefined,
      maxInFlight: 3,
    });
    for (let i = 0; i < 20; i++) board.add({ jobId: `j${i}`, jobName: 'j' });
    await vi.advanceTimersByTimeAsync(1200);
    expect(peak).toBe(3);
    expect(board.unreachable).toBe('storage down');
    await board.close();
  });
});
