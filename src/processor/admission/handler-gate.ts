/** @module Gate 2, "does this processor know the job's type?": its handler, or `Rejected`. */
import type { JobRequest } from '../../contracts/job-request.js';
import type { DeliveryDeps } from '../delivery-deps.js';
import type { HandlerDefinition } from '../handlers/registry.js';
import { reject } from './reject.js';
import { run, type Verdict } from './verdict.js';

export function handlerGate(job: JobRequest, deps: DeliveryDeps): Verdict<HandlerDefinition> {
  const handler = deps.registry.get(job.type);
  if (handler) return run(handler);
  return reject(`no handler for job type "${job.type}" (known: ${deps.registry.types().join(', ')})`, job, deps);
}
