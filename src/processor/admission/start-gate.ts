/**
 * @module Gate "has the job already ended?", asked while holding the lease: the attempt's audit log
 * (Started is written), or `Duplicate` — a dead-lettered job's copy goes to the dead-letter queue, since
 * the copy sent there when it was dead-lettered may never have been confirmed.
 */
import type { AttemptLog } from '../../storage/audit-store.js';
import { observeTime } from '../../storage/event-keys.js';
import type { DeliveryDeps } from '../delivery-deps.js';
import { deadHeaders, jobEvent } from '../job-events.js';
import type { Candidate } from './gate.js';
import { drop, handOff, run, type Verdict } from './verdict.js';

/** Throws when storage fails (the caller releases the lease and holds the delivery back). */
export async function startGate({ delivery, job }: Candidate, deps: DeliveryDeps): Promise<Verdict<AttemptLog>> {
  // Started must sort after the publisher's Queued in the job's history, whatever the clocks say.
  if (delivery.publishedAtMs !== undefined) observeTime(delivery.publishedAtMs + 1);
  const start = await deps.audit.startAttempt(job, deps.processorId, { firstDelivery: delivery.isFirstDelivery });
  if (start.kind === 'started') return run(start.attempt);
  const { status, lastError } = start.state;
  if (status === 'DeadLettered') {
    const reason = `already dead-lettered${lastError ? `; last error: ${lastError}` : ''}`;
    const event = jobEvent(job, deps.processorId, 'Duplicate', 0, `already DeadLettered; this delivery was put in ${deps.names.deadQueue}`);
    return handOff(deps.names.deadQueue, deadHeaders(deps.processorId, reason, job.jobId), 'dead-lettered', event);
  }
  return drop('duplicate', jobEvent(job, deps.processorId, 'Duplicate', 0, `already ${status}; this delivery was acknowledged unrun`));
}
