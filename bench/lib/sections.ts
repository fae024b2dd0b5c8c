/** @module Turns each measure's raw runs into its Markdown section and headline rows. */
import type { RawRates } from '../measures/limits.js';
import type { BatonRun, ThroughputRun } from '../measures/throughput.js';
import type { FailoverRun } from '../measures/failover.js';
import type { ScaleRun } from '../measures/scale.js';
import type { QuerySamples } from '../measures/audit-queries.js';
import type { ProfileSummary } from '../measures/profile.js';
import { SCHEDULE_DELAYS_MS, type ScheduleRun } from '../measures/schedule.js';
import { DELAY_LEVELS } from '../../src/broker/delay-infrastructure.js';
import { reportCapacity } from './capacity.js';
import { ceiling, SEED_REQUESTS_PER_JOB } from './ceiling.js';
import { addCounts } from './processes.js';
import type { Report } from './report.js';
import { table } from './report.js';
import { fmt, fmtSpread, median, quantile, spread } from './stats.js';

export interface CoreRound {
  readonly raw: RawRates;
  publishRate?: number;
  readonly baton: BatonRun[];
  seed?: ThroughputRun;
  bullmq?: ThroughputRun;
}

/** Index rows a no-op job adds on the processor side: Started, Step and Completed. */
const INDEX_ROWS_PER_JOB = 3;

const total = (counts: ReadonlyMap<string, number>) => [...counts.values()].reduce((a, b) => a + b, 0);
const perJob = (counts: ReadonlyMap<string, number>, jobs: number) => new Map([...counts].map(([k, v]) => [k, v / jobs]));
const cell = (values: number[], unit = '', digits = 3) => {
  const s = fmtSpread(spread(values), unit, digits);
  return [s.median, s.spread];
};
/** `median (min–max)` in one cell. */
const inline = (values: number[], unit = '') => {
  const [m, range] = cell(values, unit);
  return `${m} (${range})`;
};

export function reportLimits(report: Report, rounds: CoreRound[]): void {
  const section = report.section('3. Limits of the infrastructure (same rounds)');
  const rows: Array<[string, (raw: RawRates) => number]> = [
    ['RabbitMQ confirmed persistent publishes/s (1,000 unconfirmed)', (r) => r.publish],
    ['RabbitMQ consumes+acks/s (prefetch 1,000)', (r) => r.consume],
    ['Azurite blob creates/s', (r) => r.blobCreate],
    ['Azurite lease acquire+release cycles/s', (r) => r.leaseCycle],
    ['Azurite lock lifecycles/s (create + acquire + delete with lease)', (r) => r.lockLifecycle],
    ['Azurite single-entity inserts/s', (r) => r.insert],
    ['Azurite 2-entity transactions/s', (r) => r.tx2],
    ['Azurite entities/s in 100-entity transactions', (r) => r.batchEntities],
  ];
  section.lines.push(
    'Plain clients, no Baton code; Azurite measured with 32 requests in flight.',
    '',
    ...table(['raw ceiling', 'median', 'spread'], rows.map(([label, get]) => [label, ...cell(rounds.map((r) => get(r.raw)))])),
  );
}

