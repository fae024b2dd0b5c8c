/**
 * @module `baton jobs list` and `baton jobs show ID`: the job lists and one job's state and history, read
 * straight from storage (the same job-state index and audit trail as the dashboard's API), as text or JSON.
 */
import { jobIdSchema } from '../contracts/job-request.js';
import { AUDIT_STATUSES } from '../contracts/audit-event.js';
import { namesFor } from '../contracts/names.js';
import type { Config } from '../core/config.js';
import { BatonError, ConfigError } from '../core/errors.js';
import { isNotFound } from '../storage/azure-errors.js';
import { openStorage, type BatonStorage } from '../storage/baton-storage.js';
import type { SummaryItem } from '../storage/state-index.js';

type StorageConfig = Pick<Config, 'storageConnectionString' | 'namespace'>;

export interface ListOptions {
  readonly status?: string;
  readonly type?: string;
  readonly tenant?: string;
  readonly limit: number;
  readonly cursor?: string;
  readonly json: boolean;
}

async function withStorage<T>(config: StorageConfig, work: (storage: BatonStorage) => Promise<T>): Promise<T> {
  const storage = openStorage(config.storageConnectionString, namesFor(config.namespace));
  try {
    return await work(storage);
  } finally {
    await storage.close();
  }
}

async function orEmpty<T>(read: Promise<T>, empty: T): Promise<T> {
  try {
    return await read;
  } catch (error) {
    if (isNotFound(error)) return empty; // nothing recorded in this namespace yet
    throw error;
  }
}

export async function runJobsList(config: StorageConfig, options: ListOptions, out: NodeJS.WritableStream = process.stdout): Promise<void> {
  if (options.status !== undefined && !(AUDIT_STATUSES as readonly string[]).includes(options.status)) {
    throw new ConfigError(`--status must be one of ${AUDIT_STATUSES.join(', ')}; got ${JSON.stringify(options.status)}`);
  }
  const page = await withStorage(config, async (storage) => {
    try {
      return await orEmpty(storage.states.list({
        limit: options.limit,
        ...(options.status !== undefined ? { status: options.status } : {}),
        ...(options.type !== undefined ? { type: options.type } : {}),
        ...(options.tenant !== undefined ? { tenantId: options.tenant } : {}),
        ...(options.cursor !== undefined ? { cursor: options.cursor } : {}),
      }), { items: [] as SummaryItem[], nextCursor: null as string | null });
    } catch (error) {
      if (error instanceof RangeError) throw new ConfigError(`--cursor: ${error.message}`);
      throw error;
    }
  });
  if (options.json) {
    out.write(`${JSON.stringify(page)}\n`);
    return;
  }
  if (page.items.length === 0) {
    out.write('no jobs\n');
    return;
  }
  const rows = page.items.map((item) => [item.jobId, item.status, item.type, String(item.attempts), item.updatedAt, item.jobName]);
  out.write(table(['JOB ID', 'STATUS', 'TYPE', 'ATTEMPTS', 'UPDATED', 'NAME'], rows));
  if (page.nextCursor) out.write(`more: --cursor ${page.nextCursor}\n`);
}

export async function runJobsShow(config: StorageConfig, jobId: string, json: boolean, out: NodeJS.WritableStream = process.stdout): Promise<void> {
  if (!jobIdSchema.safeParse(jobId).success) throw new ConfigError(`job id ${JSON.stringify(jobId)} must match ^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$`);
  const [state, events] = await withStorage(config, (storage) =>
    Promise.all([orEmpty(storage.audit.summary(jobId), undefined), orEmpty(storage.audit.history(jobId), [])]),
  );
  if (events.length === 0) throw new BatonError('INPUT_INVALID', `no events recorded for job ${jobId} in namespace ${config.namespace}`);
  const status = state?.status ?? events.at(-1)!.status;
  if (json) {
    out.write(`${JSON.stringify({ jobId, status, state: state ?? null, events })}\n`);
    return;
  }
  out.write(`${jobId}  ${events[0]!.jobName ?? ''}\nstatus ${status}${state ? `, ${state.attempts} attempt(s), ${state.failures} failure(s)` : ''}\n`);
  if (state?.lastError) out.write(`last error: ${state.lastError}\n`);
  out.write('\n');
  out.write(table(['TIME', 'STATUS', 'ATTEMPT', 'BY', 'MESSAGE'], events.map((event) => [event.timestamp, event.status, String(event.attempt), event.processorId, event.message])));
}

/** Columns padded to their widest cell; control characters in job data are shown escaped, never sent to the terminal. */
function table(header: string[], rows: string[][]): string {
  const clean = (cell: string) => cell.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  const all = [header, ...rows.map((row) => row.map(clean))];
  const widths = header.map((_, i) => Math.max(...all.map((row) => (row[i] ?? '').length)));
  return all.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n') + '\n';
}
