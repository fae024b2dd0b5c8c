/** @module The tenants with limits or throttled jobs: each one's limits and current use (polls /api/tenants). */
import { useEffect, useState } from 'preact/hooks';
import { html } from '../html.js';
import { getJSON } from '../api.js';

function useTenants(intervalMs = 10_000) {
  const [tenants, setTenants] = useState([]);
  useEffect(() => {
    let timer;
    let stopped = false;
    const poll = async () => {
      try {
        setTenants(await getJSON('/api/tenants'));
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
  }, [intervalMs]);
  return tenants;
}

const shown = (value) => (value === null || value === undefined ? '—' : String(value));
const limit = (value, own) => `${value === null ? 'none' : value}${own ? '' : ' (default)'}`;

export function TenantsTable() {
  const tenants = useTenants();
  if (tenants.length === 0) return null;
  return html`<section class="tenants" aria-label="tenants">
    <div class="section-head"><h2>Tenants</h2></div>
    <div class="table-wrap"><table class="events tenants-table" data-testid="tenants">
      <thead><tr><th>tenant</th><th>concurrency</th><th>rate</th><th>running</th><th>starts in window</th><th>throttled waiting</th></tr></thead>
      <tbody>
        ${tenants.map((t) => html`<tr key=${t.tenantId}>
          <td>${t.tenantId}</td><td>${limit(t.limits.concurrency, t.overrides.concurrency)}</td><td>${limit(t.limits.rate, t.overrides.rate)}</td>
          <td>${shown(t.use.running)}</td><td>${shown(t.use.startsInWindow)}</td><td>${t.use.throttledWaiting}</td>
        </tr>`)}
      </tbody>
    </table></div>
  </section>`;
}
