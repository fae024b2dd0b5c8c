/** @module POST /api/demo-jobs: random demo jobs, for a first look (operator; the access guard checks it). */
import type { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { DashboardDeps } from '../deps.js';
import { HttpError, validated } from '../http-error.js';
import { blame, unavailable } from '../lazy-publisher.js';
import { demoJobsRequestSchema } from '../schemas.js';

export function mountActionRoutes(app: Hono, deps: DashboardDeps): void {
  const limit = bodyLimit({ maxSize: 4096, onError: () => { throw new HttpError(413, 'payload_too_large', 'request body too large'); } });

  app.post('/api/demo-jobs', limit, async (c) => {
    const actions = deps.actions;
    if (!actions) throw new HttpError(403, 'actions_disabled', 'write actions are disabled: start the dashboard with BATON_DASHBOARD_TOKENS');
    const actor = deps.access.identify(c.req.header('authorization'))?.name ?? 'unknown';
    const text = await c.req.text();
    let body: unknown = {};
    try {
      if (text.trim() !== '') body = JSON.parse(text);
    } catch {
      throw new HttpError(400, 'invalid_request', 'body: not JSON');
    }
    const { count, failTimes } = validated(demoJobsRequestSchema, body, 'body');
    try {
      return c.json({ published: await actions.publishDemoJobs(count, failTimes, actor) }, 201);
    } catch (error) {
      if (error instanceof HttpError) throw error;
      throw unavailable(blame(error), error, deps.logger);
    }
  });
}
