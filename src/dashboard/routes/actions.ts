/** @module POST /api/demo-jobs: the one write action, behind BATON_DASHBOARD_TOKEN (a bearer token, so no CSRF). */
import type { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { DashboardDeps } from '../deps.js';
import { HttpError, validated } from '../http-error.js';
import { demoJobsRequestSchema } from '../schemas.js';
import { requireOperator } from '../write-guard.js';

export function mountActionRoutes(app: Hono, deps: DashboardDeps): void {
  const limit = bodyLimit({ maxSize: 4096, onError: () => { throw new HttpError(413, 'invalid_request', 'request body too large'); } });

  app.post('/api/demo-jobs', limit, async (c) => {
    const actions = requireOperator(c, deps);
    const text = await c.req.text();
    let body: unknown = {};
    try {
      if (text.trim() !== '') body = JSON.parse(text);
    } catch {
      throw new HttpError(400, 'invalid_request', 'body: not JSON');
    }
    const { count, failTimes } = validated(demoJobsRequestSchema, body, 'body');
    try {
      return c.json({ published: await actions.publishDemoJobs(count, failTimes) }, 201);
    } catch (error) {
      deps.logger.warn('demo jobs not published', { error: (error as Error).message });
      throw new HttpError(503, 'broker_unavailable', 'demo jobs could not be published: RabbitMQ unavailable');
    }
  });
}
