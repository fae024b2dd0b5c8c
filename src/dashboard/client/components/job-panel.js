/**
 * @module A job's history in a side panel: its description and parameters, summary facts, then a timeline of
 * attempts (processor, duration, steps with their durations, errors with their stack folded under them) and
 * the events between them (queued, deferred, retrying…).
 * Refreshes when live events for the job arrive. An operator gets "Cancel" on a job that may still run and
 * "Requeue" on a dead-lettered or cancelled one.
 */
import { useEffect, useState } from 'preact/hooks';
import { html } from '../html.js';
import { getJSON } from '../api.js';
import { formatDateTime, formatDuration, formatClock } from '../format.js';
import { useNow } from '../live.js';
import { StatusBadge } from './status-badge.js';
import { JobActionButton, actionFor, isOperator } from './job-actions.js';

const FINAL = new Set(['Completed', 'DeadLettered', 'Cancelled']);

function Fact({ label, children }) {
  return html`<div class="fact"><dt>${label}</dt><dd>${children}</dd></div>`;
}

/** The error's stack (or cause), folded under its message: one click away, never in the way. */
function Detail({ detail, label = 'Stack trace' }) {
  if (!detail) return null;
  return html`<details class="tl-detail" data-testid="error-detail"><summary>${label}</summary><pre>${detail}</pre></details>`;
}

/** What the job is: its description, and its input and parameters as published. */
function Request({ summary }) {
  if (!summary.description && summary.parameters === undefined) return null;
  const parameters = typeof summary.parameters === 'string' ? summary.parameters : JSON.stringify(summary.parameters, null, 2);
  return html`<div class="request" data-testid="job-request">
    ${summary.description && html`<p class="description">${summary.description}</p>`}
    ${summary.parameters !== undefined && html`<div class="params"><b>Parameters</b><pre class="mono">${parameters}</pre></div>`}
  </div>`;
}

function Summary({ summary }) {
  return html`<${Request} summary=${summary} />
  <dl class="facts">
    <${Fact} label="Status"><${StatusBadge} status=${summary.status} asJobState /></${Fact}>
    <${Fact} label="Attempts">${summary.attempts}${summary.failures > 0 ? ` (${summary.failures} failed)` : ''}</${Fact}>
    <${Fact} label="Processor"><span class="mono">${summary.processorId || '—'}</span></${Fact}>
    <${Fact} label="Total time">${formatDuration(summary.totalMs)}</${Fact}>
    <${Fact} label="Queued">${formatDateTime(summary.queuedAt)}</${Fact}>
    <${Fact} label="Completed">${formatDateTime(summary.completedAt)}</${Fact}>
    <${Fact} label="Type">${summary.type || '—'}</${Fact}>
    <${Fact} label="Lock key"><span class="mono">${summary.lockKey || '—'}</span></${Fact}>
    <${Fact} label="Deferrals">${summary.deferrals}</${Fact}>
    <${Fact} label="Retries">${summary.retries}</${Fact}>
  </dl>
  ${summary.lastError && html`<div class="error-box"><b>Last error</b><pre>${summary.lastError}</pre><${Detail} detail=${summary.lastErrorDetail} /></div>`}`;
}

function StepBar({ attempt, totalMs }) {
  if (attempt.steps.length === 0 || !totalMs) return null;
  return html`<div class="stepbar" aria-hidden="true">
    ${attempt.steps.map((step) => html`<span style=${{ flexGrow: Math.max(step.durationMs, 1) }} title=${`${step.message}: ${formatDuration(step.durationMs)}`}></span>`)}
  </div>`;
}

