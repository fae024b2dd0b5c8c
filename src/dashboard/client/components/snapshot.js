/** @module Snapshot figures at the top: running, waiting, completed and failed lately, jobs by status (of the picked tenant's jobs; queue depths are fleet-wide). */
import { html } from '../html.js';
import { STATUSES, statusClass, statusLabel } from '../format.js';

function Sparkline({ values, kind }) {
  if (!values || values.length < 2) return null;
  const max = Math.max(1, ...values);
  const width = 120;
  const height = 28;
  const step = width / (values.length - 1);
  const points = values.map((value, i) => `${(i * step).toFixed(1)},${(height - 2 - (value / max) * (height - 4)).toFixed(1)}`).join(' ');
  return html`<svg class=${`spark spark-${kind}`} viewBox=${`0 0 ${width} ${height}`} preserveAspectRatio="none" aria-hidden="true">
    <polyline points=${points} />
  </svg>`;
}

function Card({ label, value, note, kind, children, testid }) {
  return html`<div class=${`card card-${kind}`} data-testid=${testid}>
    <div class="card-label">${label}</div>
    <div class="card-value">${value ?? '—'}</div>
    ${note && html`<div class="card-note">${note}</div>`}
    ${children}
  </div>`;
}

function StatusBar({ jobsByStatus }) {
  const entries = STATUSES.filter((status) => jobsByStatus[status] > 0).map((status) => [status, jobsByStatus[status]]);
  const total = entries.reduce((sum, [, count]) => sum + count, 0);
  if (total === 0) return html`<div class="statusbar-empty">No jobs in this window yet.</div>`;
  return html`<div class="statusbar-wrap">
    <div class="statusbar" role="img" aria-label="jobs by latest status">
      ${entries.map(([status, count]) => html`<span class=${`seg ${statusClass(status)}`} style=${{ flexGrow: count }} title=${`${statusLabel(status, true)}: ${count}`}></span>`)}
    </div>
    <ul class="legend">
      ${entries.map(([status, count]) => html`<li><span class=${`swatch ${statusClass(status)}`}></span>${statusLabel(status, true)} <b>${count}</b></li>`)}
    </ul>
  </div>`;
}

/** Jobs waiting in partition queues, named: a partition no processor serves shows here. */
function partitionNote(partitions) {
  const waiting = Object.entries(partitions || {}).filter(([, count]) => count);
  return waiting.length ? ` · ${waiting.map(([name, count]) => `${count} in partition ${name}`).join(', ')}` : '';
}

export function Snapshot({ stats, failed, tenantId = '' }) {
  const s = stats || {};
  const minutes = s.windowMinutes ?? 15;
  const queues = s.queues;
  const lately = `last ${minutes} min${tenantId ? ` · tenant ${tenantId}` : ''}`;
  return html`<section class="snapshot" aria-label="snapshot">
    <div class="cards">
      <${Card} kind="running" label="Running" value=${s.running ?? s.inFlight} testid="card-running" note="jobs in progress now" />
      <${Card} kind="waiting" label="Waiting" value=${s.waiting} testid="card-waiting"
        note=${queues && queues.jobs !== null ? `${queues.jobs} ready in queue${tenantId ? ' (every tenant)' : ''}${partitionNote(queues.partitions)}` : 'to be delivered again'} />
      <${Card} kind="completed" label="Completed" value=${s.completed} testid="card-completed" note=${lately}>
        <${Sparkline} values=${s.perMinute?.completed} kind="completed" />
      </${Card}>
      <${Card} kind="failed" label="Failed" value=${s.failed} testid="card-failed" note=${`attempts · ${lately}`}>
        <${Sparkline} values=${s.perMinute?.failed} kind="failed" />
      </${Card}>
      <${Card} kind="dead" label="Dead-lettered" value=${s.deadLettered} testid="card-dead"
        note=${queues && queues.dead !== null ? `${lately} · ${queues.dead} in DLQ${tenantId ? ' (every tenant)' : ''}` : lately} />
    </div>
    <div class="bycount">
      <span class="bycount-title">Jobs by latest status · ${lately}${s.truncated ? ' (newest events only)' : ''}</span>
      ${stats ? html`<${StatusBar} jobsByStatus=${s.jobsByStatus || {}} />` : html`<div class="statusbar-empty">Loading…</div>`}
      ${failed && html`<span class="stale">figures not updating: the server did not answer</span>`}
    </div>
  </section>`;
}
