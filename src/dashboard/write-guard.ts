/** @module The dashboard's write guard: every write needs the operator's bearer token (BATON_DASHBOARD_TOKEN). */
import type { Context } from 'hono';
import type { DashboardDeps } from './deps.js';
import type { DemoActions } from './demo-actions.js';
import { HttpError } from './http-error.js';

/** Throws 403 when writes are disabled and 401 without the right token; returns the actions otherwise. */
export function requireOperator(c: Context, deps: DashboardDeps): DemoActions {
  const actions = deps.actions;
  if (!actions) throw new HttpError(403, 'actions_disabled', 'write actions are disabled: start the dashboard with BATON_DASHBOARD_TOKEN');
  const presented = /^Bearer (\S+)$/.exec(c.req.header('authorization') ?? '')?.[1];
  if (!actions.authorized(presented)) throw new HttpError(401, 'unauthorized', 'missing or wrong bearer token');
  return actions;
}
