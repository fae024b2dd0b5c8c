/**
 * @module Job lists by current state, from /api/summaries (or /api/tenants/{id}/jobs for a picked tenant):
 * "Running now", "Waiting", "Retrying", "Failed and dead-lettered", "Cancelled", "Completed"; newest first,
 * more pages with "Show more", and refreshed every few seconds. For an operator, each row of a list whose
 * jobs can still be stopped has "Cancel", each row of a list of ended jobs "Requeue", and the list "Cancel
 * all shown" / "Requeue all shown". Job names and errors are rendered as text.
 */
import { useEffect, useState } from 'preact/hooks';
import { html } from '../html.js';
import { getJSON } from '../api.js';
import { formatClock } from '../format.js';
import { StatusBadge } from './status-badge.js';
import { BulkAction, JobActionButton, isOperator } from './job-actions.js';

export const VIEWS = [
  { id: 'running', label: 'Running now', status: 'Started', action: 'cancel' },
  { id: 'waiting', label: 'Waiting', status: 'Queued', action: 'cancel' },
  { id: 'retrying', label: 'Retrying', status: 'Retrying', action: 'cancel' },
  { id: 'dead', label: 'Failed and dead-lettered', status: 'DeadLettered', action: 'requeue' },
  { id: 'cancelled', label: 'Cancelled', status: 'Cancelled', action: 'requeue' },
  { id: 'completed', label: 'Completed', status: 'Completed' },
];
const PAGE = 50;
const REFRESH_MS = 5000;

function listPath(status, tenantId, cursor) {
  const query = `status=${encodeURIComponent(status)}&limit=${PAGE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
  return tenantId ? `/api/tenants/${encodeURIComponent(tenantId)}/jobs?${query}` : `/api/summaries?${query}`;
}

function useJobList(status, tenantId) {
  const [state, setState] = useState({ items: [], nextCursor: null, error: '', loaded: false });
  const [reloads, setReloads] = useState(0);
  // Another list: start empty. A reload of the same list (after an action) keeps the rows until the answer.
  useEffect(() => {
    setState({ items: [], nextCursor: null, error: '', loaded: false });
  }, [status, tenantId]);
  useEffect(() => {
    let stopped = false;
    let timer;
    const load = async () => {
      try {
        const page = await getJSON(listPath(status, tenantId));
        if (!stopped) setState({ items: page.items, nextCursor: page.nextCursor, error: '', loaded: true });
      } catch (error) {
        if (!stopped) setState((current) => ({ ...current, error: error.message, loaded: true }));
      }
      if (!stopped) timer = setTimeout(load, REFRESH_MS);
    };
    load();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [status, tenantId, reloads]);
  const more = async () => {
    if (!state.nextCursor) return;
    try {
      const page = await getJSON(listPath(status, tenantId, state.nextCursor));
      setState((current) => ({ ...current, items: [...current.items, ...page.items], nextCursor: page.nextCursor }));
    } catch (error) {
      setState((current) => ({ ...current, error: error.message }));
    }
  };
  // After an action: read the list again soon (the index is written behind, within a flush or two).
  const reload = () => setTimeout(() => setReloads((n) => n + 1), 500);
  return { ...state, more, reload };
}

export function JobLists({ onOpenJob, tenantId = '', info }) {
  const [view, setView] = useState(VIEWS[0]);
  const list = useJobList(view.status, tenantId);
  const actions = isOperator(info) && view.action;
  return html`<section class="job-lists" aria-label="jobs by state" data-testid="job-lists">
    <div class="section-head">
      <h2>Jobs by state</h2>
      <div class="tabs" role="tablist">
        ${VIEWS.map((v) => html`<button type="button" role="tab" aria-selected=${v.id === view.id} class=${v.id === view.id ? 'tab active' : 'tab'} onClick=${() => setView(v)}>${v.label}</button>`)}
      </div>
      ${tenantId && html`<span class="muted">tenant <b>${tenantId}</b></span>`}
      ${actions && list.items.length > 0 && html`<${BulkAction} key=${`${view.id}:${tenantId}`} view=${view} action=${view.action} tenantId=${tenantId} onDone=${list.reload} />`}
    </div>
    ${list.error && html`<div class="empty" role="alert">${list.error}</div>`}
    ${!list.error && list.loaded && list.items.length === 0 && html`<div class="empty">No jobs here.</div>`}
    ${list.items.length > 0 && html`<div class="table-wrap"><table class="events" data-testid="job-list">
      <thead><tr><th class="col-status">Status</th><th>Job</th><th>Type</th><th class="col-tenant">Tenant</th><th class="col-num">Attempts</th><th class="col-time">Updated</th><th>Last error</th>${actions && html`<th class="col-action"><span class="sr-only">Action</span></th>`}</tr></thead>
      <tbody>
        ${list.items.map((item) => html`<tr key=${item.jobId} data-list-job-id=${item.jobId}>
          <td class="col-status"><${StatusBadge} status=${item.status} /></td>
          <td><div class="jobcell">
            <button type="button" class="link job-name" onClick=${() => onOpenJob(item.jobId)} title=${item.jobName}>${item.jobName}</button>
            <button type="button" class="link job-id" onClick=${() => onOpenJob(item.jobId)} title=${item.jobId}>${item.jobId}</button>
          </div></td>
          <td class="mono">${item.type}</td>
          <td class="mono col-tenant" data-testid="list-tenant" title=${item.tenantId || ''}>${item.tenantId || ''}</td>
          <td class="col-num">${item.attempts}</td>
          <td class="col-time mono" title=${item.updatedAt}>${formatClock(item.updatedAt)}</td>
          <td class="message" title=${item.lastError || ''}>${item.lastError || ''}</td>
          ${actions && html`<td class="col-action"><${JobActionButton} key=${`${view.action}:${item.jobId}`} jobId=${item.jobId} action=${view.action} onDone=${list.reload} /></td>`}
        </tr>`)}
      </tbody>
    </table></div>`}
    ${list.nextCursor && html`<button type="button" class="secondary more" onClick=${list.more}>Show more</button>`}
  </section>`;
}
