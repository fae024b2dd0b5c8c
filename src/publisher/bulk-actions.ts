/**
 * @module Bulk cancel and requeue (`POST /api/bulk/*`, `baton jobs cancel|requeue --status …`): walks the
 * job-state index page by page and applies the per-job action to every job that matches.
 *
 * Safe to run again after an interruption: each per-job action is idempotent (a job already cancelled or
 * requeued answers "conflict" and is counted as skipped), and the walk starts from the newest job again.
 * Memory stays one page whatever the number of jobs; progress is reported after every page.
 */
import type { SummaryItem } from '../storage/state-index.js';
import type { Publisher } from './publisher.js';

export type BulkAction = 'cancel' | 'requeue';

export interface BulkFilter {
  readonly status?: string;
  readonly type?: string;
  readonly tenantId?: string;
  /** Only jobs created at or after this instant (ISO 8601). */
  readonly since?: string;
  /** Only jobs created before this instant (ISO 8601). */
  readonly until?: string;
}

export interface BulkProgress {
  /** Jobs matched so far. */
  readonly matched: number;
  /** The action took effect. */
  readonly done: number;
  /** The job's status did not allow it (already ended, not dead-lettered…): nothing to do. */
  readonly skipped: number;
  /** Storage or the broker failed for these; run the action again to retry them. */
  readonly failed: number;
}

export const SAMPLE_SIZE = 10;
const PAGE = 500;
/** Per-job actions in flight at once. */
const WINDOW = 16;

/** Every matching job, newest first, page by page (one range query per page, whatever the history). */
async function* matching(publisher: Publisher, filter: BulkFilter): AsyncGenerator<SummaryItem[]> {
  const sinceMs = filter.since === undefined ? -Infinity : Date.parse(filter.since);
  const untilMs = filter.until === undefined ? Infinity : Date.parse(filter.until);
  let cursor: string | undefined;
  do {
    const page = await publisher.storage.states.list({
      limit: PAGE,
      ...(filter.status !== undefined ? { status: filter.status } : {}),
      ...(filter.type !== undefined ? { type: filter.type } : {}),
      ...(filter.tenantId !== undefined ? { tenantId: filter.tenantId } : {}),
      ...(cursor !== undefined ? { cursor } : {}),
    });
    const items = page.items.filter((item) => {
      const created = Date.parse(item.createdAt);
      return created >= sinceMs && created < untilMs;
    });
    yield items;
    // Newest first: once a page reaches back before `since`, no later page can match.
    const oldest = page.items.at(-1);
    if (oldest && Date.parse(oldest.createdAt) < sinceMs) return;
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
}

/** How many jobs match, and the first SAMPLE_SIZE of them: changes nothing. */
export async function bulkDryRun(publisher: Publisher, filter: BulkFilter): Promise<{ count: number; sample: SummaryItem[] }> {
  let count = 0;
  const sample: SummaryItem[] = [];
  for await (const items of matching(publisher, filter)) {
    count += items.length;
    sample.push(...items.slice(0, SAMPLE_SIZE - sample.length));
  }
  return { count, sample };
}

/** Applies `action` to every matching job; `onProgress` is told after each page. */
export async function bulkApply(publisher: Publisher, action: BulkAction, filter: BulkFilter, actor: string, onProgress?: (progress: BulkProgress) => void): Promise<BulkProgress> {
  let progress: BulkProgress = { matched: 0, done: 0, skipped: 0, failed: 0 };
  const count = (key: 'done' | 'skipped' | 'failed') => {
    progress = { ...progress, [key]: progress[key] + 1 };
  };
  for await (const items of matching(publisher, filter)) {
    progress = { ...progress, matched: progress.matched + items.length };
    let next = 0;
    const worker = async () => {
      while (next < items.length) {
        const { jobId } = items[next++]!;
        try {
          const result = action === 'cancel' ? await publisher.cancel(jobId, actor) : await publisher.requeue(jobId, actor);
          count(result.kind === 'cancelled' || result.kind === 'stopping' || result.kind === 'requeued' ? 'done' : 'skipped');
        } catch {
          count('failed');
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(WINDOW, items.length) }, worker));
    onProgress?.(progress);
  }
  return progress;
}
