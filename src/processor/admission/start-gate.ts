/**
 * @module Gate "has the job already ended?", asked while holding the lease: the attempt's audit log
 * (Started is written), or `Duplicate` — a dead-lettered job's copy goes to the dead-letter queue, since
 * the copy sent there when it was dead-lettered may never have been confirmed.
 */
import { LeaseLostError } from '../../core/errors.js';
import { withTimeout } from '../../core/time.js';
import type { JobRequest } from '../../contracts/job-request.js';
import type { AttemptLog, StartOutcome } from '../../storage/audit-store.js';
import { observeTime } from '../../storage/event-keys.js';
import type { DeliveryDeps } from '../delivery-deps.js';
import { deadHeaders, jobEvent, writeEventually } from '../job-events.js';
import type { HeldLease } from '../lease-manager.js';
import type { Candidate } from './gate.js';
import { drop, handOff, run, type Verdict } from './verdict.js';

/**
 * Throws when storage fails or does not answer while the lease is certainly ours (the caller releases the
 * lease and holds the delivery back). A Started that lands after that counts as an attempt ended without a record.
 */
export async function startGate({ delivery, job }: Candidate, leases: readonly HeldLease[], deps: DeliveryDeps): Promise<Verdict<AttemptLog>> {
  // Started must sort after the publisher's Queued in the job's history, whatever the clocks say.
  if (delivery.publishedAtMs !== undefined) observeTime(delivery.publishedAtMs + 1);
  const giveUp = new AbortController();
  const queued = delivery.queued(job);
  const starting = deps.audit.startAttempt(job, deps.processorId, {
    firstDelivery: delivery.isFirstDelivery,
    generation: delivery.generation,
    signal: giveUp.signal,
    ...(queued ? { queued } : {}),
    ...(delivery.indexShard === undefined ? {} : { indexShard: delivery.indexShard }),
  });
  const remainingMs = Math.min(...leases.map((lease) => lease.remainingMs()));
  const start = await withTimeout(starting, remainingMs, () => {
    giveUp.abort();
    const gaveUpAt = Date.now();
    endLateStart(starting, job, gaveUpAt, deps);
    return new LeaseLostError('Started could not be recorded within the lease', new Date(gaveUpAt));
  });
  if (start.kind === 'started') return run(start.attempt);
  // An operator's cancel reached the job while it waited: Cancelled is recorded (with the state row).
  if (start.kind === 'cancelled') return drop('cancelled');
  if (start.kind === 'superseded') {
    return drop('duplicate', jobEvent(job, deps.processorId, 'Duplicate', 0, `a copy from before requeue ${start.generation}; this delivery was acknowledged unrun`));
  }
  const { status, lastError } = start.state;
  if (status === 'DeadLettered') {
    const reason = `already dead-lettered${lastError ? `; last error: ${lastError}` : ''}`;
    const event = jobEvent(job, deps.processorId, 'Duplicate', 0, `already DeadLettered; this delivery was put in ${deps.names.deadQueue}`);
    return handOff(deps.names.deadQueue, deadHeaders(deps.processorId, reason, job.jobId), 'dead-lettered', event);
  }
  return drop('duplicate', jobEvent(job, deps.processorId, 'Duplicate', 0, `already ${status}; this delivery was acknowledged unrun`));
}

/**
 * A Started this processor stopped waiting for may still land: give that attempt its one end, dated when the
 * processor gave the lease up (so it cannot overlap the next attempt), written by the attempt's own log.
 */
function endLateStart(starting: Promise<StartOutcome>, job: JobRequest, gaveUpAt: number, deps: DeliveryDeps): void {
  void starting.then(
    (late) => {
      if (late.kind !== 'started') return;
      const log = late.attempt;
      const loss = { ...jobEvent(job, deps.processorId, 'LeaseLost', log.attempt, ''), message: `Started landed after the processor stopped waiting for it at ${new Date(gaveUpAt).toISOString()}; the handler never ran` };
      writeEventually(deps.logger, 'LeaseLost', () => log.recordLoss(loss, gaveUpAt));
    },
    () => undefined, // it never landed: nothing to end
  );
}
