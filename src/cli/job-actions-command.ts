/**
 * @module `baton jobs cancel|requeue ID…` and the bulk form `baton jobs cancel|requeue --status S [--type T]
 * [--tenant T] [--since ISO] [--until ISO] [--dry-run]`: the same actions as `POST /api/jobs/{id}/cancel|requeue`
 * and `POST /api/bulk/*`, recorded with BATON_ACTOR (default user@host).
 */
import { AUDIT_STATUSES } from '../contracts/audit-event.js';
import { jobIdSchema, JOB_TYPE_PATTERN, TENANT_ID_PATTERN } from '../contracts/job-request.js';
import type { Config } from '../core/config.js';
import { ConfigError } from '../core/errors.js';
import { silentLogger } from '../core/logger.js';
import { bulkApply, bulkDryRun, type BulkAction, type BulkFilter } from '../publisher/bulk-actions.js';
import { Publisher } from '../publisher/publisher.js';
import { cliActor } from './run-now-command.js';

type ActionConfig = Pick<Config, 'amqpUrl' | 'storageConnectionString' | 'namespace'>;

export interface JobActionOptions {
  readonly status?: string;
  readonly type?: string;
  readonly tenant?: string;
  readonly since?: string;
  readonly until?: string;
  readonly dryRun: boolean;
  readonly json: boolean;
}

export async function runJobAction(config: ActionConfig, action: BulkAction, jobIds: readonly string[], options: JobActionOptions, out: NodeJS.WritableStream = process.stdout): Promise<void> {
  const filter = bulkFilter(options);
  if (jobIds.length > 0 && filter) throw new ConfigError(`baton jobs ${action}: give job ids or filters (--status, --type, --tenant, --since, --until), not both`);
  if (jobIds.length === 0 && !filter) throw new ConfigError(`baton jobs ${action}: give job ids, or --status S (with --type, --tenant, --since, --until) for a bulk ${action}`);
  if (options.dryRun && !filter) throw new ConfigError('--dry-run: only with filters (a bulk action)');
  for (const jobId of jobIds) if (!jobIdSchema.safeParse(jobId).success) throw new ConfigError(`job id ${JSON.stringify(jobId)} must match ^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$`);
  const actor = cliActor();
  const publisher = new Publisher({ ...config, publisherId: actor, logger: silentLogger() });
  await publisher.start();
  try {
    if (filter) await bulk(publisher, action, filter, options, actor, out);
    else await oneByOne(publisher, action, jobIds, actor, out);
  } finally {
    await publisher.close();
  }
}

async function oneByOne(publisher: Publisher, action: BulkAction, jobIds: readonly string[], actor: string, out: NodeJS.WritableStream): Promise<void> {
  const problems: string[] = [];
  for (const jobId of jobIds) {
    if (action === 'cancel') {
      const result = await publisher.cancel(jobId, actor);
      if (result.kind === 'cancelled') out.write(`${jobId}: cancelled (it had not started)\n`);
      else if (result.kind === 'stopping') out.write(`${jobId}: cancel requested; its processor stops it\n`);
      else problems.push(result.kind === 'unknown' ? `${jobId}: no such job` : `${jobId}: already ended (${result.status})`);
    } else {
      const result = await publisher.requeue(jobId, actor);
      if (result.kind === 'requeued') out.write(`${jobId}: requeued (requeue ${result.generation}, a fresh budget of attempts)\n`);
      else problems.push(result.kind === 'unknown' ? `${jobId}: no such job` : `${jobId}: not requeued, it is ${result.status} (only DeadLettered or Cancelled jobs)`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems.join('\n'));
}

async function bulk(publisher: Publisher, action: BulkAction, filter: BulkFilter, options: JobActionOptions, actor: string, out: NodeJS.WritableStream): Promise<void> {
  if (options.dryRun) {
    const { count, sample } = await bulkDryRun(publisher, filter);
    if (options.json) return void out.write(`${JSON.stringify({ count, sample })}\n`);
    out.write(`${count} job(s) would be ${action === 'cancel' ? 'cancelled' : 'requeued'}${count > 0 ? `; for example:\n${sample.map((item) => `  ${item.jobId}  ${item.status}  ${item.type}  ${item.createdAt}`).join('\n')}` : ''}\n`);
    return;
  }
  const result = await bulkApply(publisher, action, filter, actor, (progress) => {
    // Progress on stderr, so that --json output on stdout stays one object.
    process.stderr.write(`${progress.matched} matched, ${progress.done} done, ${progress.skipped} skipped, ${progress.failed} failed\n`);
  });
  if (options.json) out.write(`${JSON.stringify(result)}\n`);
  else out.write(`${action}: ${result.done} done, ${result.skipped} skipped (status did not allow it), ${result.failed} failed, of ${result.matched} matched\n`);
  if (result.failed > 0) throw new ConfigError(`${result.failed} job(s) failed (storage or the broker): run the same command again; jobs already done are skipped`);
}

/** The bulk filter the options name, checked; undefined when none is given. */
function bulkFilter(options: JobActionOptions): BulkFilter | undefined {
  const { status, type, tenant, since, until } = options;
  if (status !== undefined && !(AUDIT_STATUSES as readonly string[]).includes(status)) throw new ConfigError(`--status must be one of ${AUDIT_STATUSES.join(', ')}; got ${JSON.stringify(status)}`);
  if (type !== undefined && !JOB_TYPE_PATTERN.test(type)) throw new ConfigError(`--type must match ${JOB_TYPE_PATTERN}; got ${JSON.stringify(type)}`);
  if (tenant !== undefined && !TENANT_ID_PATTERN.test(tenant)) throw new ConfigError(`--tenant must match ${TENANT_ID_PATTERN}; got ${JSON.stringify(tenant)}`);
  for (const [flag, value] of [['--since', since], ['--until', until]] as const) {
    if (value !== undefined && (!/^\d{4}-\d\d-\d\dT/.test(value) || !Number.isFinite(Date.parse(value)))) throw new ConfigError(`${flag} must be an ISO 8601 date-time such as 2026-12-01T00:00:00Z; got ${JSON.stringify(value)}`);
  }
  const filter = { ...(status !== undefined ? { status } : {}), ...(type !== undefined ? { type } : {}), ...(tenant !== undefined ? { tenantId: tenant } : {}), ...(since !== undefined ? { since } : {}), ...(until !== undefined ? { until } : {}) };
  return Object.keys(filter).length > 0 ? filter : undefined;
}
