/**
 * @module The tenants with limits, throttled jobs or jobs running: each one's limits and current use (running
 * now, starts in the rate window, throttled waiting), polled from /api/tenants. A picked tenant is always
 * shown (from /api/tenants/{id} when the list does not hold it) and highlighted; a row's name picks it.
 */
import { useEffect, useState } from 'preact/hooks';
import { html } from '../html.js';
import { getJSON } from '../api.js';

function useTenants(tenantId, onTenants, intervalMs = 10_000) {
  const [tenants, setTenants] = useState([]);
  useEffect(() => {
    let timer;
    let stopped = false;
    const poll = async () => {
      try {
        const all = await getJSON('/api/tenants');
        const picked = tenantId && !all.some((t) => t.tenantId === tenantId) ? [await getJSON(`/api/tenants/${encodeURIComponent(tenantId)}`)] : [];
        if (!stopped) {
          setTenants([...all, ...picked]);
          onTenants?.(all.map((t) => t.tenantId));
        }
      } catch {
        // Keep the last answer: the snapshot already says when the server does not answer.
      }
      if (!stopped) timer = setTimeout(poll, intervalMs);
    };
    poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [tenantId, intervalMs]);
  return tenants;
}

const shown = (value, none = '—') => (value === null || value === undefined ? none : String(value));
const limit = (value, own) => `${value === null ? 'none' : value}${own ? '' : ' (default)'}`;

export function TenantsTable({ tenantId = '', onPick, onTenants }) {
  const tenants = useTenants(tenantId, onTenants);
  if (tenants.length === 0) return null;
  return html`<section class="tenants" aria-label="tenants">
    <div class="section-head"><h2>Tenants</h2><span class="muted">limits and use now; pick a tenant to see only its jobs</span></div>
    <div class="table-wrap"><table class="events tenants-table" data-testid="tenants">
      <thead><tr><th>tenant</th><th>concurrency</th><th>rate</th><th>running now</th><th>starts in window</th><th>throttled waiting</th></tr></thead>
      <tbody>
        ${tenants.map((t) => html`<tr key=${t.tenantId} class=${t.tenantId === tenantId ? 'picked' : ''} data-tenant-id=${t.tenantId}>
          <td><button type="button" class="link" onClick=${() => onPick?.(t.tenantId === tenantId ? '' : t.tenantId)}
            title=${t.tenantId === tenantId ? 'Show every tenant' : 'Show only this tenant'}>${t.tenantId}</button></td>
          <td>${limit(t.limits.concurrency, t.overrides.concurrency)}</td><td>${limit(t.limits.rate, t.overrides.rate)}</td>
          <td data-testid="tenant-running">${shown(t.use.running)}</td><td>${shown(t.use.startsInWindow, 'no rate limit')}</td><td>${t.use.throttledWaiting}</td>
        </tr>`)}
      </tbody>
    </table></div>
  </section>`;
}
