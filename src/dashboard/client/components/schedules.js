/** @module Schedules: each recurring job with its next runs and its last runs with their outcome (text, never markup). */
import { useEffect, useState } from 'preact/hooks';
import { html } from '../html.js';
import { getJSON } from '../api.js';
import { formatClock } from '../format.js';
import { StatusBadge } from './status-badge.js';

const REFRESH_MS = 10_000;
const LAST_SHOWN = 3;

/** The latest status of each run's job (its jobId is `<schedule>:<due time>`). */
async function withOutcomes(schedules) {
  return Promise.all(
    schedules.map(async (schedule) => {
      const runs = await Promise.all(
        schedule.lastRuns.slice(0, LAST_SHOWN).map(async (dueAt) => {
          const jobId = `${schedule.name}:${dueAt}`;
          const events = await getJSON(`/api/jobs/${encodeURIComponent(jobId)}`).catch(() => []);
          const last = [...events].reverse().find((e) => e.status !== 'Step');
          return { dueAt, jobId, status: last ? last.status : 'Queued' };
        }),
      );
      return { ...schedule, runs };
    }),
  );
}

export function Schedules({ onOpenJob }) {
  const [schedules, setSchedules] = useState(undefined);
  useEffect(() => {
    let stopped = false;
    const load = () => getJSON('/api/schedules').then(withOutcomes).then((s) => !stopped && setSchedules(s), () => undefined);
    load();
    const timer = window.setInterval(load, REFRESH_MS);
    return () => {
      stopped = true;
      window.clearInterval(timer);
    };
  }, []);
  if (!schedules || schedules.length === 0) return null;
  return html`<section class="recent" aria-label="schedules">
    <div class="section-head"><h2>Schedules</h2></div>
    <div class="table-wrap"><table class="events" data-testid="schedules">
      <thead><tr><th>Schedule</th><th>Cron</th><th>Next runs</th><th>Last runs</th></tr></thead>
      <tbody>
        ${schedules.map(
          (s) => html`<tr key=${s.name}>
            <td class="mono">${s.name}${s.paused ? html` <span class="muted">(paused)</span>` : ''}</td>
            <td class="mono">${s.cron}${s.timeZone ? ` · ${s.timeZone}` : ''}</td>
            <td class="mono">${s.nextRuns.slice(0, 3).map((run) => html`<div title=${run}>${formatClock(run)}</div>`)}</td>
            <td>${s.runs.length === 0
              ? html`<span class="muted">none yet</span>`
              : s.runs.map((run) => html`<div>
                  <button type="button" class="link job-id" onClick=${() => onOpenJob(run.jobId)} title=${run.jobId}>${formatClock(run.dueAt)}</button>
                  <${StatusBadge} status=${run.status} asJobState=${true} />
                </div>`)}</td>
          </tr>`,
        )}
      </tbody>
    </table></div>
  </section>`;
}
