/**
 * @module `npm run bench [-- <measure…>] [--quick] [--write]`: runs the benchmarks of issue 5 and prints
 * the results as Markdown. Measures: limits, requests (= throughput: measures 1–3), publish, dispatch, schedule (9),
 * failover, scale, audit, lists, profile, tenants, tracing (processor CPU per job, tracing off and on); none named means all. `--quick` (or BENCH_RUNS=1 with fewer jobs) is a
 * short pass; BENCH_RUNS sets the number of rounds (default 3). `--write` also replaces the generated part
 * of docs/BENCHMARKS.md. Runs on its own in-memory Azurite, the shared RabbitMQ and the local Redis.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { abandonRun, note as log, startAzurite, type Azurite } from './lib/infra.js';
import { BENCH_DIR, REPO_ROOT } from './lib/processes.js';
import { Report } from './lib/report.js';
import {
  reportAudit, reportDispatch, reportFailover, reportLimits, reportProfile, reportPublish, reportScale, reportSchedule, reportThroughput,
  type CoreRound,
} from './lib/sections.js';
import { closeDataset, fillDataset, sampleApi, sampleRaw, type AuditDataset } from './measures/audit-queries.js';
import { runBulkPublish } from './measures/bulk-publish.js';
import { measureJobLists, reportJobLists, type ListSamples } from './measures/job-lists.js';
import { runDispatch } from './measures/dispatch.js';
import { runFailover, type FailoverRun } from './measures/failover.js';
import { measureLimits } from './measures/limits.js';
import { runProfile } from './measures/profile.js';
import { runTracingCost, type TracingCostRun, type TracingMode } from './measures/tracing-cost.js';
import { reportTracing } from './lib/tracing-section.js';
import { runScale, type ScaleRun } from './measures/scale.js';
import { runSchedule, type ScheduleRun } from './measures/schedule.js';
import { runBaton, runBullmq, runSeed } from './measures/throughput.js';
import { bullmqVersion } from './lib/bullmq-peer.js';
import { reportTenants, runTenants, type TenantsRun } from './measures/tenants.js';

const MEASURES = ['limits', 'requests', 'publish', 'dispatch', 'failover', 'scale', 'audit', 'lists', 'profile', 'schedule', 'tenants', 'tracing'] as const;
type Measure = (typeof MEASURES)[number];
const ALIASES: Record<string, Measure> = { precision: 'schedule', delays: 'schedule', throughput: 'requests', seed: 'requests', bullmq: 'requests', latency: 'dispatch', memory: 'scale', queries: 'audit' };

function parseArgs(argv: string[]) {
  const quick = argv.includes('--quick');
  const write = argv.includes('--write');
  const named = argv.filter((a) => !a.startsWith('--')).map((a) => ALIASES[a] ?? a);
  for (const name of named) if (name !== 'all' && !(MEASURES as readonly string[]).includes(name)) throw new Error(`unknown measure "${name}"; known: ${MEASURES.join(', ')}, all`);
  const selected = new Set<Measure>(named.length === 0 || named.includes('all' as Measure) ? MEASURES : (named as Measure[]));
  const runs = Number(process.env.BENCH_RUNS ?? (quick ? 1 : 3));
  if (!Number.isInteger(runs) || runs < 1 || runs > 20) throw new Error('BENCH_RUNS must be an integer from 1 to 20');
  const jobs = Number(process.env.BENCH_JOBS ?? (quick ? 500 : 2000));
  return {
    quick, write, selected, runs, jobs,
    concurrencies: [1, 8],
    rabbitMessages: quick ? 5000 : 10_000,
    azuriteMs: quick ? 1000 : 1500,
    dispatchSamples: quick ? 30 : 100,
    scheduleSamples: quick ? 15 : 40,
    auditSmall: 2000,
    auditLarge: Number(process.env.BENCH_AUDIT_EVENTS ?? (quick ? 20_000 : 200_000)),
    auditSamples: quick ? 20 : 60,
    auditBudgetMs: quick ? 5000 : 15_000,
    listJobs: [2000, Number(process.env.BENCH_LIST_JOBS ?? (quick ? 20_000 : 200_000))],
    listSamples: quick ? 10 : 30,
    scaleJobs: 500,
    scaleWindowSeconds: quick ? 6 : 15,
    publishCount: quick ? 1000 : 2000,
    profileJobs: quick ? 500 : 2000,
    tracingJobs: Number(process.env.BENCH_TRACING_JOBS ?? (quick ? 300 : 1000)),
    timeoutMs: quick ? 120_000 : 240_000,
    tenantBacklog: Number(process.env.BENCH_TENANT_BACKLOG ?? (quick ? 1000 : 5000)),
    tenantCostSeconds: quick ? 10 : 30,
  };
}
type Options = ReturnType<typeof parseArgs>;

/**
 * Runs `measure` on an Azurite of its own, stopped afterwards. A long-lived in-memory Azurite slowed
 * down run after run here (and once stopped answering for minutes), which no figure should inherit.
 */
