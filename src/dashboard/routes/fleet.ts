/** @module GET /api/processors (the fleet, from heartbeats) and GET /api/charts?range=1h|24h (the per-minute roll-up). */
import type { Hono } from 'hono';
import { buildCharts } from '../charts.js';
import type { DashboardDeps } from '../deps.js';
import { chartsQuerySchema } from '../fleet-schemas.js';
import { validated } from '../http-error.js';
import { emptyIfNoTable } from './jobs.js';

export function mountFleetRoutes(app: Hono, deps: DashboardDeps): void {
  app.get('/api/processors', async (c) => c.json(await emptyIfNoTable(deps.fleet.processors(), [])));

  app.get('/api/charts', async (c) => {
    const { range } = validated(chartsQuerySchema, c.req.query(), 'query');
    return c.json((await emptyIfNoTable(deps.charts.get(range), undefined)) ?? buildCharts([], range, Date.now()));
  });
}
