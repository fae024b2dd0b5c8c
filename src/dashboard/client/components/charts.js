/**
 * @module Charts over the last hour or day, from `/api/charts` (the processors' per-minute roll-up): completed
 * and failed per minute by type, queue wait and run time percentiles, dead-lettered per hour. Drawn by uPlot.
 */
import { useMemo, useState } from 'preact/hooks';
import uPlot from 'uplot';
import { html } from '../html.js';
import { usePolled } from '../live.js';
import { formatDuration } from '../format.js';
import { UPlotChart } from './uplot-chart.js';

const PALETTE = ['#2563eb', '#16a34a', '#f59e0b', '#db2777', '#0891b2', '#7c3aed', '#65a30d', '#ea580c'];
const PERCENTILES = [['p50', '#0ea5e9'], ['p95', '#f59e0b'], ['p99', '#dc2626']];
const sum = (values) => values.reduce((total, v) => total + (v ?? 0), 0);
const msAxis = { values: (_u, ticks) => ticks.map((ms) => formatDuration(ms)), size: 70 };

function byType(series, types, minutes) {
  return {
    options: { series: [{}, ...types.map((type, i) => ({ label: type, stroke: PALETTE[i % PALETTE.length], width: 1.5 }))], axes: [{ space: 70 }, { size: 50 }], scales: { x: { time: true } } },
    data: [minutes, ...types.map((type) => series[type])],
    total: sum(types.flatMap((type) => series[type])),
  };
}

function percentiles(figures, minutes) {
  return {
    options: { series: [{}, ...PERCENTILES.map(([key, color]) => ({ label: key, stroke: color, width: 1.5, spanGaps: true, points: { show: true, size: 5, fill: color }, value: (_u, v) => (v == null ? '—' : formatDuration(v)) }))], axes: [{ space: 70 }, msAxis], scales: { x: { time: true } } },
    data: [minutes, ...PERCENTILES.map(([key]) => figures[key])],
    total: figures.p50.filter((v) => v !== null).length,
  };
}

function deadPerHour(dead) {
  return {
    options: { series: [{}, { label: 'dead-lettered', stroke: '#7c3aed', fill: 'rgba(124, 58, 237, 0.35)', paths: uPlot.paths.bars({ size: [0.6, 40] }) }], axes: [{ space: 70 }, { size: 50 }], scales: { x: { time: true } } },
    data: [dead.hours, dead.counts],
    total: sum(dead.counts),
  };
}

function Chart({ title, chart, testid, empty }) {
  return html`<figure class="chart-card">
    <figcaption>${title}</figcaption>
    <${UPlotChart} options=${chart.options} data=${chart.data} testid=${testid} total=${chart.total} />
    ${chart.total === 0 && html`<div class="chart-empty">${empty}</div>`}
  </figure>`;
}

export function Charts({ tenantId = '' }) {
  const [range, setRange] = useState('1h');
  const { data, failed } = usePolled(`/api/charts?range=${range}`, range === '1h' ? 15_000 : 60_000);
  const charts = useMemo(() => {
    if (!data || data.range !== range) return undefined;
    const types = data.types.length > 0 ? data.types : [];
    return {
      completed: byType(data.completed, types, data.minutes),
      failed: byType(data.failed, types, data.minutes),
      wait: percentiles(data.wait, data.minutes),
      run: percentiles(data.run, data.minutes),
      dead: deadPerHour(data.deadLettered),
    };
  }, [data, range]);
  return html`<section class="charts" aria-label="charts" data-testid="charts">
    <div class="section-head">
      <h2>Charts</h2>
      <div class="range" role="group" aria-label="time range">
        ${['1h', '24h'].map((r) => html`<button class=${r === range ? 'range-on' : 'secondary'} aria-pressed=${r === range} onClick=${() => setRange(r)}>${r === '1h' ? 'Last hour' : 'Last 24 hours'}</button>`)}
      </div>
      <span class="muted">per minute, from the processors' heartbeats${tenantId ? ' · every tenant: the roll-up is not kept by tenant' : ''}</span>
      ${failed && html`<span class="stale">not updating: the server did not answer</span>`}
    </div>
    ${charts
      ? html`<div class="chart-grid">
          <${Chart} title="Completed per minute, by type" chart=${charts.completed} testid="chart-completed" empty="No job completed in this range." />
          <${Chart} title="Failed per minute, by type" chart=${charts.failed} testid="chart-failed" empty="No attempt failed in this range." />
          <${Chart} title="Queue wait (Queued → Started), percentiles" chart=${charts.wait} testid="chart-wait" empty="No first attempt started in this range." />
          <${Chart} title="Run time (Started → end), percentiles" chart=${charts.run} testid="chart-run" empty="No attempt ended in this range." />
          <${Chart} title="Dead-lettered per hour" chart=${charts.dead} testid="chart-dead" empty="Nothing dead-lettered in this range." />
        </div>`
      : html`<div class="muted">Loading…</div>`}
  </section>`;
}
