/** @module The Processors view: every processor seen in the last hour, its state, what it runs now and its pace. */
import { html } from '../html.js';
import { usePolled, useNow } from '../live.js';
import { formatAgo, formatDateTime, formatDuration } from '../format.js';

const STATE_LABEL = { live: 'Live', lost: 'Lost', stopped: 'Stopped' };

function Running({ running, runningCount, now, onOpenJob }) {
  if (runningCount === 0) return html`<span class="muted">idle</span>`;
  return html`<ul class="running-list">
    ${running.map((job) => html`<li key=${job.jobId}>
      <button class="link mono" title=${job.jobId} onClick=${() => onOpenJob(job.jobId)}>${job.jobId}</button>
      <span class="muted"> · ${job.type} · attempt ${job.attempt} · lease ${Date.parse(job.leaseExpiresAt) > now ? `for ${formatDuration(Date.parse(job.leaseExpiresAt) - now)}` : 'expired'}</span>
    </li>`)}
    ${runningCount > running.length && html`<li class="muted">and ${runningCount - running.length} more</li>`}
  </ul>`;
}

export function Processors({ onOpenJob }) {
  const { data, failed } = usePolled('/api/processors', 5000);
  const now = useNow(1000);
  const list = data || [];
  const live = list.filter((p) => p.state === 'live').length;
  return html`<section class="processors" aria-label="processors" data-testid="processors">
    <div class="section-head">
      <h2>Processors</h2>
      <span class="muted">${data ? `${live} live of ${list.length} seen in the last hour` : 'Loading…'}</span>
      ${failed && html`<span class="stale">not updating: the server did not answer</span>`}
    </div>
    <div class="table-wrap">
      <table class="fleet">
        <thead><tr><th>Processor</th><th>State</th><th>Last heartbeat</th><th>Host · version</th><th>Started</th><th>Concurrency</th><th>Partitions</th><th>Jobs/min</th><th title="as of its last heartbeat">Running (last heartbeat)</th></tr></thead>
        <tbody>
          ${data && list.length === 0 && html`<tr><td colspan="9" class="empty">No processor has reported in the last hour.</td></tr>`}
          ${list.map((p) => html`<tr key=${p.processorId} data-processor-id=${p.processorId} data-state=${p.state}>
            <td class="mono">${p.processorId}</td>
            <td><span class=${`badge state-${p.state}`}>${STATE_LABEL[p.state] || p.state}</span></td>
            <td title=${p.heartbeatAt}>${formatAgo(p.heartbeatAt, now)}</td>
            <td>${p.host} · <span class="mono">${p.version}</span></td>
            <td>${formatDateTime(p.startedAt)}</td>
            <td>${p.runningCount} / ${p.concurrency}</td>
            <td>${Array.isArray(p.partitions) ? p.partitions.join(', ') : p.partitions}</td>
            <td>${p.state === 'live' ? p.jobsPerMinute : '—'}</td>
            <td><${Running} running=${p.running} runningCount=${p.state === 'live' ? p.runningCount : 0} now=${now} onOpenJob=${onOpenJob} /></td>
          </tr>`)}
        </tbody>
      </table>
    </div>
  </section>`;
}
