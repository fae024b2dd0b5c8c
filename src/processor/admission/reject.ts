/** @module `Rejected`: a message that will never run goes to the dead-letter queue with its reason, and an event when it has a usable jobId. */
import type { DeliveryDeps } from '../delivery-deps.js';
import { deadHeaders, jobEvent } from '../job-events.js';
import { handOff, type Stop } from './verdict.js';

export function reject(reason: string, job: { jobId?: string; jobName?: string }, deps: Pick<DeliveryDeps, 'names' | 'processorId'>): Stop {
  const event = job.jobId ? jobEvent({ jobId: job.jobId, jobName: job.jobName }, deps.processorId, 'Rejected', 0, reason) : undefined;
  return handOff(deps.names.deadQueue, deadHeaders(deps.processorId, reason, job.jobId), 'rejected', event);
}
