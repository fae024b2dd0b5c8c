/**
 * @module Lock stripes: the leases that keep a job exclusive with itself. A job's own lock (its lock key when it
 * names none, and the jobId lease every job takes) is not a blob of its own, created and deleted per job, but one
 * of LOCK_STRIPES reusable blobs picked by a hash of the jobId: each stripe blob is created once (by the first job
 * that meets it missing) and then only leased and released, so a job costs 2 blob requests (acquire, release)
 * instead of 3 (create, acquire, delete), no blob-create work for the service, and no blob is left per job.
 *
 * Two unrelated jobs share a stripe rarely (about jobs-in-flight ÷ LOCK_STRIPES of the time); the later one is
 * only Deferred, as behind any held lock key. The lease is mutual exclusion only: fencing stays on the job's state
 * row ETag (audit-store.ts), so a stripe shared with another job changes nothing about who may write a job's record.
 *
 * MUST: every processor of a namespace maps a jobId to the same stripe (a fixed count and hash, never a setting):
 * two processors that disagreed would lease different blobs for one job and could run it twice at once.
 */

/** Fixed on purpose (see MUST). 16,384 stripes: under 0.1 % deferrals with 16 own-key jobs in flight, 2.4 % with 400. */
export const LOCK_STRIPES = 16_384;

/** A control character starts it: no job lock key can be one (they refuse control characters), nor a tenant slot. */
const STRIPE_PREFIX = '\u0001stripe:';

/** FNV-1a over the jobId's UTF-16 code units: stable across processes, versions and platforms. */
export function stripeOf(jobId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < jobId.length; i++) {
    hash ^= jobId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % LOCK_STRIPES;
}

/** The lock key (for the LeaseStore) of the stripe that keeps `jobId` exclusive with itself. */
export function stripeKey(jobId: string): string {
  return `${STRIPE_PREFIX}${stripeOf(jobId)}`;
}

export function isStripeKey(lockKey: string): boolean {
  return lockKey.startsWith(STRIPE_PREFIX);
}

/** A lock key as people read it: a stripe by its number, anything else as it is. */
export function describeLock(lockKey: string): string {
  return isStripeKey(lockKey) ? `lock stripe ${lockKey.slice(STRIPE_PREFIX.length)}` : `lock key "${lockKey}"`;
}
