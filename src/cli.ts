#!/usr/bin/env node
/** @module The `baton` command: publish, processor, dashboard, dev, jobs, schedules, queues. */
import { createRequire } from 'node:module';
import { Command, Option } from 'commander';
import { createLogger } from './core/logger.js';
import { BatonError, ConfigError } from './core/errors.js';
import { redact } from './core/redact.js';
import type { SettingKey } from './core/config.js';
import { addSettingOptions, configFrom, durationOption, intOption, jsonObjectOption, textOption } from './cli/setting-options.js';
import { wantsConsole } from './publisher/console-mode.js';
import { countJobLines, publishProgress } from './publisher/console-progress.js';
import { DEV_SETTINGS } from './dev/dev-settings.js';
import { addTenantsCommand } from './tenants/tenants-command.js';
import { startTracing, stopTracing } from './core/tracing.js';

const COMMON: SettingKey[] = ['amqpUrl', 'queueType', 'storageConnectionString', 'namespace', 'logLevel', 'logFormat'];
const PUBLISH: SettingKey[] = [...COMMON, 'connectTimeoutSeconds', 'actor'];
const PROCESSOR: SettingKey[] = [
  ...COMMON, 'concurrency', 'leaseSeconds', 'renewSeconds', 'deferSeconds', 'maxAttempts', 'shutdownGraceSeconds', 'jobTimeoutSeconds',
  'retryBaseMs', 'retryMaxMs', 'processorId', 'metricsPort', 'metricsHost', 'handlers',
  'tenantConcurrency', 'tenantRate', 'partitions',
];
const DASHBOARD: SettingKey[] = [...COMMON, 'dashboardHost', 'dashboardPort', 'dashboardToken', 'dashboardTokens', 'handlers', 'tenantConcurrency', 'tenantRate'];

const program = new Command('baton')
  .description('Distributed job processor: RabbitMQ delivery, Azure blob leases, Azure Table audit trail')
  .version(packageVersion(), '-V, --version', 'print the version of baton')
  .showHelpAfterError('(run with --help for usage)');

const publish = program
  .command('publish')
  .description('Publish jobs. On a terminal with no job flags: the interactive console. Otherwise publishes without prompting.')
  .addOption(intOption('--count <n>', 'number of jobs to publish (default: 1)', 1, 1_000_000, 'BATON_PUBLISH_COUNT'))
  .addOption(textOption('--name <text>', 'job name (default: a generated demo name)', 'BATON_PUBLISH_NAME'))
  .addOption(textOption('--description <text>', 'job description (default: a generated one)', 'BATON_PUBLISH_DESCRIPTION'))
  .addOption(textOption('--type <type>', 'handler type (default: steps)', 'BATON_PUBLISH_TYPE'))
  .addOption(intOption('--steps <n>', 'steps of the steps handler (default: 3 to 10 at random)', 0, 10_000, 'BATON_PUBLISH_STEPS'))
  .addOption(intOption('--step-ms <ms>', 'milliseconds per step (default: 500 to 2000 at random)', 0, 3_600_000, 'BATON_PUBLISH_STEP_MS'))
  .addOption(intOption('--fail-times <k>', 'the first K attempts throw (default: 0)', 0, 1000, 'BATON_PUBLISH_FAIL_TIMES'))
  .addOption(jsonObjectOption('--params <json>', 'processingParameters as a JSON object, merged over --steps, --step-ms and --fail-times (default: none)', 'BATON_PUBLISH_PARAMS'))
  .addOption(textOption('--input <path>', "the job's inputFilePath (default: none)", 'BATON_PUBLISH_INPUT'))
  .addOption(textOption('--lock-key <key>', 'jobs sharing a lock key never run at the same time (default: the job id)', 'BATON_PUBLISH_LOCK_KEY'))
  .addOption(textOption('--job-id <id>', 'the job id, only with --count 1 (default: a random UUID)', 'BATON_PUBLISH_JOB_ID'))
  .addOption(intOption('--max-attempts <n>', "attempts before the job is dead-lettered (default: the processor's BATON_MAX_ATTEMPTS, 5)", 1, 100, 'BATON_PUBLISH_MAX_ATTEMPTS'))
  .addOption(intOption('--timeout-seconds <n>', "time limit of one attempt, TimedOut past it, a failure (default: the handler's, else the processor's BATON_JOB_TIMEOUT_SECONDS)", 1, 604_800, 'BATON_PUBLISH_TIMEOUT_SECONDS'))
  .addOption(intOption('--priority <n>', 'higher first among waiting jobs: 0–9 distinct, higher counts as 9 (default: 0)', 0, 255, 'BATON_PUBLISH_PRIORITY'))
  .addOption(textOption('--file <path>', 'newline-delimited JSON job requests; - for stdin (see "Job request" in the README)', 'BATON_PUBLISH_FILE'))
  .addOption(textOption('--run-at <iso>', 'do not start before this instant (ISO 8601 with offset, at most 366 days ahead; default: at once)', 'BATON_PUBLISH_RUN_AT'))
  .addOption(durationOption('--delay <duration>', 'do not start before this long after publishing: 90s, 15m, 2h, 3d (default: at once)', 'BATON_PUBLISH_DELAY'))
  .addOption(textOption('--tenant <id>', 'the tenant the jobs belong to; its limits apply (default: none)', 'BATON_PUBLISH_TENANT'))
  .addOption(textOption('--partition <name>', 'the partition the jobs belong to; only processors serving it run them (default: none)', 'BATON_PUBLISH_PARTITION'))
  .addOption(new Option('--json', 'print one JSON object per published job instead of the bare jobId').env('BATON_PUBLISH_JSON'));
