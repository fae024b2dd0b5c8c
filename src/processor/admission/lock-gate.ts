/**
 * @module Gate "is the lock key free?": this processor's leases, or `Deferred` — the message goes round a
 * delay and comes back, with no hot requeue loop and no consumer sleeping on a prefetch slot.
 *
 * A job is always exclusive with itself, even when two copies of it name different lock keys: a job
 * whose lock key is not its jobId also takes the lease on its jobId (the lock key's first, so that the
 * contended one is tried first). A job with no lock key of its own pays for one lease, as before.
 */
import type { AcquiredLease } from '../../storage/blob-lease-store.js';
import { BLOB_ERROR, codeOf } from '../../storage/azure-errors.js';
import type { DeliveryDeps } from '../delivery-deps.js';
import { formatMs, jobEvent } from '../job-events.js';
import type { HeldLease } from '../lease-manager.js';
import type { Candidate } from './gate.js';
import { run, waitFor, type Verdict } from './verdict.js';

/** Throws when storage fails (the caller holds the delivery back); a lease held elsewhere is a value. */
export async function lockGate({ delivery, job }: Candidate, deps: DeliveryDeps): Promise<Verdict<HeldLease[]>> {
  // A job's own lock blob is almost always new on its first delivery: create it first.
  const keyLease = await acquire(job.lockKey, delivery.isFirstDelivery && job.lockKey === job.jobId, deps);
  if (!keyLease) return deferred(`lock key "${job.lockKey}" is held by another attempt`, { delivery, job }, deps);
  const leases = [deps.leases.track(keyLease)];
  if (job.lockKey !== job.jobId) {
    let ownLease: AcquiredLease | null;
    try {
      ownLease = await acquire(job.jobId, delivery.isFirstDelivery, deps);
    } catch (error) {
      await deps.leases.release(leases[0]!);
      throw error;
    }
    if (!ownLease) {
      await deps.leases.release(leases[0]!);
      return deferred(`the job is running elsewhere (under another lock key)`, { delivery, job }, deps);
    }
    leases.push(deps.leases.track(ownLease));
  }
  return run(leases);
}

async function acquire(lockKey: string, createFirst: boolean, deps: DeliveryDeps): Promise<AcquiredLease | null> {
  try {
    return await deps.leaseStore.tryAcquire(lockKey, deps.leaseSeconds, { createFirst });
  } catch (error) {
    // Someone deleted the lock container: every job would be held back for ever. Create it again, once.
    if (codeOf(error) !== BLOB_ERROR.containerNotFound) throw error;
    deps.logger.warn('the lock container was missing; creating it again');
    await deps.ensureLockContainer();
    return deps.leaseStore.tryAcquire(lockKey, deps.leaseSeconds, { createFirst });
  }
}

function deferred(why: string, { job }: Pick<Candidate, 'delivery' | 'job'>, deps: DeliveryDeps): Verdict<HeldLease[]> {
  // A crashed holder's lease runs out within one lease period; coming back every quarter of it (and
  // never later than BATON_DEFER_SECONDS) bounds the extra wait after a failover. Jitter spreads herds.
  const wantedMs = Math.min(deps.deferSeconds * 1000, (deps.leaseSeconds * 1000) / 4);
  const delayMs = deps.delays.plan(wantedMs * (0.8 + Math.random() * 0.2));
  return waitFor(delayMs, 'deferred', jobEvent(job, deps.processorId, 'Deferred', 0, `${why}; delivering again in ${formatMs(delayMs)}`));
}
