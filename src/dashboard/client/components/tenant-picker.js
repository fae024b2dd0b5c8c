/**
 * @module The tenant picker: every view below it (job lists, recent events, snapshot figures) shows only
 * the picked tenant's jobs. Its choices are the tenants /api/tenants knows and those seen in events; any
 * other id can be typed. The choice is kept in localStorage (it is no secret).
 */
import { useState } from 'preact/hooks';
import { html } from '../html.js';

const KEY = 'baton.tenant';
export const TENANT_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function loadTenant() {
  try {
    const saved = window.localStorage.getItem(KEY) || '';
    return TENANT_PATTERN.test(saved) ? saved : '';
  } catch {
    return '';
  }
}

export function saveTenant(tenantId) {
  if (tenantId) window.localStorage.setItem(KEY, tenantId);
  else window.localStorage.removeItem(KEY);
}

export function TenantPicker({ tenantId, known, onChange }) {
  const [typed, setTyped] = useState('');
  const [problem, setProblem] = useState('');
  const choices = [...new Set([...known, ...(tenantId ? [tenantId] : [])])].sort();
  const submit = (event) => {
    event.preventDefault();
    const id = typed.trim();
    if (!TENANT_PATTERN.test(id)) {
      setProblem('A tenant id is letters, digits and . _ - (up to 64)');
      return;
    }
    setProblem('');
    setTyped('');
    onChange(id);
  };
  return html`<section class=${`tenant-picker ${tenantId ? 'picked' : ''}`} aria-label="tenant filter" data-testid="tenant-picker">
    <label>Tenant
      <select name="tenant" value=${tenantId} onChange=${(e) => onChange(e.currentTarget.value)}>
        <option value="">All tenants</option>
        ${choices.map((id) => html`<option value=${id}>${id}</option>`)}
      </select>
    </label>
    <form class="tenant-typed" onSubmit=${submit}>
      <input name="tenantId" placeholder="or type a tenant id…" aria-label="Tenant id" autocomplete="off" spellcheck="false"
        value=${typed} onInput=${(e) => setTyped(e.currentTarget.value)} />
      <button type="submit" class="secondary">Show</button>
    </form>
    ${problem && html`<span class="search-problem" role="alert">${problem}</span>`}
    <span class="muted" data-testid="tenant-scope">${tenantId
      ? html`Showing tenant <b>${tenantId}</b> only: figures, recent events and job lists. Processors, charts, schedules and queue depths are fleet-wide.`
      : 'Showing every tenant.'}</span>
    ${tenantId && html`<button type="button" class="secondary" onClick=${() => onChange('')}>Show all tenants</button>`}
  </section>`;
}
