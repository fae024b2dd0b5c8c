/**
 * @module The operator's job actions: "Cancel" and "Requeue" on one job (POST /api/jobs/{id}/cancel|requeue),
 * and "Cancel all shown" / "Requeue all shown" on a job list (POST /api/bulk/cancel|requeue), confirmed with
 * the count a dry run answered. Rendered only for an operator (the API refuses anyone else anyway); every
 * answer the API refuses (409 for a job that already ended, 403, 503…) is shown, never swallowed.
 */
import { useState } from 'preact/hooks';
import { html } from '../html.js';
import { postJSON } from '../api.js';

/** Which single-job action a job in this state takes: cancel one that may still run, requeue a finished one. */
const REQUEUABLE = new Set(['DeadLettered', 'Cancelled']);
const ENDED = new Set(['Completed', 'DeadLettered', 'Cancelled']);

export function actionFor(status) {
  if (REQUEUABLE.has(status)) return 'requeue';
  if (ENDED.has(status)) return undefined;
  return 'cancel';
}

const LABEL = { cancel: 'Cancel', requeue: 'Requeue' };
const DONE = { cancel: 'cancel requested', requeue: 'requeued' };

export function isOperator(info) {
  return info?.caller?.role === 'operator';
}

/** One job's action button, with the API's answer (or refusal) beside it. */
export function JobActionButton({ jobId, action, onDone }) {
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState(undefined);
  const act = async () => {
    setBusy(true);
    setResult(undefined);
    try {
      await postJSON(`/api/jobs/${encodeURIComponent(jobId)}/${action}`, {});
      setResult({ ok: true, text: DONE[action] });
      onDone?.();
    } catch (error) {
      setResult({ ok: false, text: error.message });
    } finally {
      setBusy(false);
    }
  };
  return html`<span class="job-action">
    <button type="button" class=${action === 'cancel' ? 'secondary danger small' : 'secondary small'} disabled=${busy}
      onClick=${act} data-testid=${`${action}-job`}>${busy ? '…' : LABEL[action]}</button>
    ${result && html`<span class=${result.ok ? 'action-ok' : 'action-error'} role=${result.ok ? 'status' : 'alert'} data-testid="action-result">${result.text}</span>`}
  </span>`;
}

/** The filter a bulk action sends for a list: its status, and the picked tenant. */
function bulkFilter(view, tenantId) {
  return { status: view.status, ...(tenantId ? { tenantId } : {}) };
}

function describe(view, tenantId) {
  return `${view.label}${tenantId ? `, tenant ${tenantId}` : ''}`;
}

/** Result text for a bulk answer `{ matched, done, skipped, failed }`: what took effect, what did not and why. */
function bulkOutcome(action, answer) {
  const jobs = (n) => `${n} job${n === 1 ? '' : 's'}`;
  const parts = [`${action === 'cancel' ? 'Cancelled' : 'Requeued'} ${jobs(answer.done ?? 0)} of ${answer.matched ?? 0} matched`];
  if (answer.skipped) parts.push(`${answer.skipped} skipped (their state had changed)`);
  if (answer.failed) parts.push(`${jobs(answer.failed)} failed (storage or the broker did not answer): run it again to retry them`);
  return `${parts.join('; ')}.`;
}

/**
 * "Cancel all shown" / "Requeue all shown": a dry run first, whose count (and a sample) the confirmation
 * states; only "Yes" sends the action. The action covers every job of the list, not only the loaded page.
 */
export function BulkAction({ view, action, tenantId, onDone }) {
  const [step, setStep] = useState({ name: 'idle' });
  const filter = bulkFilter(view, tenantId);
  const label = `${LABEL[action]} all shown`;
  const ask = async () => {
    setStep({ name: 'counting' });
    try {
      const answer = await postJSON(`/api/bulk/${action}`, { ...filter, dryRun: true });
      setStep({ name: 'confirm', count: answer.count, sample: Array.isArray(answer.sample) ? answer.sample : [] });
    } catch (error) {
      setStep({ name: 'error', text: error.message });
    }
  };
  const confirm = async () => {
    setStep({ name: 'sending' });
    try {
      const answer = await postJSON(`/api/bulk/${action}`, filter);
      setStep({ name: 'done', text: bulkOutcome(action, answer) });
      onDone?.();
    } catch (error) {
      setStep({ name: 'error', text: error.message });
    }
  };
  const sampleIds = (step.sample || []).slice(0, 5).map((item) => (typeof item === 'string' ? item : item?.jobId)).filter(Boolean);
  return html`<div class="bulk-action" data-testid=${`bulk-${action}`}>
    ${step.name !== 'confirm' && html`<button type="button" class=${action === 'cancel' ? 'secondary danger' : 'secondary'}
      disabled=${step.name === 'counting' || step.name === 'sending'} onClick=${ask} data-testid=${`bulk-${action}-open`}>
      ${step.name === 'counting' ? 'Counting…' : step.name === 'sending' ? 'Sending…' : label}</button>`}
    ${step.name === 'confirm' && html`<div class="bulk-confirm" role="alertdialog" aria-label=${label} data-testid="bulk-confirm">
      <p>${step.count === 0
        ? `No job matches (${describe(view, tenantId)}): nothing to ${action}.`
        : `${LABEL[action]} ${step.count} job${step.count === 1 ? '' : 's'} (${describe(view, tenantId)})?`}
        ${sampleIds.length > 0 && html` <span class="muted">For example: <span class="mono">${sampleIds.join(', ')}</span>.</span>`}</p>
      ${step.count > 0 && html`<button type="button" class=${action === 'cancel' ? 'danger' : ''} onClick=${confirm} data-testid="bulk-confirm-yes">
        Yes, ${action} ${step.count} job${step.count === 1 ? '' : 's'}</button>`}
      <button type="button" class="secondary" onClick=${() => setStep({ name: 'idle' })}>${step.count === 0 ? 'Close' : 'No, keep them'}</button>
    </div>`}
    ${(step.name === 'done' || step.name === 'error') && html`<span class=${step.name === 'done' ? 'action-ok' : 'action-error'}
      role=${step.name === 'done' ? 'status' : 'alert'} data-testid="bulk-result">${step.text}</span>`}
  </div>`;
}
