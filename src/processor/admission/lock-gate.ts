/**
 * @module Gate "is the lock key free?": this processor's lease on it, or `Deferred` — the message goes
 * round a delay and comes back, with no hot requeue loop and no consumer sleeping on a prefetch slot.
 */
import type { DeliveryDeps } from '../delivery-deps.js';
import { formatMs, jobEvent } from '../job-events.js';
import type { HeldLease } from '../lease-manager.js';
import type { Candidate } from './gate.js';
import { run, waitFor, type Verdict } from './verdict.js';

/** Throws when storage fails (the caller holds the delivery back); a lease held elsewhere is a value. */
export async function lockGate({ delivery, job }: Candidate, deps: DeliveryDeps): Promise<Verdict<HeldLease>> {
  const lease = await deps.leaseStore.tryAcquire(job.lockKey, deps.leaseSeconds, {
    // A job's own lock key is almost always new on its first delivery: create the blob first.
    createFirst: delivery.isFirstDelivery && job.lockKey === job.jobId,
  });
  if (lease) return run(deps.leases.track(lease));
  // A crashed holder's lease runs out within one lease period; coming back every quarter of it (and
  // never later than BATON_DEFER_SECONDS) bounds the extra wait after a failover. Jitter spreads herds.
  const wantedMs = Math.min(deps.deferSeconds * 1000, (deps.leaseSeconds * 1000) / 4);
  const delayMs = deps.delays.plan(wantedMs * (0.8 + Math.random() * 0.2));
  const message = `lock key "${job.lockKey}" is held by another attempt; delivering again in ${formatMs(delayMs)}`;
  return waitFor(delayMs, 'deferred', jobEvent(job, deps.processorId, 'Deferred', 0, message));
}