export function reportThroughput(report: Report, rounds: CoreRound[], jobs: number): void {
  const concurrencies = [...new Set(rounds.flatMap((r) => r.baton.map((b) => b.concurrency)))];
  const runsAt = (c: number) => rounds.flatMap((r) => r.baton.filter((b) => b.concurrency === c));
  const allRuns = rounds.flatMap((r) => r.baton);

  // Measure 1.
  const requests = report.section(`1. Storage requests per no-op job (${jobs} jobs per run, 2 processors)`);
  const totals = allRuns.map((b) => (total(b.processorRequests) + total(b.publisherRequests)) / b.jobs);
  requests.lines.push(
    'Counted by the request counter in every storage client (processors: `baton_storage_requests_total` on /metrics, before and after;',
    'publisher: its in-process counter around publishing). Jobs are `steps` with 1 step of 0 ms; nothing else runs in the namespace.',
    '',
    ...table(['processor concurrency', 'processor side', 'publisher side', 'total per job'], concurrencies.map((c) => {
      const runs = runsAt(c);
      return [String(c), inline(runs.map((b) => total(b.processorRequests) / b.jobs)), inline(runs.map((b) => total(b.publisherRequests) / b.jobs)), inline(runs.map((b) => (total(b.processorRequests) + total(b.publisherRequests)) / b.jobs))];
    })),
    '',
    'Per operation (median per job over the rounds):',
    '',
  );
  const ops = new Map<string, Map<number, number[]>>();
  for (const b of allRuns) {
    for (const [side, counts] of [['processor', b.processorRequests], ['publisher', b.publisherRequests]] as const) {
      for (const [op, n] of counts) {
        const key = `${side}: ${op}`;
        const byC = ops.get(key) ?? new Map<number, number[]>();
        byC.set(b.concurrency, [...(byC.get(b.concurrency) ?? []), n / b.jobs]);
        ops.set(key, byC);
      }
    }
  }
  requests.lines.push(...table(['side: service.operation', ...concurrencies.map((c) => `c=${c}`)], [...ops.keys()].sort().map((key) => [key, ...concurrencies.map((c) => fmt(median(ops.get(key)!.get(c) ?? [0]), 3))])));
  const outcomes = addCounts(new Map(), {});
  for (const b of allRuns) addCounts(outcomes, b.outcomes);
  requests.lines.push('', `Delivery outcomes over all runs: ${[...outcomes].filter(([, n]) => n > 0).map(([o, n]) => `${o} ${n}`).join(', ')}.`);
  const t = fmtSpread(spread(totals), '', 3);
  report.headline({ measure: '1. storage requests per no-op job, incl. Queued (all concurrencies)', median: t.median, spread: t.spread, target: '≤ 5', met: median(totals) <= 5 });
  reportCapacity(report, median(totals));

  // Measure 2 (and the ceiling part of 3).
  const thr = report.section('2. Throughput of no-op jobs');
  const ratio = (a: number | undefined, b: number | undefined) => (a && b ? a / b : Number.NaN);
  const rows: string[][] = [];
  const seedRates = rounds.map((r) => r.seed?.jobsPerSecond ?? Number.NaN);
  const seedCeilings = rounds.map((r) => ceiling(SEED_REQUESTS_PER_JOB, r.raw).jobsPerSecond);
  const cpu = (run: ThroughputRun | undefined) => run?.cpuMsPerJob ?? Number.NaN;
  const storeCpu = (run: ThroughputRun | undefined) => run?.storeCpuMsPerJob ?? Number.NaN;
  rows.push(['seed design (bench/seed-design.ts), 2 workers × 1', ...cell(seedRates), '1', inline(rounds.map((r, i) => (r.seed?.jobsPerSecond ?? Number.NaN) / seedCeilings[i]!)), inline(rounds.map((r) => cpu(r.seed))), inline(rounds.map((r) => storeCpu(r.seed)))]);
  for (const c of concurrencies) {
    const perRound = rounds.map((r) => r.baton.find((b) => b.concurrency === c));
    const fractions = rounds.map((r, i) => {
      const b = perRound[i];
      return b ? b.jobsPerSecond / ceiling(perJob(b.processorRequests, b.jobs), r.raw, { indexRowsPerJob: INDEX_ROWS_PER_JOB }).jobsPerSecond : Number.NaN;
    });
    rows.push([`Baton, 2 processors × ${c}`, ...cell(perRound.map((b) => b?.jobsPerSecond ?? Number.NaN)), inline(rounds.map((r, i) => ratio(perRound[i]?.jobsPerSecond, r.seed?.jobsPerSecond)), '×'), inline(fractions), inline(perRound.map((b) => cpu(b))), inline(perRound.map((b) => storeCpu(b)))]);
  }
  rows.push(['BullMQ (local Redis), 1 worker × 16, 2 × job.log', ...cell(rounds.map((r) => r.bullmq?.jobsPerSecond ?? Number.NaN)), inline(rounds.map((r) => ratio(r.bullmq?.jobsPerSecond, r.seed?.jobsPerSecond)), '×'), '—', inline(rounds.map((r) => cpu(r.bullmq))), inline(rounds.map((r) => storeCpu(r.bullmq)))]);
  thr.lines.push(
    `${jobs} jobs per run, queued while the workers were paused, then released at once. jobs/s = jobs / (last Completed − first Started), read from what each system stored.`,
    'Ratios are taken per round (same round, same load on the machine), then the median; fraction of ceiling = jobs/s over the ceiling implied by that system\'s own request mix and the same round\'s raw rates (section 3).',
    '',
    'CPU ms per job = CPU time of the processes doing the work during the run (workers + Azurite; BullMQ: worker + Redis; RabbitMQ excluded), over the jobs: it hardly depends on what else the machine is doing.',
    '',
    ...table(['system', 'jobs/s median', 'spread', 'ratio to seed (spread)', 'fraction of its ceiling (spread)', 'CPU ms per job (spread)', 'of which the store: Azurite / Redis'], rows),
  );
  const ceilings = concurrencies.map((c) => {
    const values = rounds.map((r) => {
      const b = r.baton.find((x) => x.concurrency === c);
      return b ? ceiling(perJob(b.processorRequests, b.jobs), r.raw, { indexRowsPerJob: INDEX_ROWS_PER_JOB }).jobsPerSecond : Number.NaN;
    });
    return `c=${c}: ${fmt(median(values))} jobs/s`;
  });
  thr.lines.push('', `Implied ceilings (median): seed ${fmt(median(seedCeilings))} jobs/s; Baton ${ceilings.join(', ')} (Azurite-bound in every case; RabbitMQ's consume ceiling is far above).`);

  const lowest = Math.min(...concurrencies);
  const batonVsSeed = rounds.map((r) => ratio(r.baton.find((b) => b.concurrency === lowest)?.jobsPerSecond, r.seed?.jobsPerSecond));
  const s1 = fmtSpread(spread(batonVsSeed), '×');
  report.headline({ measure: `2. throughput, Baton 2×${lowest} ÷ seed design 2×1 (same round)`, median: s1.median, spread: s1.spread, target: '≥ 1×', met: median(batonVsSeed) >= 1 });
  const cpuRatio = rounds.map((r) => ratio(r.seed?.cpuMsPerJob, r.baton.find((b) => b.concurrency === lowest)?.cpuMsPerJob));
  const sc = fmtSpread(spread(cpuRatio), '×');
  report.headline({ measure: `2. CPU per job, seed design ÷ Baton 2×${lowest} (above 1: Baton cheaper)`, median: sc.median, spread: sc.spread, target: 'report', met: undefined });
  // Issue 15's third target: what the store spends on a job, Baton's against the seed design's, in the same round.
  for (const c of [...new Set([lowest, concurrencies.includes(8) ? 8 : Math.max(...concurrencies)])]) {
    const storeRatio = rounds.map((r) => ratio(r.baton.find((b) => b.concurrency === c)?.storeCpuMsPerJob, r.seed?.storeCpuMsPerJob));
    const st = fmtSpread(spread(storeRatio), '×');
    report.headline({ measure: `2. Azurite CPU per job, Baton 2×${c} ÷ seed design 2×1 (same round)`, median: st.median, spread: st.spread, target: '≤ 1×', met: median(storeRatio) <= 1 });
  }
  const best = Math.max(...concurrencies);
  const bestVsSeed = rounds.map((r) => ratio(r.baton.find((b) => b.concurrency === best)?.jobsPerSecond, r.seed?.jobsPerSecond));
  const s2 = fmtSpread(spread(bestVsSeed), '×');
  report.headline({ measure: `2. throughput, Baton 2×${best} ÷ seed design 2×1`, median: s2.median, spread: s2.spread, target: '≥ 1×', met: median(bestVsSeed) >= 1 });
  const mid = concurrencies.includes(8) ? 8 : best;
  const vsBull = rounds.map((r) => ratio(r.baton.find((b) => b.concurrency === mid)?.jobsPerSecond, r.bullmq?.jobsPerSecond));
  const s3 = fmtSpread(spread(vsBull), '×');
  report.headline({ measure: `2. throughput, Baton 2×${mid} ÷ BullMQ 1×16 (same round)`, median: s3.median, spread: s3.spread, target: 'report', met: undefined });
  const fractionsBest = rounds.map((r) => {
    const b = r.baton.find((x) => x.concurrency === best);
    return b ? b.jobsPerSecond / ceiling(perJob(b.processorRequests, b.jobs), r.raw, { indexRowsPerJob: INDEX_ROWS_PER_JOB }).jobsPerSecond : Number.NaN;
  });
  const s4 = fmtSpread(spread(fractionsBest));
  report.headline({ measure: `3. Baton 2×${best} throughput ÷ ceiling of its request mix`, median: s4.median, spread: s4.spread, target: 'report', met: undefined });
}