addSettingOptions(publish, PUBLISH).action(async (opts: Record<string, unknown>, command: Command) => {
  const config = configFrom(command, PUBLISH);
  if (wantsConsole(opts, { stdin: Boolean(process.stdin.isTTY), stdout: Boolean(process.stdout.isTTY) })) {
    // Warnings only: info lines would scroll through the console's own output on the same terminal.
    const logger = createLogger({ level: config.logLevel === 'debug' ? 'debug' : 'warn', format: config.logFormat });
    const { runConsole } = await import('./publisher/console.js');
    const summary = await runConsole({ config, logger });
    if (summary.failed > 0) process.exitCode = 1;
    return;
  }
  const logger = createLogger({ level: config.logLevel, format: config.logFormat });
  // Tracing (when OTEL_EXPORTER_OTLP_ENDPOINT is set) starts before amqplib is imported, so it is instrumented.
  await startTracing('baton-publisher');
  const { runPublish } = await import('./publisher/publish-command.js');
  if (opts.jobId !== undefined && opts.count !== undefined && opts.count !== 1) {
    throw new ConfigError('--job-id (BATON_PUBLISH_JOB_ID) goes only with --count 1');
  }
  if (opts.file !== undefined && ['count', 'name', 'jobId', 'steps', 'stepMs', 'failTimes', 'lockKey', 'params', 'input', 'runAt', 'delay', 'priority', 'timeoutSeconds', 'tenant', 'partition'].some((k) => opts[k] !== undefined)) {
    throw new ConfigError('--file takes its jobs from the file; put per-job values on its lines instead of flags');
  }
  const file = typeof opts.file === 'string' ? opts.file : undefined;
  const count = (opts.count as number | undefined) ?? 1;
  const progress = publishProgress({ total: file !== undefined ? await countJobLines(file).catch(() => undefined) : count });
  let summary;
  try {
    summary = await runPublish({
      config,
      logger,
      json: Boolean(opts.json),
      ...(file !== undefined ? { file } : {}),
      out: progress.out,
      err: progress.err,
      onSubmitted: progress.submitted,
      onPublished: progress.published,
      flags: {
        count,
        ...(pickDefined(opts, ['name', 'description', 'type', 'steps', 'stepMs', 'failTimes', 'lockKey', 'jobId', 'maxAttempts', 'params', 'runAt', 'priority', 'timeoutSeconds', 'tenant', 'partition']) as object),
        ...(typeof opts.input === 'string' ? { inputFilePath: opts.input } : {}),
        ...(opts.delay !== undefined ? { delayMs: opts.delay as number } : {}),
      },
    });
  } finally {
    progress.stop();
    await stopTracing();
  }
  if (summary.published > 1) {
    process.stderr.write(`published ${summary.published} jobs in ${summary.seconds.toFixed(2)} s (${Math.round(summary.published / summary.seconds)} jobs/s)\n`);
  }
  if (summary.invalid > 0 || summary.failed > 0) process.exitCode = 1;
});

