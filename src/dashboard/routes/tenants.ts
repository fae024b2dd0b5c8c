/** @module GET /api/tenants, GET /api/tenants/{id} (limits and use) and PUT /api/tenants/{id} (operator). */
import type { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { TENANT_ID_PATTERN } from '../../contracts/job-request.js';
import { tenantLimitsUpdateSchema } from '../../contracts/tenant-limits.js';
import { viewTenant, viewTenants } from '../../tenants/tenant-view.js';
import type { DashboardDeps } from '../deps.js';
import { HttpError, validated } from '../http-error.js';

export function mountTenantRoutes(app: Hono, deps: DashboardDeps): void {
  const { tenants } = deps;
  if (!tenants) return;
  const limit = bodyLimit({ maxSize: 4096, onError: () => { throw new HttpError(413, 'invalid_request', 'request body too large'); } });
  const tenantId = (raw: string) => {
    if (!TENANT_ID_PATTERN.test(raw)) throw new HttpError(400, 'invalid_request', `tenantId must match ${TENANT_ID_PATTERN.source}`);
    return raw;
  };

  app.get('/api/tenants', async (c) => c.json(await viewTenants(tenants.storage, deps.names, tenants.defaults)));

  app.get('/api/tenants/:tenantId', async (c) => c.json(await viewTenant(tenants.storage, deps.names, tenants.defaults, tenantId(c.req.param('tenantId')))));

  app.put('/api/tenants/:tenantId', limit, async (c) => {
    // The access guard let only an operator this far.
    const actor = deps.access.identify(c.req.header('authorization'))?.name ?? 'operator';
    const id = tenantId(c.req.param('tenantId'));
    let body: unknown;
    try {
      body = JSON.parse(await c.req.text());
    } catch {
      throw new HttpError(400, 'invalid_request', 'body: not JSON');
    }
    const update = validated(tenantLimitsUpdateSchema, body, 'body');
    if (update.concurrency === undefined && update.rate === undefined) throw new HttpError(400, 'invalid_request', 'body: give concurrency, rate or both');
    await tenants.storage.tenants.setOverrides(id, update, actor);
    return c.json(await viewTenant(tenants.storage, deps.names, tenants.defaults, id));
  });
}
