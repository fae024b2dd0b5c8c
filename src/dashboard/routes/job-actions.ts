/**
 * @module POST /api/jobs/{jobId}/cancel, /api/jobs/{jobId}/requeue and /api/bulk/cancel|requeue: operators'
 * actions on jobs, through the dashboard's Publisher (src/storage/job-control.ts says what each writes).
 * The access guard has already checked the operator token and the JSON content type; the actor recorded
 * is the token's name, never its secret.
 */
import type { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { streamText } from 'hono/streaming';
import type { Publisher } from '../../publisher/publisher.js';
import { bulkApply, bulkDryRun, type BulkAction } from '../../publisher/bulk-actions.js';
import type { DashboardDeps } from '../deps.js';
import { HttpError, validated } from '../http-error.js';
import { blame, unavailable } from '../lazy-publisher.js';
import { bulkRequestSchema, jobIdParamSchema } from '../schemas.js';
import { actorName, jsonBody } from '../request-parts.js';

export function mountJobActionRoutes(app: Hono, deps: DashboardDeps): void {
  const limit = bodyLimit({ maxSize: 4096, onError: () => { throw new HttpError(413, 'payload_too_large', 'request body too large'); } });
  const statusUrl = (jobId: string) => `/api/jobs/${encodeURIComponent(jobId)}/summary`;

  app.post('/api/jobs/:jobId/cancel', async (c) => {
    const { jobId } = validated(jobIdParamSchema, c.req.param(), 'path');
    const result = await withPublisher(deps, (publisher) => publisher.cancel(jobId, actorName(c, deps)));
    if (result.kind === 'unknown') throw new HttpError(404, 'not_found', `no job ${jobId}`);
    if (result.kind === 'ended') throw new HttpError(409, 'conflict', `job ${jobId} already ended: ${result.status}`, { status: result.status });
    return c.json({ jobId, status: result.kind === 'cancelled' ? 'Cancelled' : 'CancelRequested', statusUrl: statusUrl(jobId) }, 202);
  });

  app.post('/api/jobs/:jobId/requeue', async (c) => {
    const { jobId } = validated(jobIdParamSchema, c.req.param(), 'path');
    const result = await withPublisher(deps, (publisher) => publisher.requeue(jobId, actorName(c, deps)));
    if (result.kind === 'unknown') throw new HttpError(404, 'not_found', `no job ${jobId}`);
    if (result.kind === 'conflict') {
      throw new HttpError(409, 'conflict', `job ${jobId} is ${result.status}: only a DeadLettered or Cancelled job can be requeued`, { status: result.status });
    }
    return c.json({ jobId, status: 'Queued', statusUrl: statusUrl(jobId) }, 202);
  });

  for (const action of ['cancel', 'requeue'] as const satisfies readonly BulkAction[]) {
    app.post(`/api/bulk/${action}`, limit, async (c) => {
      const filter = validated(bulkRequestSchema, await jsonBody(c), 'body');
      const { dryRun, ...rest } = filter;
      if (dryRun) return c.json(await withPublisher(deps, (publisher) => bulkDryRun(publisher, rest)));
      // An empty body must not act on every job in the namespace by accident.
      if (Object.keys(rest).length === 0) throw new HttpError(400, 'invalid_request', `body: name at least one filter (status, type, tenantId, since, until) for a bulk ${action}`);
      const publisher = await withPublisher(deps, async (p) => p);
      const who = actorName(c, deps);
      if (!(c.req.header('accept') ?? '').includes('application/x-ndjson')) return c.json(await withPublisher(deps, () => bulkApply(publisher, action, rest, who)));
      // Progress as it goes: one JSON line per page of jobs, the last one with "done": true.
      c.header('content-type', 'application/x-ndjson');
      return streamText(c, async (stream) => {
        const lines: Promise<unknown>[] = [];
        const result = await bulkApply(publisher, action, rest, who, (progress) => lines.push(stream.writeln(JSON.stringify({ ...progress, finished: false }))));
        await Promise.all(lines);
        await stream.writeln(JSON.stringify({ ...result, finished: true }));
      });
    });
  }
}

/** The dashboard's publisher for `work`; the broker or storage being down is a 503 naming it. */
async function withPublisher<T>(deps: DashboardDeps, work: (publisher: Publisher) => Promise<T>): Promise<T> {
  try {
    return await work(await deps.publisher.get());
  } catch (error) {
    if (error instanceof HttpError) throw error;
    throw unavailable(blame(error), error, deps.logger);
  }
}