const processor = program.command('processor').description('Run one processor instance until SIGINT/SIGTERM.');
addSettingOptions(processor, PROCESSOR).action(async (_opts: unknown, command: Command) => {
  const config = configFrom(command, PROCESSOR);
  await startTracing('baton-processor');
  const { runProcessor } = await import('./processor/processor-command.js');
  await runProcessor(config, createLogger({ level: config.logLevel, format: config.logFormat }));
});

const queues = program.command('queues').description('Broker queues of the namespace.');
const queuesUpgrade = queues
  .command('upgrade')
  .description('Re-declare <ns>.jobs with priorities if an earlier Baton declared it without them, keeping its messages');
addSettingOptions(queuesUpgrade, COMMON).action(async (_opts: unknown, command: Command) => {
  const { runQueuesUpgrade } = await import('./cli/queues-command.js');
  await runQueuesUpgrade(configFrom(command, COMMON));
});

const schedules = program.command('schedules').description('Recurring jobs: a cron expression (5 fields, or 6 with seconds first) in a time zone.');
const STORE: SettingKey[] = [...COMMON];
const scheduleAdd = schedules
  .command('add <name>')
  .description('Add a recurring job; each due time publishes one job with jobId <name>:<due time ISO UTC>')
  .requiredOption('--cron <expr>', 'cron expression, e.g. "0 9 * * 1-5" or "*/30 * * * * *"')
  .option('--tz <zone>', 'IANA time zone of the expression (default UTC)')
  .option('--json', 'print the schedule as JSON')
  .addOption(textOption('--job-name <text>', 'job name (default: the schedule name)', 'BATON_SCHEDULE_JOB_NAME'))
  .addOption(textOption('--description <text>', 'job description', 'BATON_SCHEDULE_DESCRIPTION'))
  .addOption(textOption('--type <type>', 'handler type (default steps)', 'BATON_SCHEDULE_TYPE'))
  .addOption(intOption('--steps <n>', 'steps of the steps handler', 0, 10_000, 'BATON_SCHEDULE_STEPS'))
  .addOption(intOption('--step-ms <ms>', 'milliseconds per step', 0, 3_600_000, 'BATON_SCHEDULE_STEP_MS'))
  .addOption(textOption('--lock-key <key>', 'jobs sharing a lock key never run at the same time', 'BATON_SCHEDULE_LOCK_KEY'))
  .addOption(intOption('--max-attempts <n>', 'failed attempts before the job is dead-lettered', 1, 100, 'BATON_SCHEDULE_MAX_ATTEMPTS'))
  .addOption(intOption('--priority <n>', 'job priority (0–9 distinct, higher counts as 9)', 0, 255, 'BATON_SCHEDULE_PRIORITY'));
addSettingOptions(scheduleAdd, STORE).action(async (name: string, opts: Record<string, unknown>, command: Command) => {
  const { addSchedule, formatSchedules } = await import('./cli/schedules-command.js');
  const params = pickDefined(opts, ['steps', 'stepMs']);
  const job = {
    ...(opts.jobName !== undefined ? { jobName: opts.jobName } : {}),
    ...(pickDefined(opts, ['description', 'type', 'lockKey', 'maxAttempts', 'priority']) as object),
    ...(Object.keys(params).length > 0 ? { processingParameters: params } : {}),
  };
  const view = await addSchedule(configFrom(command, STORE), name, String(opts.cron), opts.tz as string | undefined, job);
  process.stdout.write(opts.json ? `${JSON.stringify(view)}\n` : formatSchedules([view]));
});
const scheduleList = schedules.command('list').description('List schedules with their next and last runs').option('--json', 'print JSON');
addSettingOptions(scheduleList, STORE).action(async (opts: Record<string, unknown>, command: Command) => {
  const { formatSchedules, listSchedules } = await import('./cli/schedules-command.js');
  const views = await listSchedules(configFrom(command, STORE));
  process.stdout.write(opts.json ? `${JSON.stringify(views)}\n` : formatSchedules(views));
});
for (const action of ['remove', 'pause', 'resume'] as const) {
  const sub = schedules.command(`${action} <name>`).description(`${action[0]!.toUpperCase()}${action.slice(1)} a schedule${action === 'resume' ? ' (due times passed while paused do not fire)' : ''}`);
  addSettingOptions(sub, STORE).action(async (name: string, _opts: unknown, command: Command) => {
    const { changeSchedule } = await import('./cli/schedules-command.js');
    await changeSchedule(configFrom(command, STORE), name, action);
    process.stdout.write(`${action === 'remove' ? 'removed' : `${action}d`} ${name}\n`);
  });
}
const scheduleTrigger = schedules.command('trigger <name>').description('Publish the schedule\'s job now (jobId <name>:<now>), outside its due times');
addSettingOptions(scheduleTrigger, STORE).action(async (name: string, _opts: unknown, command: Command) => {
  const { triggerSchedule } = await import('./cli/schedules-command.js');
  process.stdout.write(`${await triggerSchedule(configFrom(command, STORE), name)}\n`);
});