export function reportPublish(report: Report, rounds: CoreRound[], count: number): void {
  const rates = rounds.map((r) => r.publishRate ?? Number.NaN);
  const fractions = rounds.map((r) => (r.publishRate ?? Number.NaN) / Math.min(r.raw.publish, r.raw.insert));
  const section = report.section('8. Bulk publish with Queued events');
  section.lines.push(
    `\`baton publish --count ${count}\` as the command runs it (runPublish: 256 in flight; each job confirmed, then its Queued event inserted), no processors running.`,
    'Fraction = jobs/s ÷ min(raw confirmed publishes/s, raw single-entity inserts/s) of the same round.',
    '',
    ...table(['figure', 'median', 'spread'], [
      ['jobs confirmed + Queued per second', ...cell(rates)],
      ['fraction of min(raw publish, raw insert)', ...cell(fractions)],
    ]),
  );
  const s = fmtSpread(spread(fractions));
  report.headline({ measure: '8. bulk publish rate ÷ min(raw publish, raw insert)', median: s.median, spread: s.spread, target: '≥ 0.8', met: median(fractions) >= 0.8 });
}

export function reportDispatch(report: Report, rounds: number[][]): void {
  const p50s = rounds.map((r) => quantile(r, 0.5));
  const p99s = rounds.map((r) => quantile(r, 0.99));
  const section = report.section('4. Dispatch latency, publish confirmed → Started (idle system)');
  section.lines.push(
    `One processor (concurrency 1), ${rounds[0]?.length ?? 0} jobs per round published one at a time, each after the previous completed. Latency = Started timestamp − Queued timestamp (stamped by the publisher right after the confirm).`,
    '',
    ...table(['figure', 'median over rounds', 'spread'], [
      ['p50', ...cell(p50s, ' ms')],
      ['p99', ...cell(p99s, ' ms')],
      ['max', ...cell(rounds.map((r) => Math.max(...r)), ' ms')],
    ]),
  );
  const s = fmtSpread(spread(p50s), ' ms');
  report.headline({ measure: '4. dispatch latency p50, confirmed → Started', median: s.median, spread: s.spread, target: '< 20 ms', met: median(p50s) < 20 });
  const s99 = fmtSpread(spread(p99s), ' ms');
  report.headline({ measure: '4. dispatch latency p99', median: s99.median, spread: s99.spread, target: 'report', met: undefined });
}

