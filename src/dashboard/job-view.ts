/**
 * @module A job's history as people read it: attempts with their steps and durations, the events between
 * attempts (queued, deferred, retrying, dead-lettered…), and a summary. Pure: history in, view out.
 */
import type { JobSummary } from '../contracts/api.js';
import { ATTEMPT_END_STATUSES, type AuditEvent, type AuditStatus } from '../contracts/audit-event.js';
import type { AttemptView, JobSummaryView, JobView, TimelineItem } from './schemas.js';
import { nextJobState } from './stats.js';

const ATTEMPT_ENDS: ReadonlySet<string> = new Set(ATTEMPT_END_STATUSES);
const ERROR_ENDS = new Set(['Failed', 'TimedOut', 'LeaseLost']);

const ms = (iso: string) => Date.parse(iso);

/** Builds the view from a history (oldest first) and the job's state row, when it has one. */
export function buildJobView(jobId: string, history: readonly AuditEvent[], state?: JobSummary): JobView {
  return { summary: summarize(jobId, history, state), timeline: buildTimeline(history) };
}

export function buildTimeline(history: readonly AuditEvent[]): TimelineItem[] {
  const items: TimelineItem[] = [];
  const open = new Map<number, AttemptView>();
  for (const event of history) {
    const attempt = open.get(event.attempt);
    if (event.status === 'Started') {
      const view: AttemptView = { attempt: event.attempt, processorId: event.processorId, startedAt: event.timestamp, steps: [] };
      open.set(event.attempt, view);
      items.push({ kind: 'attempt', attempt: view });
    } else if (event.status === 'Step' && attempt) {
      addStep(attempt, event);
    } else if (ATTEMPT_ENDS.has(event.status) && attempt) {
      closeAttempt(attempt, event);
      open.delete(event.attempt);
    } else {
      items.push({ kind: 'event', event });
    }
  }
  return items;
}

function addStep(attempt: AttemptView, event: AuditEvent): void {
  const previous = attempt.steps.at(-1)?.at ?? attempt.startedAt;
  attempt.steps.push({
    ...(event.step !== undefined ? { step: event.step } : {}),
    ...(event.totalSteps !== undefined ? { totalSteps: event.totalSteps } : {}),
    at: event.timestamp,
    message: event.message,
    durationMs: Math.max(0, ms(event.timestamp) - ms(previous)),
  });
}

function closeAttempt(attempt: AttemptView, event: AuditEvent): void {
  attempt.endedAt = event.timestamp;
  attempt.outcome = event.status as AttemptView['outcome'];
  attempt.durationMs = Math.max(0, ms(event.timestamp) - ms(attempt.startedAt));
  if (ERROR_ENDS.has(event.status)) attempt.error = event.message;
  if (event.detail !== undefined) attempt.detail = event.detail;
}

/**
 * The state row (written by the attempts, fenced) is authoritative for status and counts when it exists;
 * before any attempt started, the summary comes from the history alone.
 */
export function summarize(jobId: string, history: readonly AuditEvent[], state?: JobSummary): JobSummaryView {
  const derived = deriveFromHistory(jobId, history);
  const queuedAt = history.find((event) => event.status === 'Queued')?.timestamp;
  const summary: JobSummaryView = { ...(state ? { ...derived, ...knownFields(state) } : derived), ...requestFields(history) };
  const start = queuedAt ?? summary.firstStartedAt;
  if (summary.completedAt && start) summary.totalMs = Math.max(0, ms(summary.completedAt) - ms(start));
  if (queuedAt) summary.queuedAt = queuedAt;
  return summary;
}

function deriveFromHistory(jobId: string, history: readonly AuditEvent[]): JobSummaryView {
  const count = (status: string) => history.filter((event) => event.status === status).length;
  const starts = history.filter((event) => event.status === 'Started');
  const last = history.at(-1);
  const lastErrorEvent = history.filter((event) => ERROR_ENDS.has(event.status)).at(-1);
  const lastError = lastErrorEvent?.message;
  const completedAt = history.find((event) => event.status === 'Completed')?.timestamp;
  const jobName = history.find((event) => event.jobName !== undefined)?.jobName;
  return {
    jobId,
    ...(jobName !== undefined ? { jobName } : {}),
    status: history.reduce<AuditStatus | undefined>((state, event) => nextJobState(state, event.status), undefined) ?? 'Queued',
    attempts: starts.reduce((max, event) => Math.max(max, event.attempt), 0),
    failures: count('Failed'),
    ...(starts.at(-1) ? { processorId: starts.at(-1)!.processorId } : {}),
    ...(lastError !== undefined ? { lastError } : {}),
    ...(lastErrorEvent?.detail !== undefined ? { lastErrorDetail: lastErrorEvent.detail } : {}),
    ...(starts[0] ? { firstStartedAt: starts[0].timestamp } : {}),
    ...(starts.at(-1) ? { lastStartedAt: starts.at(-1)!.timestamp } : {}),
    ...(completedAt ? { completedAt } : {}),
    updatedAt: last?.timestamp ?? new Date(0).toISOString(),
    deferrals: count('Deferred'),
    retries: count('Retrying'),
    events: history.length,
  };
}

/** The job's description and parameters, as its Queued event recorded them (absent for older events). */
function requestFields(history: readonly AuditEvent[]): Pick<JobSummaryView, 'description' | 'parameters'> {
  const queued = history.find((event) => event.status === 'Queued' && (event.description !== undefined || event.parameters !== undefined));
  if (!queued) return {};
  return {
    ...(queued.description !== undefined ? { description: queued.description } : {}),
    ...(queued.parameters !== undefined ? { parameters: parsedOrText(queued.parameters) } : {}),
  };
}

/** Parameters were stored as JSON text (cut when large): an object when it parses, the text otherwise. */
function parsedOrText(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

const STATE_FIELDS = [
  'jobName', 'status', 'attempts', 'failures', 'processorId', 'lastError', 'lockKey', 'type',
  'firstStartedAt', 'lastStartedAt', 'completedAt', 'updatedAt',
] as const satisfies ReadonlyArray<keyof JobSummary>;

/** The state row's known fields that are set: a row may carry more (or fewer) columns than this dashboard knows. */
function knownFields(state: JobSummary): Partial<JobSummary> {
  const picked: Record<string, unknown> = {};
  for (const key of STATE_FIELDS) if (state[key] !== undefined && state[key] !== null) picked[key] = state[key];
  return picked as Partial<JobSummary>;
}
