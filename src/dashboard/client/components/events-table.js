/** @module Recent events, newest first: one row per event; job names and ids open the job's timeline. */
import { html } from '../html.js';
import { formatClock } from '../format.js';
import { StatusBadge } from './status-badge.js';

function StepCell({ event }) {
  if (event.step === undefined || !event.totalSteps) return html`<span class="muted">—</span>`;
  const percent = Math.min(100, Math.round((event.step / event.totalSteps) * 100));
  return html`<span class="stepcell">
    <span class="minibar"><span style=${{ width: `${percent}%` }}></span></span>${event.step}/${event.totalSteps}
  </span>`;
}

function JobCell({ event, name, onOpenJob }) {
  const open = () => onOpenJob(event.jobId);
  return html`<div class="jobcell">
    ${name && html`<button type="button" class="link job-name" onClick=${open} title=${name}>${name}</button>`}
    <button type="button" class="link job-id" onClick=${open} title=${event.jobId}>${event.jobId}</button>
  </div>`;
}

export function EventsTable({ events, names, fresh, onOpenJob, emptyText }) {
  if (events.length === 0) return html`<div class="empty">${emptyText}</div>`;
  return html`<div class="table-wrap"><table class="events" data-testid="events">
    <thead><tr>
      <th class="col-time">Time</th><th class="col-status">Status</th><th>Job</th>
      <th class="col-num">Attempt</th><th class="col-step">Step</th><th class="col-proc">Processor</th><th>Message</th>
    </tr></thead>
    <tbody>
      ${events.map(
        (event) => html`<tr key=${event.eventId} class=${fresh.has(event.eventId) ? 'fresh' : ''} data-job-id=${event.jobId}>
          <td class="col-time mono" title=${event.timestamp}>${formatClock(event.timestamp)}</td>
          <td class="col-status"><${StatusBadge} status=${event.status} /></td>
          <td><${JobCell} event=${event} name=${event.jobName || names.get(event.jobId)} onOpenJob=${onOpenJob} /></td>
          <td class="col-num">${event.attempt > 0 ? `#${event.attempt}` : html`<span class="muted">—</span>`}</td>
          <td class="col-step"><${StepCell} event=${event} /></td>
          <td class="col-proc mono" title=${event.processorId}>${event.processorId}</td>
          <td class="message" title=${event.message}>${event.message}</td>
        </tr>`,
      )}
    </tbody>
  </table></div>`;
}