async function onFreshAzurite<T>(measure: (azurite: Azurite) => Promise<T>): Promise<T> {
  const azurite = await startAzurite();
  try {
    return await measure(azurite);
  } finally {
    await azurite.stop();
  }
}

/** Runs one measurement; a failure is logged and listed in the report, and the bench goes on. */
async function attempt<T>(report: Report, label: string, run: () => Promise<T>): Promise<T | undefined> {
  // One retry: the machine and the working tree are shared (someone may be rebuilding dist/ right now).
  for (let tries = 1; ; tries++) {
    try {
      return await run();
    } catch (error) {
      const message = (error as Error).message;
      log(`FAILED ${label} (try ${tries}): ${message}`);
      if (tries < 2) continue;
      report.failures.push(`${label}: ${message.split('\n')[0] ?? ''}`);
      return undefined;
    }
  }
}

function machine(): string[] {
  const cpuModel = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? os.cpus()[0]?.model ?? 'unknown';
  const git = (args: string[]) => {
    try {
      return execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
    } catch {
      return '?';
    }
  };
  const dirty = git(['status', '--porcelain', '--', 'src']) ? ' (src/ has uncommitted changes)' : '';
  return [
    `- machine: ${os.availableParallelism()} CPUs (nproc), ${cpuModel}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB memory, load average at start ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`,
    `- node ${process.version}; Azurite ${readJson('node_modules/azurite/package.json').version} (in memory, started for the run); RabbitMQ on 127.0.0.1:5672; Redis on 127.0.0.1:6379; bullmq ${bullmqVersion(readJson)}`,
    `- commit ${git(['rev-parse', '--short', 'HEAD'])}${dirty}`,
  ];
}

function readJson(relative: string): { version?: string } {
  try {
    return JSON.parse(readFileSync(path.join(REPO_ROOT, relative), 'utf8')) as { version?: string };
  } catch {
    return {};
  }
}

