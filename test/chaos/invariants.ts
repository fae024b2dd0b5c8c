/**
 * @module The promises, checked from the evidence only: the audit trail (each job's history, read from the
 * table) and the queues (read from the broker), never from what the processors say about themselves.
 *
 * - every confirmed job ends with exactly one Completed (or one DeadLettered when it was built to fail);
 * - no two attempts of jobs sharing a lock key overlap in time (a job's own attempts included);
 * - every attempt begins with Started and ends with exactly one of Completed, Failed, Interrupted, LeaseLost —
 *   except an attempt whose processor was SIGKILLed, which cannot say anything and is counted apart; an attempt
 *   that ended LeaseLost recorded nothing stamped after that moment;
 * - nothing is left in `<ns>.jobs` or the delay queues, and the dead-letter queue holds only jobs built to fail.
 */
import { ATTEMPT_END_STATUSES, type AuditEvent } from '../../src/contracts/audit-event.js';
import type { Fault, QueueDepths } from './cluster.js';
import type { PlannedJob } from './load.js';

const ENDS: ReadonlySet<string> = new Set(ATTEMPT_END_STATUSES);
const ATTEMPT_STATUSES: ReadonlySet<string> = new Set([...ATTEMPT_END_STATUSES, 'Started', 'Step', 'Retrying', 'DeadLettered']);
/** Events that move a job forward; a LeaseLost or Interrupted attempt's work is lost, so its end is no progress. */
const PROGRESS: ReadonlySet<string> = new Set(['Queued', 'Started', 'Step', 'Completed', 'Failed', 'DeadLettered']);

export interface Evidence {
  readonly planned: readonly PlannedJob[];
  readonly histories: ReadonlyMap<string, AuditEvent[]>;
  readonly faults: readonly Fault[];
  /** processorId → when it was SIGKILLed. */
  readonly killed: ReadonlyMap<string, number>;
  /** Queue depths once every processor has stopped (unacknowledged messages are back in their queues). */
  readonly queues: QueueDepths;
  readonly dead: ReadonlyArray<{ body: Buffer; headers: Record<string, unknown> }>;
}

export interface Figures {
  confirmed: number;
  unconfirmed: number;
  completed: number;
  deadLettered: number;
  /** Confirmed jobs without the final status they were built for. */
  lost: string[];
  /** Jobs with more than one Completed (or DeadLettered, or both). */
  duplicateCompletions: string[];
  /** Jobs built to succeed that were dead-lettered, or built to fail that completed. */
  wrongEnding: string[];
  attempts: number;
  /** Attempts with no end whose processor was SIGKILLed (it could not say anything). */
  killedAttempts: number;
  /** Attempts with no end whose processor was not SIGKILLed. */
  incompleteAttempts: string[];
  /** Two Started for one attempt, two ends, events stamped after the end, events without a Started. */
  malformedAttempts: string[];
  overlaps: string[];
  counts: { leaseLost: number; interrupted: number; deferred: number; duplicate: number; failed: number; stalledStarts: number };
  /** Interrupted attempts (killed, paused past the lease, cancelled) and how long until the job's next attempt started. */
  handovers: number;
  worstHandoverMs: number;
  /** The longest gap between two progress events of a job (Queued … final) that a fault window touched. */
  worstFaultWaitMs: number;
  worstFaultWaitJob: string;
  /** The same, for gaps no fault touched: what a job waits without faults (queueing, backoff, steps). */
  worstUntouchedWaitMs: number;
  queues: { jobs: number; delays: number; deadExpected: number; deadUnexpected: string[]; deadExtraCopies: number; doomedNotInDead: string[] };
}

interface Attempt {
  jobId: string;
  lockKey: string;
  attempt: number;
  processorId: string;
  start: number;
  /** Its end event's time, or the SIGKILL's, or (with neither) its last event's: the latest moment it provably ran. */
  end: number;
  endStatus: string;
}

