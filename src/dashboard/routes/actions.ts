/**
 * @module The operator's write actions (the access guard checks the caller's role): POST /api/demo-jobs
 * publishes demo jobs; POST /api/purge empties the namespace's queues once the body spells the namespace out.
 */
import type { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { BatonError } from '../../core/errors.js';
import type { DashboardDeps } from '../deps.js';
import type { DemoActions } from '../demo-actions.js';
import { HttpError, validated } from '../http-error.js';
import { blame, unavailable } from '../lazy-publisher.js';
import { demoJobsRequestSchema, purgeRequestSchema } from '../schemas.js';
import { actorName, jsonBody } from '../request-parts.js';

export function mountActionRoutes(app: Hono, deps: DashboardDeps): void {
  const limit = bodyLimit({ maxSize: 4096, onError: () => { throw new HttpError(413, 'payload_too_large', 'request body too large'); } });

  app.post('/api/demo-jobs', limit, async (c) => {
    const actions = enabled(deps);
    const actor = actorName(c, deps);
    const { count, failTimes } = validated(demoJobsRequestSchema, await jsonBody(c), 'body');
    try {
      return c.json({ published: await actions.publishDemoJobs(count, failTimes, actor) }, 201);
    } catch (error) {
      if (error instanceof HttpError) throw error;
      throw unavailable(blame(error), error, deps.logger);
    }
  });

  app.post('/api/purge', limit, async (c) => {
    const actions = enabled(deps);
    const { confirm } = validated(purgeRequestSchema, await jsonBody(c), 'body');
    const namespace = deps.names.namespace;
    if (confirm !== namespace) throw new HttpError(400, 'invalid_request', `body confirm: must be the namespace, "${namespace}", to confirm the purge`);
    try {
      const purged = await actions.purge();
      deps.logger.info('queues purged from the dashboard', { namespace, ...purged });
      return c.json({ namespace, purged }, 200);
    } catch (error) {
      deps.logger.warn('queues not purged', { error: (error as Error).message.split('\n')[0] });
      const refused = error instanceof BatonError && /refused/.test(error.message);
      throw new HttpError(503, 'broker_unavailable', refused ? 'RabbitMQ refused the dashboard\'s credentials' : 'queues could not be purged: RabbitMQ unavailable');
    }
  });
}

function enabled(deps: DashboardDeps): DemoActions {
  if (!deps.actions) throw new HttpError(403, 'actions_disabled', 'write actions are disabled: start the dashboard with BATON_DASHBOARD_TOKENS');
  return deps.actions;
}

