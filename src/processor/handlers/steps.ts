/**
 * @module The built-in `steps` handler: `steps` steps of `stepMs` each, one Step event per step; its
 * first `failTimes` attempts throw at their first step. Honours the abort signal during every wait.
 */
import { z } from 'zod';
import { sleep } from '../../core/time.js';
import type { HandlerDefinition } from './registry.js';

export const stepsParamsSchema = z
  .object({
    steps: z.number().int().min(0).max(10_000).default(10),
    stepMs: z.number().int().min(0).max(3_600_000).default(5000),
    failTimes: z.number().int().min(0).max(1000).default(0),
  })
  .loose();

export const stepsHandler: HandlerDefinition = {
  params: stepsParamsSchema,
  async run(job, ctx) {
    const { steps, stepMs, failTimes } = stepsParamsSchema.parse(job.processingParameters ?? {});
    if (ctx.attempt <= failTimes) {
      if (stepMs > 0) await sleep(Math.min(stepMs, 1000), ctx.signal);
      throw new Error(`simulated failure at step 1/${steps} (attempt ${ctx.attempt}; failTimes ${failTimes})`);
    }
    for (let step = 1; step <= steps; step++) {
      if (stepMs > 0) await sleep(stepMs, ctx.signal);
      ctx.signal.throwIfAborted();
      ctx.step(step, steps, `Processing step ${step}/${steps}`);
    }
  },
};
