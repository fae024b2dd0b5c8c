/**
 * @module Snapshot figures from the events of a recent window: jobs by latest status, in flight, completed
 * and failed, processors seen. Pure: the events (any order) and the window in, figures out. Jobs whose last
 * event is older than the window are not counted: these are "what happened lately", not a census.
 */
import type { AuditEvent, AuditStatus } from '../contracts/audit-event.js';
import type { Stats } from './schemas.js';

export interface StatsWindow {
  readonly nowMs: number;
  readonly windowMs: number;
  /** How recent a processor's last event must be to count as active. */
  readonly activeMs?: number;
}

const FINAL: ReadonlySet<AuditStatus> = new Set(['Completed', 'DeadLettered']);
const WAITING: ReadonlySet<AuditStatus> = new Set(['Queued', 'Scheduled', 'Deferred', 'Throttled', 'Retrying', 'Interrupted', 'LeaseLost']);
const MINUTE_MS = 60_000;

/** The job's state after `event`, given its state before: the rules behind `jobsByStatus`. */
export function nextJobState(current: AuditStatus | undefined, event: AuditStatus): AuditStatus {
  if (current && FINAL.has(current)) return current; // later deliveries of a finished job change nothing
  switch (event) {
    case 'Step':
      return 'Started';
    case 'Duplicate':
      return current ?? 'Completed';
    case 'Deferred':
    case 'Throttled':
      // A redelivery deferred (or throttled) while the job runs elsewhere leaves it running.
      return current === 'Started' ? current : event;
    default:
      return event;
  }
}

export function computeStats(events: readonly AuditEvent[], window: StatsWindow, truncated = false): Omit<Stats, 'queues'> {
  const fromMs = window.nowMs - window.windowMs;
  const inWindow = events.filter((event) => Date.parse(event.timestamp) >= fromMs).sort(byTime);
  const jobStates = latestJobStates(inWindow);
  const eventsByStatus = countBy(inWindow.map((event) => event.status));
  const jobsByStatus = countBy([...jobStates.values()].map((job) => job.status));
  const processors = processorsSeen(inWindow, jobStates);
  const activeFrom = window.nowMs - Math.min(window.activeMs ?? 5 * MINUTE_MS, window.windowMs);
  return {
    windowMinutes: Math.round(window.windowMs / MINUTE_MS),
    from: new Date(fromMs).toISOString(),
    to: new Date(window.nowMs).toISOString(),
    eventsScanned: inWindow.length,
    truncated,
    eventsByStatus,
    jobsByStatus,
    jobsSeen: jobStates.size,
    running: jobsByStatus.Started ?? 0,
    inFlight: jobsByStatus.Started ?? 0,
    waiting: [...WAITING].reduce((sum, status) => sum + (jobsByStatus[status] ?? 0), 0),
    completed: eventsByStatus.Completed ?? 0,
    failed: eventsByStatus.Failed ?? 0,
    deadLettered: eventsByStatus.DeadLettered ?? 0,
    perMinute: perMinute(inWindow, fromMs, window.windowMs),
    processors,
    activeProcessors: processors.filter((processor) => Date.parse(processor.lastSeen) >= activeFrom).length,
  };
}

function byTime(a: AuditEvent, b: AuditEvent): number {
  return Date.parse(a.timestamp) - Date.parse(b.timestamp) || (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0);
}

function latestJobStates(events: readonly AuditEvent[]): Map<string, { status: AuditStatus; processorId: string }> {
  const states = new Map<string, { status: AuditStatus; processorId: string }>();
  for (const event of events) {
    const current = states.get(event.jobId);
    const status = nextJobState(current?.status, event.status);
    const processorId = event.status === 'Started' || !current ? event.processorId : current.processorId;
    states.set(event.jobId, { status, processorId });
  }
  return states;
}

function processorsSeen(events: readonly AuditEvent[], jobStates: Map<string, { status: AuditStatus; processorId: string }>): Stats['processors'] {
  const seen = new Map<string, { processorId: string; lastSeen: string; events: number; running: number }>();
  for (const event of events) {
    // Queued is written by the publisher, whose id is not a processor's.
    if (event.status === 'Queued' || event.status === 'Scheduled') continue;
    const entry = seen.get(event.processorId) ?? { processorId: event.processorId, lastSeen: event.timestamp, events: 0, running: 0 };
    entry.events++;
    if (event.timestamp > entry.lastSeen) entry.lastSeen = event.timestamp;
    seen.set(event.processorId, entry);
  }
  for (const job of jobStates.values()) {
    const entry = seen.get(job.processorId);
    if (entry && job.status === 'Started') entry.running++;
  }
  return [...seen.values()].sort((a, b) => (a.lastSeen < b.lastSeen ? 1 : a.lastSeen > b.lastSeen ? -1 : 0));
}

function perMinute(events: readonly AuditEvent[], fromMs: number, windowMs: number): Stats['perMinute'] {
  const minutes = Math.max(1, Math.ceil(windowMs / MINUTE_MS));
  const completed = new Array<number>(minutes).fill(0);
  const failed = new Array<number>(minutes).fill(0);
  for (const event of events) {
    const slot = Math.min(minutes - 1, Math.floor((Date.parse(event.timestamp) - fromMs) / MINUTE_MS));
    if (event.status === 'Completed') completed[slot]!++;
    else if (event.status === 'Failed') failed[slot]!++;
  }
  return { completed, failed };
}

function countBy(values: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}
