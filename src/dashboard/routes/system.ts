/** @module GET /health, /metrics, /api/info, /api/stats and /api/openapi.json. */
import type { Hono } from 'hono';
import type { DashboardDeps } from '../deps.js';
import { validated } from '../http-error.js';
import { openApiDocument } from '../openapi.js';
import { statsQuerySchema } from '../schemas.js';

export function mountSystemRoutes(app: Hono, deps: DashboardDeps): void {
  app.get('/health', async (c) => {
    const health = await deps.health();
    return c.json(health, health.status === 'down' ? 503 : 200);
  });

  app.get('/metrics', async (c) => {
    const body = await deps.metrics.registry.metrics();
    return c.body(body, 200, { 'content-type': deps.metrics.registry.contentType });
  });

  app.get('/api/info', (c) => c.json({
    namespace: deps.names.namespace,
    writeActions: deps.access.writesEnabled,
    readsNeedToken: deps.access.readsNeedToken,
    caller: deps.access.identify(c.req.header('authorization')) ?? null,
  }));

  app.get('/api/stats', async (c) => {
    const { minutes, tenantId } = validated(statsQuerySchema, c.req.query(), 'query');
    return c.json(await deps.snapshots.get(minutes, tenantId));
  });

  app.get('/api/openapi.json', (c) => c.json(openApiDocument()));
}