export function reportFailover(report: Report, runs: FailoverRun[]): void {
  const seconds = runs.map((r) => r.failoverMs / 1000);
  const section = report.section('5. Failover after SIGKILL (lease 15 s, renew 5 s)');
  section.lines.push(
    'Two processors; one job of 200 × 1 s steps; the processor running it is SIGKILLed; figure = kill → Started of the next attempt on the other processor.',
    '',
    ...table(['run', 'killed after Started', 'failover', 'Deferred events meanwhile'], runs.map((r, i) => [String(i + 1), `${fmt(r.killAfterMs / 1000)} s`, `${fmt(r.failoverMs / 1000)} s`, String(r.deferrals)])),
  );
  const s = fmtSpread(spread(seconds), ' s');
  report.headline({ measure: '5. failover, SIGKILL → Started elsewhere', median: s.median, spread: s.spread, target: '≤ 17 s', met: median(seconds) <= 17 });
}

export function reportScale(report: Report, runs: ScaleRun[]): void {
  const section = report.section(`7. One processor with ${runs[0]?.jobs ?? 0} long jobs in flight (lease 15 s, renew 5 s)`);
  const sites = new Map<string, number[]>();
  for (const run of runs) for (const [site, n] of Object.entries(run.timersBySite)) sites.set(site, [...(sites.get(site) ?? []), n]);
  section.lines.push(
    'Resident memory and live timers come from a probe preloaded into the processor (`node --import bench/probe.js`), which records the creator of every timer; renewals from `baton_lease_renewals_total` over the window.',
    '',
    ...table(['figure', 'median', 'spread'], [
      ['resident memory (MB)', ...cell(runs.map((r) => r.rssMb))],
      ['  idle, before the jobs (MB)', ...cell(runs.map((r) => r.idleRssMb))],
      ['  V8 heap used (MB)', ...cell(runs.map((r) => r.heapMb))],
      ['  after a full GC: resident (MB)', ...cell(runs.map((r) => r.rssAfterGcMb))],
      ['  after a full GC: live heap (MB)', ...cell(runs.map((r) => r.heapLiveMb))],
      ['live timers created by lease-manager.js', ...cell(runs.map((r) => r.renewalTimers))],
      ['all ref\'d timers in the process', ...cell(runs.map((r) => r.activeTimeouts))],
      ['lease renewals per second (Renewed)', ...cell(runs.map((r) => r.renewedPerSecond))],
      ['  expected: jobs ÷ renew period', ...cell(runs.map((r) => r.expectedPerSecond))],
      ['renewals Unknown / Lost (whole run)', `${fmt(median(runs.map((r) => r.unknown)))} / ${fmt(median(runs.map((r) => r.lost)))}`, `${fmt(Math.max(...runs.map((r) => r.unknown)))} / ${fmt(Math.max(...runs.map((r) => r.lost)))} max`],
      ['attempts ended by LeaseLost', ...cell(runs.map((r) => r.leaseLostEvents))],
    ]),
    '',
    `Live timers by creator (median): ${[...sites].sort((a, b) => median(b[1]) - median(a[1])).slice(0, 6).map(([site, n]) => `${site} ${fmt(median(n))}`).join('; ')}.`,
  );
  const rss = fmtSpread(spread(runs.map((r) => r.rssMb)), ' MB');
  report.headline({ measure: '7. resident memory, 500 jobs in flight', median: rss.median, spread: rss.spread, target: '< 200 MB', met: median(runs.map((r) => r.rssMb)) < 200 });
  const timers = fmtSpread(spread(runs.map((r) => r.renewalTimers)));
  report.headline({ measure: '7. renewal timers, 500 jobs in flight', median: timers.median, spread: timers.spread, target: 'constant (1)', met: Math.max(...runs.map((r) => r.renewalTimers)) <= 1 });
  const fraction = runs.map((r) => r.renewedPerSecond / r.expectedPerSecond);
  const rate = fmtSpread(spread(runs.map((r) => r.renewedPerSecond)), '/s');
  const missed = runs.some((r) => r.lost > 0 || r.leaseLostEvents > 0);
  report.headline({ measure: '7. renewals per second (expected 100/s), none missed', median: rate.median, spread: rate.spread, target: '= 100/s, 0 lost', met: !missed && median(fraction) >= 0.95 && median(fraction) <= 1.05 });
}

