/**
 * @module The end of a chaos run: wait until every confirmed job has ended for good, let the queues drain, stop
 * the processors (their unacknowledged messages return to the queues), then gather the evidence — histories,
 * queue depths, dead letters — and check the invariants on it.
 */
import type { ChaosCluster } from './cluster.js';
import { checkInvariants, violations, type Figures } from './invariants.js';
import type { PlannedJob } from './load.js';
import { sleep } from './processes.js';

export interface ScenarioResult {
  readonly key: string;
  readonly title: string;
  readonly load: string;
  readonly faults: string;
  readonly durationMs: number;
  readonly figures: Figures;
  readonly violations: string[];
  readonly notes: string[];
}

const FINAL = new Set(['Completed', 'DeadLettered']);

/** Polls the job state rows (point reads: cheap) until every confirmed job is Completed or DeadLettered. */
export async function waitForFinal(cluster: ChaosCluster, jobIds: readonly string[], timeoutMs: number): Promise<string[]> {
  const pending = new Set(jobIds);
  const deadline = Date.now() + timeoutMs;
  while (pending.size > 0 && Date.now() < deadline) {
    const ids = [...pending];
    for (let i = 0; i < ids.length; i += 32) {
      await Promise.all(
        ids.slice(i, i + 32).map(async (jobId) => {
          const summary = await cluster.storage.audit.summary(jobId).catch(() => undefined);
          if (summary && FINAL.has(summary.status)) pending.delete(jobId);
        }),
      );
    }
    if (pending.size > 0) await sleep(1000);
  }
  return [...pending];
}

/** Waits (bounded) until `<ns>.jobs` and every delay queue hold nothing ready, twice in a row. */
async function waitForDrain(cluster: ChaosCluster, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let quiet = 0;
  while (Date.now() < deadline && quiet < 2) {
    const depths = await cluster.queueDepths().catch(() => undefined);
    const waiting = depths ? depths.jobs + Object.values(depths.delays).reduce((a, b) => a + b, 0) : 1;
    quiet = waiting === 0 ? quiet + 1 : 0;
    await sleep(1000);
  }
}

export interface SettleOptions {
  readonly finalTimeoutMs: number;
  readonly drainTimeoutMs?: number;
}

export async function settle(cluster: ChaosCluster, planned: readonly PlannedJob[], options: SettleOptions): Promise<{ figures: Figures; violations: string[]; notes: string[] }> {
  const confirmed = planned.filter((p) => p.confirmedAt !== undefined).map((p) => p.job.jobId);
  const unfinished = await waitForFinal(cluster, confirmed, options.finalTimeoutMs);
  await waitForDrain(cluster, options.drainTimeoutMs ?? 60_000);
  const crashed = cluster.crashed();
  await cluster.stopProcessors();
  const queues = await cluster.queueDepths();
  const dead = await cluster.drainDead();
  const histories = await cluster.histories(confirmed);
  const figures = checkInvariants({ planned, histories, faults: cluster.faults, killed: cluster.killed, queues, dead });
  const found = violations(figures);
  if (crashed.length > 0) found.push(`${crashed.length} processors exited unasked: ${crashed.map((p) => `${p.name}: ${p.lines.slice(-3).join(' / ')}`).join(' | ')}`);
  const notes: string[] = [];
  if (unfinished.length > 0) notes.push(`${unfinished.length} jobs not final after ${options.finalTimeoutMs / 1000} s`);
  const troubles = cluster.processors.flatMap((p) => p.troubles().map((line) => `${p.name}: ${line}`));
  if (troubles.length > 0) notes.push(`${troubles.length} error lines in processor logs, e.g. ${troubles.slice(0, 3).join(' | ').slice(0, 600)}`);
  return { figures, violations: found, notes };
}