async function core(options: Options, report: Report): Promise<void> {
  const { selected } = options;
  if (!selected.has('limits') && !selected.has('requests') && !selected.has('publish')) return;
  const rounds: CoreRound[] = [];
  for (let r = 1; r <= options.runs; r++) {
    log(`round ${r}/${options.runs}: raw limits`);
    const raw = await attempt(report, `round ${r} raw limits`, () => onFreshAzurite((azurite) => measureLimits(azurite.connectionString, { messages: options.rabbitMessages, azuriteMs: options.azuriteMs })));
    if (!raw) continue;
    const round: CoreRound = { raw, baton: [] };
    if (selected.has('publish')) {
      log(`round ${r}: bulk publish of ${options.publishCount}`);
      round.publishRate = await attempt(report, `round ${r} bulk publish`, () => onFreshAzurite((azurite) => runBulkPublish(azurite.connectionString, options.publishCount)));
    }
    if (selected.has('requests')) {
      // The order rotates from round to round, so that a slow spell of the machine does not always hit the same system.
      const runs: Array<() => Promise<void>> = [
        ...options.concurrencies.map((concurrency) => async () => {
          log(`round ${r}: Baton, 2 processors × concurrency ${concurrency}, ${options.jobs} jobs`);
          const run = await attempt(report, `round ${r} Baton 2×${concurrency}`, () => onFreshAzurite((azurite) => runBaton(azurite.connectionString, azurite.pid, concurrency, options.jobs, options.timeoutMs)));
          if (run) round.baton.push(run);
        }),
        async () => {
          log(`round ${r}: seed design, 2 workers, ${options.jobs} jobs`);
          round.seed = await attempt(report, `round ${r} seed design`, () => onFreshAzurite((azurite) => runSeed(azurite.connectionString, azurite.pid, options.jobs, options.timeoutMs)));
        },
        async () => {
          log(`round ${r}: BullMQ, concurrency 16, ${options.jobs} jobs`);
          round.bullmq = await attempt(report, `round ${r} BullMQ`, () => runBullmq(options.jobs, 16, options.timeoutMs));
        },
      ];
      for (let i = 0; i < runs.length; i++) await runs[(i + r - 1) % runs.length]!();
    }
    rounds.push(round);
  }
  report.data.core = rounds.map((round) => ({
    ...round,
    baton: round.baton.map((b) => ({ ...b, processorRequests: Object.fromEntries(b.processorRequests), publisherRequests: Object.fromEntries(b.publisherRequests), outcomes: Object.fromEntries(b.outcomes) })),
  }));
  if (selected.has('requests')) reportThroughput(report, rounds, options.jobs);
  if (selected.has('publish')) reportPublish(report, rounds, options.publishCount);
  reportLimits(report, rounds);
}

