/**
 * @module Gate 2, "does this processor know the job's type?": its handler, or wait for a processor that does.
 *
 * In a mixed fleet (processors with different BATON_HANDLERS) a job may reach one that lacks its handler.
 * It is not rejected: it goes round a short delay (growing from 0.5 s to 8 s, so that it soon reaches
 * another processor, without spinning while none knows the type) and comes back to `<ns>.jobs`, counting
 * its tries in a header. It waits visibly: `Deferred` on its first try and every tenth, naming the type.
 * It is never dead-lettered for it; an operator who decides so can cancel it.
 */
import type { JobRequest } from '../../contracts/job-request.js';
import type { Delivery } from '../delivery.js';
import { HEADER } from '../delivery.js';
import type { DeliveryDeps } from '../delivery-deps.js';
import type { HandlerDefinition } from '../handlers/registry.js';
import { formatMs, jobEvent } from '../job-events.js';
import { run, waitFor, type Verdict } from './verdict.js';

const FIRST_WAIT_MS = 500;
const LONGEST_WAIT_MS = 8000;
/** A Deferred on the first try and every this many after it: visible, without an event per hop. */
const RECORD_EVERY = 10;

export function handlerGate(job: JobRequest, delivery: Delivery, deps: DeliveryDeps): Verdict<HandlerDefinition> {
  const handler = deps.registry.get(job.type);
  if (handler) return run(handler);
  const tries = delivery.handlerMisses + 1;
  const delayMs = deps.delays.plan(Math.min(LONGEST_WAIT_MS, FIRST_WAIT_MS * 2 ** (tries - 1)));
  const message = `no handler for job type "${job.type}" on ${deps.processorId} (it knows: ${deps.registry.types().join(', ')}); ` +
    `waiting for a processor that has one (try ${tries}; again in ${formatMs(delayMs)})`;
  const event = tries === 1 || tries % RECORD_EVERY === 0 ? jobEvent(job, deps.processorId, 'Deferred', 0, message) : undefined;
  return waitFor(delayMs, 'deferred', event, { [HEADER.handlerMisses]: tries });
}