export function checkInvariants(evidence: Evidence): Figures {
  const figures = emptyFigures(evidence);
  const attempts: Attempt[] = [];
  for (const entry of evidence.planned) {
    if (entry.confirmedAt === undefined) continue;
    const history = evidence.histories.get(entry.job.jobId) ?? [];
    checkEnding(entry, history, figures);
    attempts.push(...checkAttempts(entry, history, evidence, figures));
    measureWaits(entry, history, evidence.faults, figures);
  }
  figures.attempts = attempts.length;
  checkOverlaps(attempts, figures);
  measureHandovers(attempts, evidence.faults, figures);
  checkQueues(evidence, figures);
  return figures;
}

function emptyFigures(evidence: Evidence): Figures {
  const confirmed = evidence.planned.filter((p) => p.confirmedAt !== undefined).length;
  return {
    confirmed, unconfirmed: evidence.planned.length - confirmed, completed: 0, deadLettered: 0, lost: [], duplicateCompletions: [],
    wrongEnding: [], attempts: 0, killedAttempts: 0, incompleteAttempts: [], malformedAttempts: [], overlaps: [],
    counts: { leaseLost: 0, interrupted: 0, deferred: 0, duplicate: 0, failed: 0, stalledStarts: 0 },
    handovers: 0, worstHandoverMs: 0, worstFaultWaitMs: 0, worstFaultWaitJob: '', worstUntouchedWaitMs: 0,
    queues: { jobs: 0, delays: 0, deadExpected: 0, deadUnexpected: [], deadExtraCopies: 0, doomedNotInDead: [] },
  };
}

function checkEnding(entry: PlannedJob, history: AuditEvent[], figures: Figures): void {
  const { jobId } = entry.job;
  const completed = history.filter((e) => e.status === 'Completed').length;
  const dead = history.filter((e) => e.status === 'DeadLettered').length;
  figures.completed += completed > 0 ? 1 : 0;
  figures.deadLettered += dead > 0 ? 1 : 0;
  if (completed + dead > 1) figures.duplicateCompletions.push(`${jobId}: ${completed} Completed, ${dead} DeadLettered`);
  const wanted = entry.kind === 'doomed' ? dead : completed;
  const other = entry.kind === 'doomed' ? completed : dead;
  if (wanted === 0 && other === 0) figures.lost.push(`${jobId} (${entry.kind}): ${history.map((e) => e.status).join(' ') || 'no events'}`);
  if (wanted === 0 && other > 0) figures.wrongEnding.push(`${jobId} (${entry.kind}): ${history.map((e) => e.status).join(' ')}`);
  for (const event of history) {
    if (event.status === 'LeaseLost') figures.counts.leaseLost++;
    if (event.status === 'Interrupted') figures.counts.interrupted++;
    if (event.status === 'Deferred') figures.counts.deferred++;
    if (event.status === 'Duplicate') figures.counts.duplicate++;
    if (event.status === 'Failed') figures.counts.failed++;
    if (event.status === 'Started' && /ended without a record/.test(event.message)) figures.counts.stalledStarts++;
  }
}

