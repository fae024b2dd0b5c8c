/**
 * @module GET /api/jobs, /api/jobs/:jobId, /api/jobs/:jobId/summary, /api/summaries and
 * /api/tenants/:tenantId/jobs: the audit trail and job lists, validated in, JSON out.
 */
import type { Hono } from 'hono';
import type { AuditEvent } from '../../contracts/audit-event.js';
import { isNotFound } from '../../storage/azure-errors.js';
import type { DashboardDeps } from '../deps.js';
import { HttpError, validated } from '../http-error.js';
import { buildJobView } from '../job-view.js';
import type { SummaryQuery } from '../../storage/state-index.js';
import { jobIdParamSchema, recentQuerySchema, summariesQuerySchema, tenantIdParamSchema, tenantJobsQuerySchema } from '../schemas.js';

/** A table that does not exist yet (nothing was ever recorded in this namespace) holds no events. */
export async function emptyIfNoTable<T>(read: Promise<T>, empty: T): Promise<T> {
  try {
    return await read;
  } catch (error) {
    if (isNotFound(error)) return empty;
    throw error;
  }
}

/**
 * The index orders by millisecond, then by event id ascending: events stamped in the same millisecond come
 * oldest first. Their ids carry a per-process counter, so sorting the page puts them newest first too.
 */
function newestFirst(a: AuditEvent, b: AuditEvent): number {
  if (a.timestamp !== b.timestamp) return a.timestamp < b.timestamp ? 1 : -1;
  return a.eventId < b.eventId ? 1 : a.eventId > b.eventId ? -1 : 0;
}

/** How far back `GET /api/jobs?tenantId=` looks: the tenant is a filter over the index's rows, so bound them. */
export const TENANT_RECENT_MS = 24 * 3_600_000;

/** One page of a job list; a cursor from another list is a 400. */
async function listPage(deps: DashboardDeps, query: { cursor?: string | undefined } & Omit<SummaryQuery, 'cursor'>) {
  const { cursor, ...rest } = query;
  try {
    return await emptyIfNoTable(deps.states.list({ ...rest, ...(cursor !== undefined ? { cursor } : {}) }), { items: [], nextCursor: null });
  } catch (error) {
    if (error instanceof RangeError) throw new HttpError(400, 'invalid_request', `query ${error.message}`);
    throw error;
  }
}

export function mountJobRoutes(app: Hono, deps: DashboardDeps): void {
  app.get('/api/jobs', async (c) => {
    const { limit, tenantId } = validated(recentQuerySchema, c.req.query(), 'query');
    const read = tenantId === undefined ? deps.index.recent(limit) : deps.index.since(Date.now() - TENANT_RECENT_MS, limit, tenantId);
    const events = await emptyIfNoTable(read, []);
    return c.json(events.sort(newestFirst));
  });

  app.get('/api/summaries', async (c) => c.json(await listPage(deps, validated(summariesQuerySchema, c.req.query(), 'query'))));

  app.get('/api/tenants/:tenantId/jobs', async (c) => {
    const { tenantId } = validated(tenantIdParamSchema, c.req.param(), 'path');
    return c.json(await listPage(deps, { ...validated(tenantJobsQuerySchema, c.req.query(), 'query'), tenantId }));
  });

  app.get('/api/jobs/:jobId', async (c) => {
    const { jobId } = validated(jobIdParamSchema, c.req.param(), 'path');
    const history = await emptyIfNoTable(deps.audit.history(jobId), []);
    if (history.length === 0) throw new HttpError(404, 'not_found', 'no events recorded for this job');
    return c.json(history);
  });

  app.get('/api/jobs/:jobId/summary', async (c) => {
    const { jobId } = validated(jobIdParamSchema, c.req.param(), 'path');
    const [history, state] = await Promise.all([
      emptyIfNoTable(deps.audit.history(jobId), []),
      emptyIfNoTable(deps.audit.summary(jobId), undefined),
    ]);
    if (history.length === 0) throw new HttpError(404, 'not_found', 'no events recorded for this job');
    return c.json(buildJobView(jobId, history, state));
  });
}