const dashboard = program.command('dashboard').description('Serve the dashboard and the REST audit API.');
addSettingOptions(dashboard, DASHBOARD).action(async (_opts: unknown, command: Command) => {
  const config = configFrom(command, DASHBOARD);
  await startTracing('baton-dashboard');
  const { runDashboard } = await import('./dashboard/dashboard-command.js');
  await runDashboard(config, createLogger({ level: config.logLevel, format: config.logFormat }));
});

addTenantsCommand(program, [...COMMON, 'tenantConcurrency', 'tenantRate']);

const dev = program
  .command('dev')
  .description('The whole system on one machine: embedded Azurite, the dashboard and two processors (needs RabbitMQ).')
  .addOption(new Option('--in-memory', 'keep Azurite\'s data in memory instead of .data/azurite').env('BATON_DEV_IN_MEMORY'))
  .addOption(new Option('--demo', 'keep publishing random demo jobs').env('BATON_DEV_DEMO'))
  .addOption(intOption('--demo-interval-ms <ms>', 'milliseconds between demo jobs (default 2000)', 100, 3_600_000, 'BATON_DEV_DEMO_INTERVAL_MS'));
addSettingOptions(dev, DEV_SETTINGS).action(async (opts: Record<string, unknown>, command: Command) => {
  const config = configFrom(command, DEV_SETTINGS);
  const { runDev } = await import('./dev.js');
  await runDev({
    config,
    logger: createLogger({ level: config.logLevel, format: config.logFormat }),
    inMemory: Boolean(opts.inMemory),
    demo: Boolean(opts.demo),
    demoIntervalMs: (opts.demoIntervalMs as number | undefined) ?? 2000,
  });
});

/** The version in package.json, one directory above dist/. */
function packageVersion(): string {
  return (createRequire(import.meta.url)('../package.json') as { version: string }).version;
}

const STORAGE_ONLY: SettingKey[] = ['storageConnectionString', 'namespace', 'logLevel', 'logFormat'];
const jobs = program.command('jobs').description('Jobs by state, one job\'s state and history, purging the queues, and starting scheduled jobs at once.');
const jobsList = jobs
  .command('list')
  .description('Jobs by current status, newest first.')
  .addOption(textOption('--status <status>', 'only jobs whose current status is this (Queued, Started, Retrying, Completed, DeadLettered, …)', 'BATON_JOBS_STATUS'))
  .addOption(textOption('--type <type>', 'only jobs of this type', 'BATON_JOBS_TYPE'))
  .addOption(textOption('--tenant <tenant>', 'only jobs of this tenant', 'BATON_JOBS_TENANT'))
  .addOption(intOption('--limit <n>', 'jobs per page (default 20)', 1, 1000, 'BATON_JOBS_LIMIT'))
  .addOption(textOption('--cursor <cursor>', 'the page after this one (printed under a full page)', 'BATON_JOBS_CURSOR'))
  .addOption(new Option('--json', 'print { items, nextCursor } as JSON').env('BATON_JOBS_JSON'));
addSettingOptions(jobsList, STORAGE_ONLY).action(async (opts: Record<string, unknown>, command: Command) => {
  const config = configFrom(command, STORAGE_ONLY);
  const { runJobsList } = await import('./cli/jobs-command.js');
  await runJobsList(config, {
    limit: (opts.limit as number | undefined) ?? 20,
    json: Boolean(opts.json),
    ...(pickDefined(opts, ['status', 'type', 'tenant', 'cursor']) as object),
  });
});
const jobsShow = jobs
  .command('show')
  .description('One job\'s current state and history.')
  .argument('<jobId>', 'the job id')
  .addOption(new Option('--json', 'print { jobId, status, state, events } as JSON').env('BATON_JOBS_JSON'));