function checkAttempts(entry: PlannedJob, history: AuditEvent[], evidence: Evidence, figures: Figures): Attempt[] {
  const byNumber = new Map<number, AuditEvent[]>();
  for (const event of history) {
    if (event.attempt < 1 || !ATTEMPT_STATUSES.has(event.status)) continue;
    byNumber.set(event.attempt, [...(byNumber.get(event.attempt) ?? []), event]);
  }
  const attempts: Attempt[] = [];
  for (const [number, events] of byNumber) {
    const where = `${entry.job.jobId} attempt ${number}`;
    const starts = events.filter((e) => e.status === 'Started');
    const ends = events.filter((e) => ENDS.has(e.status));
    if (starts.length !== 1) {
      figures.malformedAttempts.push(`${where}: ${starts.length} Started events`);
      if (starts.length === 0) continue;
    }
    if (ends.length > 1) figures.malformedAttempts.push(`${where}: ${ends.map((e) => e.status).join(' and ')}`);
    const started = starts[0]!;
    const end = ends[0];
    const killedAt = evidence.killed.get(started.processorId);
    if (end) {
      const endMs = Date.parse(end.timestamp);
      const late = events.filter((e) => e !== end && e.status !== 'Retrying' && e.status !== 'DeadLettered' && Date.parse(e.timestamp) > endMs);
      if (late.length > 0) figures.malformedAttempts.push(`${where}: ${late.map((e) => e.status).join(', ')} stamped after ${end.status}`);
    } else if (killedAt !== undefined && killedAt >= Date.parse(started.timestamp)) {
      figures.killedAttempts++;
    } else {
      figures.incompleteAttempts.push(`${where} on ${started.processorId}: ${events.map((e) => e.status).join(' ')}`);
    }
    // Without an end event or a SIGKILL, the attempt's last event is the latest moment it provably ran.
    const lastSeen = Math.max(...events.map((e) => Date.parse(e.timestamp)));
    const wasKilled = !end && killedAt !== undefined && killedAt >= Date.parse(started.timestamp);
    attempts.push({
      jobId: entry.job.jobId,
      lockKey: entry.job.lockKey,
      attempt: number,
      processorId: started.processorId,
      start: Date.parse(started.timestamp),
      end: end ? Date.parse(end.timestamp) : wasKilled ? killedAt : lastSeen,
      endStatus: end?.status ?? (wasKilled ? 'SIGKILL' : 'no end'),
    });
  }
  return attempts;
}

/** Sweeps each lock key's attempts in start order: an attempt that starts before an earlier one ended overlaps it. */
function checkOverlaps(attempts: Attempt[], figures: Figures): void {
  const byKey = new Map<string, Attempt[]>();
  for (const attempt of attempts) byKey.set(attempt.lockKey, [...(byKey.get(attempt.lockKey) ?? []), attempt]);
  for (const [lockKey, list] of byKey) {
    list.sort((a, b) => a.start - b.start);
    let holder: Attempt | undefined;
    for (const attempt of list) {
      if (holder && attempt.start < holder.end) {
        figures.overlaps.push(
          `lock key "${lockKey}": ${attempt.jobId}#${attempt.attempt} on ${attempt.processorId} started ` +
            `${holder.end - attempt.start} ms before ${holder.jobId}#${holder.attempt} on ${holder.processorId} ended (${holder.endStatus})`,
        );
      }
      if (!holder || attempt.end > holder.end) holder = attempt;
    }
  }
}

/** From the moment an attempt was interrupted (the SIGKILL, SIGSTOP or SIGTERM of its processor; else its end) to its job's next Started. */
function measureHandovers(attempts: Attempt[], faults: readonly Fault[], figures: Figures): void {
  const byJob = new Map<string, Attempt[]>();
  for (const attempt of attempts) byJob.set(attempt.jobId, [...(byJob.get(attempt.jobId) ?? []), attempt]);
  for (const list of byJob.values()) {
    list.sort((a, b) => a.attempt - b.attempt);
    for (let i = 0; i < list.length - 1; i++) {
      const attempt = list[i]!;
      if (!['SIGKILL', 'LeaseLost', 'Interrupted', 'no end'].includes(attempt.endStatus)) continue;
      // The fault on its processor that stopped it (a SIGSTOP ends in LeaseLost only later; a SIGTERM in Interrupted after the grace).
      const fault = faults.find((f) => f.target === attempt.processorId && f.from <= attempt.end && (f.to || Infinity) >= attempt.start);
      const interruptedAt = fault ? Math.max(fault.from, attempt.start) : attempt.end;
      figures.handovers++;
      figures.worstHandoverMs = Math.max(figures.worstHandoverMs, list[i + 1]!.start - interruptedAt);
    }
  }
}

