/** @module GET /api/jobs, /api/jobs/:jobId, /api/jobs/:jobId/summary and /api/summaries: the audit trail and job lists, validated in, JSON out. */
import type { Hono } from 'hono';
import type { AuditEvent } from '../../contracts/audit-event.js';
import { isNotFound } from '../../storage/azure-errors.js';
import type { DashboardDeps } from '../deps.js';
import { HttpError, validated } from '../http-error.js';
import { buildJobView } from '../job-view.js';
import { jobIdParamSchema, recentQuerySchema, summariesQuerySchema } from '../schemas.js';

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

export function mountJobRoutes(app: Hono, deps: DashboardDeps): void {
  app.get('/api/jobs', async (c) => {
    const { limit } = validated(recentQuerySchema, c.req.query(), 'query');
    const events = await emptyIfNoTable(deps.index.recent(limit), []);
    return c.json(events.sort(newestFirst));
  });

  app.get('/api/summaries', async (c) => {
    const { cursor, ...query } = validated(summariesQuerySchema, c.req.query(), 'query');
    try {
      return c.json(await emptyIfNoTable(deps.states.list({ ...query, ...(cursor !== undefined ? { cursor } : {}) }), { items: [], nextCursor: null }));
    } catch (error) {
      if (error instanceof RangeError) throw new HttpError(400, 'invalid_request', `query ${error.message}`);
      throw error;
    }
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