export interface AuditRound {
  readonly round: number;
  readonly events: number;
  readonly recent: QuerySamples;
  readonly job: QuerySamples;
  readonly rawRecent: number[];
  readonly rawJob: number[];
}

export function reportAudit(report: Report, rounds: AuditRound[], small: number, large: number): void {
  const section = report.section(`6. Audit queries with ${small.toLocaleString('en-US')} and ${large.toLocaleString('en-US')} events stored`);
  const at = (events: number) => rounds.filter((r) => r.events === events);
  const rows: string[][] = [];
  const ratios: Record<string, number[]> = {};
  for (const [label, pick, raw] of [
    ['GET /api/jobs', (r: AuditRound) => r.recent, (r: AuditRound) => r.rawRecent],
    ['GET /api/jobs/{id}', (r: AuditRound) => r.job, (r: AuditRound) => r.rawJob],
  ] as const) {
    for (const events of [small, large]) {
      const rs = at(events);
      rows.push([
        label, events.toLocaleString('en-US'),
        ...cell(rs.map((r) => quantile(pick(r).latenciesMs, 0.5)), ' ms'),
        ...cell(rs.map((r) => quantile(pick(r).latenciesMs, 0.99)), ' ms'),
        `${fmt(median(rs.map((r) => quantile(raw(r), 0.5))))} ms`,
        fmt(median(rs.map((r) => pick(r).storageRequestsPerCall))),
        String(median(rs.map((r) => pick(r).latenciesMs.length))),
      ]);
    }
    const byRound = (events: number) => new Map(at(events).map((r) => [r.round, r]));
    const s = byRound(small);
    const l = byRound(large);
    for (const q of [0.5, 0.99]) {
      ratios[`${label} p${q * 100}`] = [...l].map(([round, r]) => quantile(pick(r).latenciesMs, q) / quantile(pick(s.get(round)!).latenciesMs, q));
    }
  }
  section.lines.push(
    'Through the dashboard app (createApp over openDashboard, `app.request()`, no HTTP port); each on its own Azurite. "raw storage p50" is the same table query made directly with the SDK.',
    '',
    ...table(['endpoint', 'events stored', 'p50', 'p50 spread', 'p99', 'p99 spread', 'raw storage p50', 'storage requests per call', 'samples per round'], rows),
    '',
    ...table(['ratio large ÷ small (per round)', 'median', 'spread'], Object.entries(ratios).map(([label, values]) => [label, ...cell(values, '×')])),
  );
  for (const label of ['GET /api/jobs p50', 'GET /api/jobs p99', 'GET /api/jobs/{id} p50', 'GET /api/jobs/{id} p99']) {
    const values = ratios[label] ?? [];
    const s = fmtSpread(spread(values), '×');
    report.headline({ measure: `6. ${label}, ${large.toLocaleString('en-US')} ÷ ${small.toLocaleString('en-US')} events`, median: s.median, spread: s.spread, target: '≤ 1.5×', met: median(values) <= 1.5 });
  }
}

