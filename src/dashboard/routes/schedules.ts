/**
 * @module `/api/schedules`: recurring jobs as `baton schedules` manages them; and `/api/jobs/{id}/run-now`. The access
 * guard checks every write (an operator token, a JSON content type); the routes name the caller as the actor.
 */
import type { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { z } from 'zod';
import { checkSchedule, firedJob, scheduleView } from '../../core/schedule-rules.js';
import { JOB_ID_PATTERN } from '../../contracts/job-request.js';
import type { DashboardDeps } from '../deps.js';
import { HttpError, validated } from '../http-error.js';
import { blame, unavailable } from '../lazy-publisher.js';
import { actorName, jsonBody } from '../request-parts.js';

export const newScheduleSchema = z
  .object({
    name: z.string(),
    cron: z.string().min(1).max(200),
    timeZone: z.string().min(1).max(100).optional(),
    job: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();

export function mountScheduleRoutes(app: Hono, deps: DashboardDeps): void {
  const limit = bodyLimit({ maxSize: 64 * 1024, onError: () => { throw new HttpError(413, 'invalid_request', 'request body too large'); } });
  const store = () => {
    if (!deps.schedules) throw new HttpError(503, 'storage_unavailable', 'schedules are not available');
    return deps.schedules;
  };
  const found = async (name: string) => {
    const schedule = await store().get(name);
    if (!schedule) throw new HttpError(404, 'not_found', `no schedule named "${name}"`);
    return schedule;
  };

  app.get('/api/schedules', async (c) => c.json((await store().list()).map((s) => scheduleView(s))));

  app.post('/api/schedules', limit, async (c) => {
    const body = validated(newScheduleSchema, await jsonBody(c), 'body');
    try {
      checkSchedule(body.name, body.cron, body.timeZone, body.job);
    } catch (error) {
      if (error instanceof RangeError) throw new HttpError(400, 'invalid_request', error.message);
      throw error;
    }
    if (!(await store().add({ name: body.name, cron: body.cron, ...(body.timeZone ? { timeZone: body.timeZone } : {}), job: body.job }))) {
      throw new HttpError(409, 'conflict', `a schedule named "${body.name}" exists`);
    }
    return c.json(scheduleView(await found(body.name)), 201);
  });

  app.delete('/api/schedules/:name', async (c) => {
    if (!(await store().remove(c.req.param('name')))) throw new HttpError(404, 'not_found', `no schedule named "${c.req.param('name')}"`);
    return c.body(null, 204);
  });

  for (const action of ['pause', 'resume'] as const) {
    app.post(`/api/schedules/:name/${action}`, async (c) => {
      const name = c.req.param('name');
      if (!(await store().setPaused(name, action === 'pause'))) throw new HttpError(404, 'not_found', `no schedule named "${name}"`);
      return c.json(scheduleView(await found(name)));
    });
  }

  app.post('/api/jobs/:jobId/run-now', async (c) => {
    const actions = enabled(deps);
    const jobId = c.req.param('jobId');
    if (!JOB_ID_PATTERN.test(jobId)) throw new HttpError(400, 'invalid_request', 'jobId: must match the job id pattern');
    const result = await actions.runNow(jobId, actorName(c, deps)).catch((error: unknown) => {
      if (error instanceof HttpError) throw error;
      throw unavailable(blame(error), error, deps.logger);
    });
    if (result.kind === 'unknown') throw new HttpError(404, 'not_found', `no job ${jobId}`);
    if (result.kind === 'not-waiting') throw new HttpError(409, 'conflict', `job ${jobId} is not waiting for its due time (${result.status})`);
    return c.json({ jobId, statusUrl: `/api/jobs/${encodeURIComponent(jobId)}` }, 202);
  });

  app.post('/api/schedules/:name/trigger', async (c) => {
    const actions = enabled(deps);
    const schedule = await found(c.req.param('name'));
    try {
      return c.json({ jobId: await actions.publishJob(firedJob(schedule, Date.now()), actorName(c, deps)) }, 202);
    } catch (error) {
      if (error instanceof HttpError) throw error;
      throw unavailable(blame(error), error, deps.logger);
    }
  });
}

function enabled(deps: DashboardDeps): NonNullable<DashboardDeps['actions']> {
  if (!deps.actions) throw new HttpError(403, 'actions_disabled', 'write actions are disabled: start the dashboard with BATON_DASHBOARD_TOKENS');
  return deps.actions;
}