async function audit(options: Options, report: Report): Promise<void> {
  // Its own Azurite: hundreds of thousands of rows would slow every other measure (and anyone else's tests).
  const azurite = await startAzurite();
  const datasets: AuditDataset[] = [];
  try {
    for (const events of [options.auditSmall, options.auditLarge]) {
      log(`audit: writing ${events} events`);
      const started = performance.now();
      datasets.push(await fillDataset(azurite.connectionString, events));
      log(`audit: ${events} events written in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    }
    const rounds: Parameters<typeof reportAudit>[1] = [];
    for (let r = 1; r <= options.runs; r++) {
      log(`audit: round ${r}/${options.runs}`);
      for (const dataset of datasets) {
        const ids = dataset.sampleJobIds;
        await sampleApi(dataset, () => '/api/jobs', 3, 10_000); // warm-up
        const recent = await sampleApi(dataset, () => '/api/jobs', options.auditSamples, options.auditBudgetMs);
        const job = await sampleApi(dataset, (i) => `/api/jobs/${ids[i % ids.length]}`, options.auditSamples, options.auditBudgetMs);
        const rawRecent = await sampleRaw(dataset, 'recent', 5);
        const rawJob = await sampleRaw(dataset, 'job', 5);
        rounds.push({ round: r, events: dataset.events, recent, job, rawRecent, rawJob });
      }
    }
    report.data.audit = rounds;
    reportAudit(report, rounds, options.auditSmall, options.auditLarge);
  } finally {
    for (const dataset of datasets) await closeDataset(dataset);
    await azurite.stop();
  }
}

async function tracing(options: Options, report: Report): Promise<void> {
  const runs: TracingCostRun[] = [];
  for (let r = 1; r <= options.runs; r++) {
    // Off and on alternate first from round to round, so a slow spell does not always hit the same one.
    const modes: TracingMode[] = r % 2 === 1 ? ['off', 'on'] : ['on', 'off'];
    for (const mode of modes) {
      log(`tracing: round ${r}/${options.runs}, tracing ${mode}, ${options.tracingJobs} jobs`);
      const run = await attempt(report, `tracing ${mode} round ${r}`, () => onFreshAzurite((azurite) => runTracingCost(azurite.connectionString, mode, options.tracingJobs, options.timeoutMs)));
      if (run) runs.push(run);
    }
  }
  report.data.tracing = runs;
  reportTracing(report, runs);
}

async function main(): Promise<void> {
  if (process.argv.includes('--help')) {
    process.stdout.write(`usage: npm run bench [-- [${MEASURES.join('|')}|all]… [--quick] [--write]]\n` +
      'env: BENCH_RUNS (rounds, default 3; 1 with --quick), BENCH_JOBS (jobs per throughput run), BENCH_AUDIT_EVENTS (large audit set), BENCH_TRACING_JOBS (jobs per tracing-cost run), BENCH_LIST_JOBS (large job-list set)\n');
    return;
  }
  const options = parseArgs(process.argv.slice(2));
  if (options.write && options.selected.size !== MEASURES.length) throw new Error('--write replaces every generated figure in docs/BENCHMARKS.md: run all measures with it');
  const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
  const env = ['BENCH_RUNS', 'BENCH_JOBS', 'BENCH_AUDIT_EVENTS', 'BENCH_TRACING_JOBS', 'BENCH_LIST_JOBS'].filter((name) => process.env[name]).map((name) => `${name}=${process.env[name]} `).join('');
  const startedAt = new Date();
  const header = machine();
  log(`measures: ${[...options.selected].join(', ')}; ${options.runs} round(s); ${options.jobs} jobs per throughput run`);
  const report = new Report();
  {
    await core(options, report);
    if (options.selected.has('dispatch')) {
      const rounds: number[][] = [];
      for (let r = 1; r <= options.runs; r++) {
        log(`dispatch: round ${r}/${options.runs}, ${options.dispatchSamples} jobs one at a time`);
        const latencies = await attempt(report, `dispatch round ${r}`, () => onFreshAzurite((azurite) => runDispatch(azurite.connectionString, options.dispatchSamples)));
        if (latencies) rounds.push(latencies);
      }
      report.data.dispatch = rounds;
      reportDispatch(report, rounds);
    }
    if (options.selected.has('failover')) {
      const runs: FailoverRun[] = [];
      for (let r = 0; r < options.runs; r++) {
        // Kill moments spread over one renewal period (5 s), so the runs see different lease ages.
        const killAfterMs = Math.round(1000 + (5000 * (r + 0.5)) / options.runs);
        log(`failover: run ${r + 1}/${options.runs}, SIGKILL ${killAfterMs} ms after Started`);
        const run = await attempt(report, `failover run ${r + 1}`, () => onFreshAzurite((azurite) => runFailover(azurite.connectionString, killAfterMs)));
        if (run) runs.push(run);
      }
      report.data.failover = runs;
      reportFailover(report, runs);
    }
    if (options.selected.has('scale')) {
      const runs: ScaleRun[] = [];
      for (let r = 1; r <= options.runs; r++) {
        log(`scale: run ${r}/${options.runs}, ${options.scaleJobs} jobs in flight, ${options.scaleWindowSeconds} s window`);
        const run = await attempt(report, `scale run ${r}`, () => onFreshAzurite((azurite) => runScale(azurite.connectionString, options.scaleJobs, options.scaleWindowSeconds)));
        if (run) runs.push(run);
      }
      report.data.scale = runs;
      reportScale(report, runs);
    }
    if (options.selected.has('schedule')) {
      const runs: ScheduleRun[] = [];
      for (let r = 1; r <= options.runs; r++) {
        log(`schedule: round ${r}/${options.runs}, ${options.scheduleSamples} jobs per delay`);
        const run = await attempt(report, `schedule round ${r}`, () => onFreshAzurite((azurite) => runSchedule(azurite.connectionString, options.scheduleSamples)));
        if (run) runs.push(run);
      }
      report.data.schedule = runs;
      reportSchedule(report, runs);
    }
    if (options.selected.has('audit')) await attempt(report, 'audit queries', () => audit(options, report));
    if (options.selected.has('tenants')) {
      const runs: TenantsRun[] = [];
      for (let r = 1; r <= options.runs; r++) {
        log(`tenants: run ${r}/${options.runs}, backlog ${options.tenantBacklog}`);
        const run = await attempt(report, `tenants run ${r}`, () => onFreshAzurite((azurite) => runTenants(azurite.connectionString, { backlog: options.tenantBacklog, costWindowSeconds: options.tenantCostSeconds })));
        if (run) runs.push(run);
      }
      report.data.tenants = runs;
      if (runs.length > 0) reportTenants(report, runs);
    }
    if (options.selected.has('lists')) {
      const runs: ListSamples[] = [];
      for (const jobs of options.listJobs) {
        log(`lists: ${jobs} jobs in the job-state index`);
        // Its own Azurite: the large set would slow every other measure.
        const run = await attempt(report, `lists with ${jobs} jobs`, () => onFreshAzurite((azurite) => measureJobLists(azurite.connectionString, jobs, options.listSamples)));
        if (run) runs.push(run);
      }
      report.data.lists = runs;
      reportJobLists(report, runs);
    }
    if (options.selected.has('profile')) {
      log(`profile: one processor under --cpu-prof, ${options.profileJobs} jobs at concurrency 16`);
      const profile = await attempt(report, 'profile', () => onFreshAzurite((azurite) => runProfile(azurite.connectionString, options.profileJobs, options.timeoutMs)));
      if (profile) {
        report.data.profile = profile;
        reportProfile(report, profile, options.profileJobs);
      }
    }
  }
  if (options.selected.has('tracing')) await tracing(options, report);
  const minutes = (Date.now() - startedAt.getTime()) / 60_000;
  const markdown = report.render([
    `Generated by \`${env}${command}\` on ${startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC, in ${minutes.toFixed(1)} minutes` +
      ` (${options.runs} round(s)${options.quick ? ', quick pass' : ''}).`,
    '',
    ...header,
  ]);
  process.stdout.write(`${markdown}\n`);
  const resultsDir = path.join(BENCH_DIR, '..', 'results');
  mkdirSync(resultsDir, { recursive: true });
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  writeFileSync(path.join(resultsDir, `${stamp}.md`), markdown);
  writeFileSync(path.join(resultsDir, `${stamp}.json`), JSON.stringify({ command, options: { ...options, selected: [...options.selected] }, data: report.data }, null, 2));
  log(`results also in ${path.relative(REPO_ROOT, resultsDir)}/${stamp}.{md,json}`);
  if (options.write) writeDocs(markdown);
  // Whatever a library left open (sockets, timers) must not keep the bench running.
  process.exit(0);
}

const BEGIN = '<!-- bench:begin (generated by `npm run bench -- --write`; edit outside these markers) -->';
const END = '<!-- bench:end -->';

function writeDocs(markdown: string): void {
  const file = path.join(REPO_ROOT, 'docs/BENCHMARKS.md');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    text = `# Benchmarks\n\n${BEGIN}\n${END}\n`;
  }
  const begin = text.indexOf(BEGIN);
  const end = text.indexOf(END);
  if (begin === -1 || end === -1 || end < begin) throw new Error(`docs/BENCHMARKS.md has no ${BEGIN} … ${END} section to replace`);
  writeFileSync(file, `${text.slice(0, begin + BEGIN.length)}\n\n${markdown}\n${text.slice(end)}`);
  log('docs/BENCHMARKS.md updated');
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    process.stderr.write(`${signal}: stopping the bench's processes and deleting its namespaces\n`);
    void abandonRun().finally(() => process.exit(130));
  });
}
// A closed pipe (`npm run bench | head`) must not leave processes behind either.
process.stdout.on('error', () => undefined);
process.stderr.on('error', () => undefined);

main().catch(async (error: unknown) => {
  process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`);
  await abandonRun();
  process.exit(1);
});