export function reportProfile(report: Report, profile: ProfileSummary & { jobsPerSecond: number }, jobs: number): void {
  const section = report.section('Profile of one processor (node --cpu-prof)');
  const pct = (ms: number) => `${((100 * ms) / profile.busyMs).toFixed(1)}%`;
  section.lines.push(
    `${jobs} no-op jobs at concurrency 16 (${fmt(profile.jobsPerSecond)} jobs/s including start-up); ${fmt(profile.busyMs)} ms busy of ${fmt(profile.totalMs)} ms profiled. Self time, as a share of busy time:`,
    '',
    ...table(['module', 'self time'], profile.byModule.map(([m, ms]) => [m, pct(ms)])),
    '',
    'The same self time charged to the nearest npm package or Baton file on the stack (what Node internals and built-ins did on its behalf):',
    '',
    ...table(['charged to', 'self time'], profile.byCaller.map(([m, ms]) => [m, pct(ms)])),
    '',
    ...table(['function (file:line)', 'self time'], profile.byFunction.map(([f, ms]) => [f.replace(/\|/g, '\\|'), pct(ms)])),
  );
}

export function reportSchedule(report: Report, runs: ScheduleRun[]): void {
  const section = report.section('9. Schedule precision, due time → Started (idle system), and the delay queue count');
  const samples = runs[0] ? Object.values(runs[0].lateness)[0]?.length ?? 0 : 0;
  section.lines.push(
    `One processor; ${samples} jobs per delay per round, published with \`delayMs\` and spaced 150 ms apart so they fall due one at a time. Lateness = Started timestamp − the due time the publisher recorded in Scheduled's \`dueAt\`. Then 1,000 jobs with random delays from 1 s to 30 days, and the namespace's queues as \`rabbitmqctl list_queues\` lists them.`,
    '',
    ...table(['delay', 'p50 (median over rounds)', 'p99 (median over rounds)', 'max'], SCHEDULE_DELAYS_MS.map((delayMs) => {
      const p50s = runs.map((r) => quantile(r.lateness[delayMs] ?? [], 0.5));
      const p99s = runs.map((r) => quantile(r.lateness[delayMs] ?? [], 0.99));
      return [`${delayMs / 1000} s`, `${fmt(median(p50s))} ms`, `${fmt(median(p99s))} ms`, `${fmt(Math.max(...runs.flatMap((r) => r.lateness[delayMs] ?? [])))} ms`];
    })),
    '',
    `Started before its due time: ${runs.reduce((sum, r) => sum + r.early, 0)}. Queues in the namespace after 1,000 random delays: ${runs.map((r) => r.queues).join(', ')} (2 + ${DELAY_LEVELS} delay levels).`,
  );
  const p99s = runs.map((r) => Math.max(...SCHEDULE_DELAYS_MS.map((d) => quantile(r.lateness[d] ?? [], 0.99))));
  const s = fmtSpread(spread(p99s), ' ms');
  report.headline({ measure: '9. schedule precision p99 (worst of 1 s, 10 s, 60 s), due → Started', median: s.median, spread: s.spread, target: '< 1000 ms, never early', met: median(p99s) < 1000 && runs.every((r) => r.early === 0) });
  report.headline({ measure: '9. broker queues per namespace, any delays', median: String(Math.max(...runs.map((r) => r.queues))), spread: '', target: `${2 + DELAY_LEVELS}`, met: runs.every((r) => r.queues === 2 + DELAY_LEVELS) });
}
