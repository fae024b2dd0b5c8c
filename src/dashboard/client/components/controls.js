/** @module The controls above the table: rows shown (15–100), hide completed jobs, filter by status. */
import { html } from '../html.js';
import { STATUSES, statusLabel } from '../format.js';

export const ROW_CHOICES = [15, 25, 50, 100];

export function Controls({ controls, onChange, shown, total }) {
  const set = (patch) => onChange({ ...controls, ...patch });
  const filtered = Boolean(controls.status) || controls.hideCompleted;
  return html`<div class="controls">
    <label>Rows
      <select name="rows" value=${controls.rows} onChange=${(e) => set({ rows: Number(e.currentTarget.value) })}>
        ${ROW_CHOICES.map((n) => html`<option value=${n}>${n}</option>`)}
      </select>
    </label>
    <label>Status
      <select name="status" value=${controls.status} onChange=${(e) => set({ status: e.currentTarget.value })}>
        <option value="">All statuses</option>
        ${STATUSES.map((status) => html`<option value=${status}>${statusLabel(status)}</option>`)}
      </select>
    </label>
    <label class="check">
      <input type="checkbox" name="hideCompleted" checked=${controls.hideCompleted} onChange=${(e) => set({ hideCompleted: e.currentTarget.checked })} />
      Hide completed jobs
    </label>
    <span class="count" data-testid="filter-count" title="The filters apply to the events this page has loaded, not to the whole history; the cards above count the whole window">
      ${filtered ? `${shown} shown · filters apply to the last ${total} events only` : `${shown} of the last ${total} events`}
    </span>
  </div>`;
}
