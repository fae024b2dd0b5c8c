/**
 * @module The dashboard page: the tenant picker, snapshot figures, tenants, the processors, live recent events,
 * job lists (with the operator's actions), charts, schedules, and the job panel (#job=<id>).
 */
import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import { html } from './html.js';
import { getJSON } from './api.js';
import { useLiveEvents, useStats } from './live.js';
import { Header } from './components/header.js';
import { Snapshot } from './components/snapshot.js';
import { Controls, ROW_CHOICES } from './components/controls.js';
import { EventsTable } from './components/events-table.js';
import { JobPanel } from './components/job-panel.js';
import { TenantsTable } from './components/tenants-table.js';
import { Schedules } from './components/schedules.js';
import { Processors } from './components/processors.js';
import { Charts } from './components/charts.js';
import { SignInForm } from './components/sign-in.js';
import { JobLists } from './components/job-lists.js';
import { TenantPicker, loadTenant, saveTenant } from './components/tenant-picker.js';

const CONTROLS_KEY = 'baton.controls';
const DEFAULT_CONTROLS = { rows: 25, status: '', hideCompleted: false };

function loadControls() {
  try {
    const saved = JSON.parse(window.localStorage.getItem(CONTROLS_KEY) || '{}');
    const rows = ROW_CHOICES.includes(saved.rows) ? saved.rows : DEFAULT_CONTROLS.rows;
    return { rows, status: typeof saved.status === 'string' ? saved.status : '', hideCompleted: saved.hideCompleted === true };
  } catch {
    return { ...DEFAULT_CONTROLS };
  }
}

function jobFromHash() {
  const match = /^#job=(.+)$/.exec(location.hash);
  if (!match) return undefined;
  try {
    return decodeURIComponent(match[1]);
  } catch {
    return undefined;
  }
}

function useSelectedJob() {
  const [jobId, setJobId] = useState(jobFromHash);
  useEffect(() => {
    const onHash = () => setJobId(jobFromHash());
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  const open = useCallback((id) => {
    location.hash = `job=${encodeURIComponent(id)}`;
  }, []);
  const close = useCallback(() => {
    history.replaceState(null, '', location.pathname + location.search);
    setJobId(undefined);
  }, []);
  return [jobId, open, close];
}

/** The rows to show: newest first, filtered by status and (optionally) without the events of completed jobs. */
function visibleEvents(events, controls) {
  const completed = new Set(events.filter((event) => event.status === 'Completed').map((event) => event.jobId));
  return events
    .filter((event) => !controls.status || event.status === controls.status)
    .filter((event) => !controls.hideCompleted || !completed.has(event.jobId));
}

export function App() {
  const [info, setInfo] = useState(undefined);
  const [controls, setControls] = useState(loadControls);
  const [tenantId, setTenantId] = useState(loadTenant);
  const { events, connection, fresh, touched } = useLiveEvents(tenantId);
  const { stats, failed } = useStats(tenantId);
  const [jobId, openJob, closeJob] = useSelectedJob();
  const [knownTenants, setKnownTenants] = useState([]);
  const pickTenant = (next) => {
    saveTenant(next);
    setTenantId(next);
  };

  useEffect(() => {
    getJSON('/api/info').then(setInfo, () => undefined);
  }, []);
  const changeControls = (next) => {
    setControls(next);
    window.localStorage.setItem(CONTROLS_KEY, JSON.stringify(next));
  };
  // Tenants to offer: those /api/tenants lists (the tenants table reports them) and those seen in events.
  const seenTenants = useMemo(() => [...new Set(events.map((e) => e.tenantId).filter(Boolean))], [events]);
  const tenantChoices = useMemo(() => [...new Set([...knownTenants, ...seenTenants])], [knownTenants, seenTenants]);
  const names = useMemo(() => new Map(events.filter((e) => e.jobName).map((e) => [e.jobId, e.jobName])), [events]);
  const matching = useMemo(() => visibleEvents(events, controls), [events, controls]);
  const shown = matching.slice(0, controls.rows);
  const emptyText = events.length === 0
    ? tenantId ? `No events of tenant ${tenantId}'s jobs in the last 24 hours.` : 'No events yet. Publish a job and it appears here as it happens.'
    : 'No events match these filters.';

  return html`<div class=${`layout ${jobId ? 'with-panel' : ''}`}>
    <${Header} info=${info} connection=${connection} onOpenJob=${openJob} />
    ${info?.readsNeedToken && !info.caller
      ? html`<main><${SignInForm} prompt="This dashboard needs a token to show its jobs. Sign in with a viewer's or an operator's token." /></main>`
      : html`<main>
      <${TenantPicker} tenantId=${tenantId} known=${tenantChoices} onChange=${pickTenant} />
      <${Snapshot} stats=${stats} failed=${failed} tenantId=${tenantId} />
      <${TenantsTable} tenantId=${tenantId} onPick=${pickTenant} onTenants=${setKnownTenants} />
      <${Processors} onOpenJob=${openJob} />
      <section class="recent" aria-label="recent events">
        <div class="section-head">
          <h2>Recent events${tenantId ? ` · tenant ${tenantId}` : ''}</h2>
          <${Controls} controls=${controls} onChange=${changeControls} shown=${shown.length} total=${events.length} />
        </div>
        <${EventsTable} events=${shown} names=${names} fresh=${fresh} onOpenJob=${openJob} emptyText=${emptyText} />
      </section>
      <${JobLists} onOpenJob=${openJob} tenantId=${tenantId} info=${info} />
      <${Charts} tenantId=${tenantId} />
      <${Schedules} onOpenJob=${openJob} />
      <footer class="footer">
        REST API: <a href="/api/jobs">/api/jobs</a> · <a href="/api/docs">API reference</a> · <a href="/health">health</a> · <a href="/metrics">metrics</a>
      </footer>
    </main>`}
    ${jobId && html`<${JobPanel} jobId=${jobId} touched=${touched} onClose=${closeJob} info=${info} />`}
  </div>`;
}
