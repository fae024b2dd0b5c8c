/**
 * @module The load of a chaos run: a reproducible mix of jobs (plain, sharing a lock key, failing once, built
 * to fail) and a publisher that sends them at a steady rate, retrying each job (same jobId) until the broker
 * confirms it. Only confirmed jobs are promised anything; the steady rate keeps queues short, so that a job's
 * waits come from faults rather than from a backlog.
 */
import { validateJobRequest, type JobRequest } from '../../src/contracts/job-request.js';
import type { ChaosCluster } from './cluster.js';
import { sleep } from './processes.js';
import { seededRandom } from '../helpers/fault-proxy.js';

/** The fault proxy's seeded generator: a run's mix can be reproduced. */
export { seededRandom };

/** `ok` completes; `flaky` fails its first attempt, then completes; `doomed` fails every attempt and is dead-lettered. */
export type JobKind = 'ok' | 'flaky' | 'doomed';

export interface PlannedJob {
  readonly job: JobRequest;
  readonly kind: JobKind;
  /** When the broker confirmed it (ms since the epoch); undefined if it never did. */
  confirmedAt?: number;
  publishTries: number;
}

export interface LoadShape {
  readonly count: number;
  readonly steps: number;
  readonly stepMs: number;
  /** Fraction of jobs that use one of `sharedLockKeys` shared lock keys. */
  readonly sharedFraction?: number;
  readonly sharedLockKeys?: number;
  readonly flakyFraction?: number;
  readonly doomedFraction?: number;
  readonly seed?: number;
}


export function planJobs(namespace: string, shape: LoadShape): PlannedJob[] {
  const random = seededRandom(shape.seed ?? 1);
  const planned: PlannedJob[] = [];
  for (let i = 0; i < shape.count; i++) {
    const roll = random();
    const kind: JobKind = roll < (shape.doomedFraction ?? 0) ? 'doomed' : roll < (shape.doomedFraction ?? 0) + (shape.flakyFraction ?? 0) ? 'flaky' : 'ok';
    const shared = shape.sharedLockKeys && random() < (shape.sharedFraction ?? 0) ? `shared:${Math.floor(random() * shape.sharedLockKeys)}` : undefined;
    const parsed = validateJobRequest({
      jobId: `${namespace}-${String(i).padStart(5, '0')}`,
      jobName: `chaos ${kind} ${i}`,
      ...(shared ? { lockKey: shared } : {}),
      ...(kind === 'doomed' ? { maxAttempts: 2 } : {}),
      processingParameters: { steps: shape.steps, stepMs: shape.stepMs, failTimes: kind === 'flaky' ? 1 : kind === 'doomed' ? 100 : 0 },
    });
    if (!parsed.ok) throw new Error(parsed.reason);
    planned.push({ job: parsed.job, kind, publishTries: 0 });
  }
  return planned;
}

export interface PublishRun {
  /** Resolves when every job is confirmed (or given up on after `giveUpMs`). */
  readonly done: Promise<void>;
  readonly startedAt: number;
}

/**
 * Publishes `planned` at `perSecond`, each job as its own task that retries until confirmed: a publish that
 * fails (broker gone, channel closed before the confirm) is sent again with the same jobId, which may leave a
 * duplicate message behind — that is at-least-once delivery, and Baton must run the job once all the same.
 */
export function publishSteadily(cluster: ChaosCluster, planned: PlannedJob[], perSecond: number, giveUpMs = 180_000): PublishRun {
  const startedAt = Date.now();
  const publishOne = async (entry: PlannedJob) => {
    const deadline = Date.now() + giveUpMs;
    while (Date.now() < deadline) {
      entry.publishTries++;
      try {
        await cluster.publisher.publish(entry.job);
        entry.confirmedAt = Date.now();
        return;
      } catch {
        await sleep(250);
      }
    }
  };
  const done = (async () => {
    const tasks: Promise<void>[] = [];
    for (let i = 0; i < planned.length; i++) {
      const due = startedAt + (i * 1000) / perSecond;
      if (due > Date.now()) await sleep(due - Date.now());
      tasks.push(publishOne(planned[i]!));
    }
    await Promise.all(tasks);
  })();
  return { done, startedAt };
}
