/**
 * @module Gate "is the lock key free?": this processor's leases, or `Deferred` — the message goes round a
 * delay and comes back, with no hot requeue loop and no consumer sleeping on a prefetch slot.
 *
 * A job is always exclusive with itself, even when two copies of it name different lock keys: every job holds
 * the lease of its jobId's lock stripe (src/storage/lock-stripes.ts: a reusable blob shared, rarely, with
 * unrelated jobs). A job whose lock key is not its jobId takes that lock key's lease first (the contended one),
 * then its stripe's; a job with no lock key of its own takes only its stripe's.
 */
import type { AcquiredLease } from '../../storage/blob-lease-store.js';
import { BLOB_ERROR, codeOf } from '../../storage/azure-errors.js';
import { describeLock, stripeKey } from '../../storage/lock-stripes.js';
import type { DeliveryDeps } from '../delivery-deps.js';
import { HEADER } from '../delivery.js';
import { formatMs, jobEvent } from '../job-events.js';
import type { HeldLease } from '../lease-manager.js';
import type { Candidate } from './gate.js';
import { run, waitFor, type Verdict } from './verdict.js';

/** Throws when storage fails (the caller holds the delivery back); a lease held elsewhere is a value. */
export async function lockGate({ delivery, job }: Candidate, deps: DeliveryDeps): Promise<Verdict<HeldLease[]>> {
  const ownKey = stripeKey(job.jobId);
  const keys = job.lockKey === job.jobId ? [ownKey] : [job.lockKey, ownKey];
  const leases: HeldLease[] = [];
  for (const key of keys) {
    let lease: AcquiredLease | null;
    try {
      lease = await acquire(key, deps);
    } catch (error) {
      await Promise.all(leases.map((held) => deps.leases.release(held)));
      throw error;
    }
    if (!lease) {
      await Promise.all(leases.map((held) => deps.leases.release(held)));
      return deferred(heldWhy(key, ownKey, keys.length), { delivery, job }, deps, key === ownKey);
    }
    leases.push(deps.leases.track(lease));
  }
  return run(leases);
}

function heldWhy(key: string, ownKey: string, count: number): string {
  if (key !== ownKey) return `${describeLock(key)} is held by another attempt`;
  // The stripe is held by this job running elsewhere, or (rarely) by an unrelated job that shares it.
  const job = count > 1 ? 'the job is running elsewhere (under another lock key)' : 'the job is running elsewhere';
  return `${job}, or its ${describeLock(key)} is taken by another job`;
}

async function acquire(lockKey: string, deps: DeliveryDeps): Promise<AcquiredLease | null> {
  // This processor's last job of the key may still be letting it go (releaseBehind): not a reason to defer.
  await deps.leases.released(lockKey);
  try {
    return await deps.leaseStore.tryAcquire(lockKey, deps.leaseSeconds);
  } catch (error) {
    // Someone deleted the lock container: every job would be held back for ever. Create it again, once.
    if (codeOf(error) !== BLOB_ERROR.containerNotFound) throw error;
    deps.logger.warn('the lock container was missing; creating it again');
    await deps.ensureLockContainer();
    return deps.leaseStore.tryAcquire(lockKey, deps.leaseSeconds);
  }
}

/** The first wait behind a held lock stripe; each further one doubles, up to the lock-key wait. */
const STRIPE_FIRST_WAIT_MS = 200;

/**
 * `stripe`: what is held is the job's lock stripe. Most often an unrelated short job shares it (no one holds
 * the job itself), so the job comes back soon and then less and less soon — 0.2 s, 0.4 s, 0.8 s … — rather
 * than after a whole lock-key wait; the count travels in the message.
 */
function deferred(why: string, { delivery, job }: Pick<Candidate, 'delivery' | 'job'>, deps: DeliveryDeps, stripe: boolean): Verdict<HeldLease[]> {
  // A crashed holder's lease runs out within one lease period; coming back every quarter of it (and
  // never later than BATON_DEFER_SECONDS) bounds the extra wait after a failover. Jitter spreads herds.
  const lockKeyWaitMs = Math.min(deps.deferSeconds * 1000, (deps.leaseSeconds * 1000) / 4);
  const stripeWaits = delivery.stripeWaits;
  const wantedMs = stripe ? Math.min(lockKeyWaitMs, STRIPE_FIRST_WAIT_MS * 2 ** stripeWaits) : lockKeyWaitMs;
  const delayMs = deps.delays.plan(wantedMs * (0.8 + Math.random() * 0.2));
  const event = jobEvent(job, deps.processorId, 'Deferred', 0, `${why}; delivering again in ${formatMs(delayMs)}`);
  return waitFor(delayMs, 'deferred', event, stripe ? { [HEADER.stripeWaits]: stripeWaits + 1 } : undefined);
}