addSettingOptions(jobsShow, STORAGE_ONLY).action(async (jobId: string, opts: Record<string, unknown>, command: Command) => {
  const config = configFrom(command, STORAGE_ONLY);
  const { runJobsShow } = await import('./cli/jobs-command.js');
  await runJobsShow(config, jobId, Boolean(opts.json));
});
const purge = jobs
  .command('purge')
  .description("Empty the namespace's job, delay and dead-letter queues, after a confirmation that states the count.")
  .addOption(new Option('--yes', 'purge without asking (for scripts)').env('BATON_PURGE_YES'))
  .addOption(new Option('--json', 'print {"namespace", "purged": {jobs, delayed, dead, total}}').env('BATON_PURGE_JSON'));
addSettingOptions(purge, ['amqpUrl', 'namespace', 'connectTimeoutSeconds']).action(async (opts: Record<string, unknown>, command: Command) => {
  const config = configFrom(command, ['amqpUrl', 'namespace', 'connectTimeoutSeconds']);
  const { runPurge, terminalQuestion } = await import('./queues/purge-command.js');
  await runPurge({ config, yes: Boolean(opts.yes), json: Boolean(opts.json), ask: terminalQuestion() });
});
const jobsRunNow = jobs.command('run-now <jobIds...>').description('Start scheduled jobs at once; each one\'s delayed copy later becomes a Duplicate');
addSettingOptions(jobsRunNow, COMMON).action(async (jobIds: string[], _opts: unknown, command: Command) => {
  const { runNow } = await import('./cli/run-now-command.js');
  await runNow(configFrom(command, COMMON), jobIds);
});

for (const action of ['cancel', 'requeue'] as const) {
  const what = action === 'cancel'
    ? 'Cancel jobs: one not started never starts; a running one is stopped. By id, or in bulk by filters.'
    : 'Send dead-lettered or cancelled jobs to run again, with a fresh budget of attempts. By id, or in bulk by filters.';
  const env = `BATON_${action.toUpperCase()}`;
  const command = jobs
    .command(action)
    .description(what)
    .argument('[jobIds...]', 'the job ids (or none, with filters)')
    .addOption(textOption('--status <status>', 'bulk: jobs whose current status is this (e.g. DeadLettered)', `${env}_STATUS`))
    .addOption(textOption('--type <type>', 'bulk: only jobs of this type', `${env}_TYPE`))
    .addOption(textOption('--tenant <tenant>', 'bulk: only jobs of this tenant', `${env}_TENANT`))
    .addOption(textOption('--since <iso>', 'bulk: only jobs created at or after this instant', `${env}_SINCE`))
    .addOption(textOption('--until <iso>', 'bulk: only jobs created before this instant', `${env}_UNTIL`))
    .addOption(new Option('--dry-run', 'bulk: print how many jobs match and a sample; change nothing').env(`${env}_DRY_RUN`))
    .addOption(new Option('--json', 'print the result as JSON').env('BATON_JOBS_JSON'));
  addSettingOptions(command, COMMON).action(async (jobIds: string[], opts: Record<string, unknown>, cmd: Command) => {
    const { runJobAction } = await import('./cli/job-actions-command.js');
    await runJobAction(configFrom(cmd, COMMON), action, jobIds, {
      dryRun: Boolean(opts.dryRun),
      json: Boolean(opts.json),
      ...(pickDefined(opts, ['status', 'type', 'tenant', 'since', 'until']) as object),
    });
  });
}

function pickDefined(source: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((key) => source[key] !== undefined).map((key) => [key, source[key]]));
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`baton: ${error.message}\n`);
    process.exit(2);
  }
  if (error instanceof BatonError) {
    process.stderr.write(`baton: ${redact(error.message)}\n`);
    process.exit(1);
  }
  if (isStorageUnreachable(error)) {
    // The commonest start-up failure after a missing broker: a user needs the address, not a stack.
    process.stderr.write(
      `baton: Azure Storage is not reachable (${redact((error as Error).message)}). Start Azurite (\`npm start\` runs one; or ` +
        '`npx azurite --inMemoryPersistence --disableTelemetry --skipApiVersionCheck`), or fix BATON_STORAGE_CONNECTION_STRING.\n',
    );
    process.exit(1);
  }
  process.stderr.write(`baton: ${redact((error as Error).stack ?? String(error))}\n`);
  process.exit(1);
}

/** An Azure SDK request that found nothing listening (or no such host) at the storage endpoint. */
function isStorageUnreachable(error: unknown): boolean {
  const { name, code } = (error ?? {}) as { name?: string; code?: string };
  return name === 'RestError' && ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET'].includes(code ?? '');
}
