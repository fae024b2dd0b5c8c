/**
 * @module createApp(deps): the dashboard's Hono app — REST audit API, live stream, health, metrics and the
 * page. A pure factory: it never listens (server.ts does), so tests call `app.request()` with no port.
 */
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import { errorMessage } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { isTransient, statusOf } from '../storage/azure-errors.js';
import { accessGuard } from './access.js';
import type { DashboardDeps } from './deps.js';
import { HttpError } from './http-error.js';
import { CONTENT_SECURITY_POLICY } from './page.js';
import { mountActionRoutes } from './routes/actions.js';
import { mountJobActionRoutes } from './routes/job-actions.js';
import { mountFleetRoutes } from './routes/fleet.js';
import { mountDocsRoutes } from './routes/docs.js';
import { mountJobRoutes } from './routes/jobs.js';
import { mountScheduleRoutes } from './routes/schedules.js';
import { mountPageRoutes } from './routes/page.js';
import { mountStreamRoute } from './routes/stream.js';
import { mountSubmitRoute } from './routes/submit.js';
import { mountSystemRoutes } from './routes/system.js';
import { mountTenantRoutes } from './routes/tenants.js';

export function createApp(deps: DashboardDeps): Hono {
  const app = new Hono();
  app.use('*', measured(deps));
  app.use('*', secured);
  app.use('*', accessGuard(deps.access));
  mountJobRoutes(app, deps);
  mountSubmitRoute(app, deps);
  mountStreamRoute(app, deps);
  mountSystemRoutes(app, deps);
  mountFleetRoutes(app, deps);
  mountActionRoutes(app, deps);
  mountJobActionRoutes(app, deps);
  mountScheduleRoutes(app, deps);
  mountTenantRoutes(app, deps);
  mountPageRoutes(app, deps);
  mountDocsRoutes(app);
  app.notFound((c) => {
    // A path that exists under other methods is a 405 naming them (RFC 9110 §15.5.6), not a 404.
    const allow = allowedMethods(app, c.req.path);
    if (allow.length > 0 && !allow.includes(c.req.method)) {
      return c.json({ error: `method ${c.req.method} not allowed here; allowed: ${allow.join(', ')}`, code: 'method_not_allowed' }, 405, { allow: allow.join(', ') });
    }
    return c.json({ error: 'not found', code: 'not_found' }, 404);
  });
  app.onError((error, c) => errorResponse(error, c, deps.logger));
  return app;
}

/** The methods the app's routes answer for `path` (GET implies HEAD); middleware (method ALL) does not count. */
export function allowedMethods(app: Hono, path: string): string[] {
  const methods = new Set<string>();
  for (const route of app.routes) {
    if (route.method === 'ALL' || !routePattern(route.path).test(path)) continue;
    methods.add(route.method);
    if (route.method === 'GET') methods.add('HEAD');
  }
  return [...methods].sort();
}

function routePattern(path: string): RegExp {
  const source = path
    .split('/')
    .map((part) => (part === '*' ? '.*' : part.startsWith(':') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${source}$`);
}

/** Counts and times every request by its route pattern (never the raw path: ids would explode the labels). */
function measured(deps: DashboardDeps): MiddlewareHandler {
  return async (c, next) => {
    const started = performance.now();
    await next();
    const pattern = routePath(c, -1);
    // Only the catch-all middleware matched: a 404, whatever the path was.
    const route = pattern === '*' || pattern === '/*' || pattern === '' ? 'unmatched' : pattern;
    deps.metrics.requests.inc({ method: c.req.method, route, status: String(c.res.status) });
    deps.metrics.latency.observe({ method: c.req.method, route }, (performance.now() - started) / 1000);
  };
}

const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=()',
};

const secured: MiddlewareHandler = async (c, next) => {
  await next();
  // A route may bring its own policy (the API reference needs inline styles); every other header is fixed.
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) {
    if (name !== 'content-security-policy' || !c.res.headers.has(name)) c.res.headers.set(name, value);
  }
  if (c.req.path.startsWith('/api/') && !c.res.headers.has('cache-control')) c.res.headers.set('cache-control', 'no-store');
};

/**
 * The one place errors become responses. HttpError is an answer; an Azure request that got no answer (or
 * a 5xx) is a 503; anything else is a bug: logged, and an opaque 500 that leaks nothing.
 */
function errorResponse(error: Error, c: Context, logger: Logger): Response {
  if (error instanceof HttpError) return c.json({ error: error.message, code: error.code, ...error.details }, error.status, error.headers);
  if ((error.name === 'RestError' && isTransient(error)) || error.name === 'AbortError') {
    logger.warn('storage unavailable', { path: c.req.path, status: statusOf(error), error: errorMessage(error) });
    return c.json({ error: 'storage unavailable', code: 'storage_unavailable' }, 503);
  }
  logger.error('request failed', { method: c.req.method, path: c.req.path, error: error.stack ?? errorMessage(error) });
  return c.json({ error: 'internal error', code: 'internal' }, 500);
}