function Attempt({ attempt, now }) {
  const running = !attempt.outcome;
  const durationMs = running ? now - Date.parse(attempt.startedAt) : attempt.durationMs;
  return html`<li class=${`tl-item tl-attempt outcome-${(attempt.outcome || 'running').toLowerCase()}`} data-testid="attempt">
    <div class="tl-head">
      <span class="tl-title">Attempt ${attempt.attempt}</span>
      ${running ? html`<span class="badge status-started">Running</span>` : html`<${StatusBadge} status=${attempt.outcome} />`}
      <span class="tl-meta">on <span class="mono">${attempt.processorId}</span> · ${running ? 'running for ' : ''}${formatDuration(durationMs)}</span>
      <span class="tl-time mono">${formatClock(attempt.startedAt)}${attempt.endedAt ? ` → ${formatClock(attempt.endedAt)}` : ''}</span>
    </div>
    <${StepBar} attempt=${attempt} totalMs=${durationMs} />
    ${attempt.steps.length > 0 &&
    html`<ol class="steps">
      ${attempt.steps.map(
        (step) => html`<li><span class="step-n">${step.step !== undefined ? `${step.step}/${step.totalSteps ?? '?'}` : '•'}</span>
          <span class="step-msg">${step.message}</span><span class="step-d">${formatDuration(step.durationMs)}</span></li>`,
      )}
    </ol>`}
    ${attempt.error && html`<pre class="tl-error">${attempt.error}</pre>`}
    <${Detail} detail=${attempt.detail} />
  </li>`;
}

function Marker({ event }) {
  return html`<li class="tl-item tl-event" data-testid="timeline-event">
    <div class="tl-head">
      <${StatusBadge} status=${event.status} />
      <span class="tl-msg">${event.message}</span>
      <span class="tl-time mono" title=${event.timestamp}>${formatClock(event.timestamp)}</span>
    </div>
    <${Detail} detail=${event.detail} />
    <div class="tl-by">by <span class="mono">${event.processorId}</span></div>
  </li>`;
}

export function JobPanel({ jobId, touched, onClose, info }) {
  const [view, setView] = useState(undefined);
  const [error, setError] = useState('');
  const [reloads, setReloads] = useState(0);
  const now = useNow(1000);
  const touchedHere = touched.jobIds.has(jobId) ? touched.at : 0;

  useEffect(() => {
    setView(undefined);
    setError('');
  }, [jobId]);
  useEffect(() => {
    let current = true;
    getJSON(`/api/jobs/${encodeURIComponent(jobId)}/summary`).then(
      (loaded) => current && (setView(loaded), setError('')),
      (failure) => current && setError(failure.status === 404 ? 'No events recorded for this job.' : failure.message),
    );
    return () => {
      current = false;
    };
  }, [jobId, touchedHere, reloads]);
  useEffect(() => {
    const onKey = (event) => event.key === 'Escape' && onClose();
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [onClose]);

  const summary = view?.summary;
  const action = summary && isOperator(info) ? actionFor(summary.status) : undefined;
  return html`<aside class="panel" role="dialog" aria-label="job history" data-testid="job-panel">
    <div class="panel-head">
      <div>
        <h2 class="panel-title">${summary?.jobName || 'Job'}</h2>
        <div class="panel-id mono">${jobId}</div>
      </div>
      <button type="button" class="close" onClick=${onClose} aria-label="Close">×</button>
    </div>
    ${error && html`<div class="empty">${error}</div>`}
    ${!error && !view && html`<div class="empty">Loading…</div>`}
    ${action && html`<div class="panel-actions" data-testid="panel-actions">
      <${JobActionButton} key=${`${action}:${jobId}`} jobId=${jobId} action=${action} onDone=${() => setTimeout(() => setReloads((n) => n + 1), 500)} />
    </div>`}
    ${view &&
    html`<${Summary} summary=${summary} />
      <h3 class="tl-heading">Timeline ${!FINAL.has(summary.status) ? html`<span class="muted">· updates live</span>` : ''}</h3>
      <ol class="timeline">
        ${view.timeline.map((item) =>
          item.kind === 'attempt' ? html`<${Attempt} attempt=${item.attempt} now=${now} />` : html`<${Marker} event=${item.event} />`,
        )}
      </ol>`}
  </aside>`;
}