/** Gaps between a job's progress events (backoff after a Failed excluded), split by whether a fault window touched them. */
function measureWaits(entry: PlannedJob, history: AuditEvent[], faults: readonly Fault[], figures: Figures): void {
  const points = history.filter((e) => PROGRESS.has(e.status)).map((e) => ({ at: Date.parse(e.timestamp), status: e.status }));
  if (!points.some((p) => p.status === 'Queued') && entry.confirmedAt !== undefined) points.push({ at: entry.confirmedAt, status: 'Queued' });
  points.sort((a, b) => a.at - b.at);
  for (let i = 1; i < points.length; i++) {
    const from = points[i - 1]!;
    const to = points[i]!;
    if (from.status === 'Failed') continue;
    const gap = to.at - from.at;
    const touched = faults.some((f) => f.from <= to.at && (f.to || Date.now()) >= from.at);
    if (touched && gap > figures.worstFaultWaitMs) {
      figures.worstFaultWaitMs = gap;
      figures.worstFaultWaitJob = `${entry.job.jobId} (${from.status} → ${to.status})`;
    }
    if (!touched) figures.worstUntouchedWaitMs = Math.max(figures.worstUntouchedWaitMs, gap);
  }
}

function checkQueues(evidence: Evidence, figures: Figures): void {
  figures.queues.jobs = evidence.queues.jobs;
  figures.queues.delays = Object.values(evidence.queues.delays).reduce((sum, n) => sum + n, 0);
  const kinds = new Map(evidence.planned.map((p) => [p.job.jobId, p.kind]));
  const seen = new Map<string, number>();
  for (const message of evidence.dead) {
    let jobId = typeof message.headers['x-baton-job-id'] === 'string' ? (message.headers['x-baton-job-id'] as string) : undefined;
    try {
      jobId ??= (JSON.parse(message.body.toString('utf8')) as { jobId?: string }).jobId;
    } catch {
      // not JSON: certainly not one of ours
    }
    if (jobId !== undefined && kinds.get(jobId) === 'doomed') {
      seen.set(jobId, (seen.get(jobId) ?? 0) + 1);
    } else {
      figures.queues.deadUnexpected.push(`${jobId ?? '(no jobId)'}: ${String(message.headers['x-baton-reason'] ?? '')}`);
    }
  }
  figures.queues.deadExpected = seen.size;
  figures.queues.deadExtraCopies = [...seen.values()].reduce((sum, n) => sum + n - 1, 0);
  figures.queues.doomedNotInDead = evidence.planned
    .filter((p) => p.kind === 'doomed' && p.confirmedAt !== undefined && !seen.has(p.job.jobId))
    .map((p) => `${p.job.jobId}: ${(evidence.histories.get(p.job.jobId) ?? []).map((e) => `${e.status}@${e.processorId}`).join(' ')}`);
}

/** The violations, one line each; empty when every promise held. */
export function violations(figures: Figures): string[] {
  const lines: string[] = [];
  const list = (what: string, items: readonly string[]) => {
    if (items.length > 0) lines.push(`${items.length} ${what}: ${items.slice(0, 5).join(' | ')}${items.length > 5 ? ' …' : ''}`);
  };
  list('lost jobs', figures.lost);
  list('duplicate completions', figures.duplicateCompletions);
  list('wrong endings', figures.wrongEnding);
  list('overlapping attempts', figures.overlaps);
  list('incomplete attempts (no end, processor not killed)', figures.incompleteAttempts);
  list('malformed attempts', figures.malformedAttempts);
  list('unexpected dead letters', figures.queues.deadUnexpected);
  list('jobs built to fail missing from the dead-letter queue', figures.queues.doomedNotInDead);
  if (figures.queues.jobs > 0) lines.push(`${figures.queues.jobs} messages left in the jobs queue`);
  if (figures.queues.delays > 0) lines.push(`${figures.queues.delays} messages left in delay queues`);
  return lines;
}
