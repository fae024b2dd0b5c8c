/** @module Formatting for people: times, durations, statuses. Everything returned is plain text. */

export const JOB_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

export const STATUSES = [
  'Queued', 'Started', 'Step', 'Completed', 'Failed', 'Retrying',
  'DeadLettered', 'Deferred', 'Duplicate', 'Interrupted', 'LeaseLost', 'Rejected', 'Cancelled', 'Scheduled', 'TimedOut', 'Throttled',
];

const LABELS = { Started: 'Running', DeadLettered: 'Dead-lettered', LeaseLost: 'Lease lost' };

/** Label for a job state (where Started means running) or an event status. */
export function statusLabel(status, asJobState = false) {
  if (!asJobState && status === 'Started') return 'Started';
  return LABELS[status] || status;
}

export function statusClass(status) {
  return `status-${String(status).toLowerCase()}`;
}

const pad = (value, width = 2) => String(value).padStart(width, '0');

export function formatClock(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '—';
  const clock = `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
  const today = new Date();
  if (date.toDateString() === today.toDateString()) return clock;
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${clock}`;
}

export function formatDateTime(iso) {
  if (!iso) return '—';
  return formatClock(iso);
}

export function formatDuration(ms) {
  if (ms === undefined || ms === null || Number.isNaN(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)}m ${pad(Math.floor((ms % 60_000) / 1000))}s`;
  return `${Math.floor(ms / 3_600_000)}h ${pad(Math.floor((ms % 3_600_000) / 60_000))}m`;
}

export function formatAgo(iso, nowMs) {
  const ms = nowMs - Date.parse(iso);
  if (Number.isNaN(ms)) return '';
  if (ms < 5000) return 'just now';
  return `${formatDuration(ms).replace(/\.\d+ s$/, ' s')} ago`;
}
