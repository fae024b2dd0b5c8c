/** @module The report section of the tracing-cost measure: processor CPU per job with tracing off and on. */
import type { TracingCostRun } from '../measures/tracing-cost.js';
import type { Report } from './report.js';
import { table } from './report.js';
import { fmt, fmtSpread, median, spread } from './stats.js';

export function reportTracing(report: Report, runs: readonly TracingCostRun[]): void {
  const of = (mode: TracingCostRun['mode']) => runs.filter((run) => run.mode === mode);
  const off = of('off');
  const on = of('on');
  const row = (label: string, set: readonly TracingCostRun[]) => {
    const cpu = fmtSpread(spread(set.map((r) => r.cpuMsPerJob)), ' ms');
    const rate = fmtSpread(spread(set.map((r) => r.jobsPerSecond)), ' jobs/s');
    const exports = set.length > 0 ? `${fmt(median(set.map((r) => r.exports)))} requests, ${fmt(median(set.map((r) => r.exportedBytes / r.jobs)))} B/job` : '—';
    return [label, String(set.length), `${cpu.median} (${cpu.spread})`, `${rate.median} (${rate.spread})`, exports];
  };
  const section = report.section('Tracing cost (processor CPU per job)');
  section.lines.push(
    `${runs[0]?.jobs ?? 0} no-op jobs through one processor at concurrency 8, per run; CPU time of the processor process (user + system, /proc) from release to the last completion. "On" exports every span over OTLP/HTTP (protobuf) to a receiver in the bench process that discards them; "off" sets no OTEL_* variable, so nothing of OpenTelemetry is loaded.`,
    '',
    ...table(['tracing', 'runs', 'CPU per job, median (min–max)', 'jobs/s', 'exported'], [row('off', off), row('on, to a local receiver', on)]),
  );
  if (off.length > 0 && on.length > 0) {
    const extra = median(on.map((r) => r.cpuMsPerJob)) - median(off.map((r) => r.cpuMsPerJob));
    section.lines.push('', `Tracing on costs ${fmt(extra)} ms of processor CPU per job more (${fmt((100 * extra) / median(off.map((r) => r.cpuMsPerJob)))}%).`);
    report.headline({ measure: 'processor CPU per job, tracing off → on', median: `${fmt(median(off.map((r) => r.cpuMsPerJob)))} → ${fmt(median(on.map((r) => r.cpuMsPerJob)))} ms`, spread: '—', target: '—', met: undefined });
  }
}
