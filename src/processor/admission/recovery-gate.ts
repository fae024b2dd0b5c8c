/**
 * @module Job gate "is this a recovery copy, and is its attempt still alive?" (src/processor/handoff.ts).
 * Any other message passes. A recovery copy stands in for attempt N of its job, whose delivery was
 * acknowledged while it ran:
 * - attempt N is over (the state row shows its end, or a later attempt): its end moved the message on,
 *   so the copy is acknowledged — no `Duplicate`, it is bookkeeping;
 * - attempt N never ended and the job's own lease is held: the attempt is alive; the copy goes round the
 *   delay levels again, one lease period — no `Deferred`;
 * - attempt N never ended and nobody holds the lease: its processor died. The copy runs the job like
 *   any delivery (the next gates, the lease, a recovered attempt whose `Started` says attempt N ended
 *   without a record).
 * Every attempt holds the lease of its job's lock stripe (lock-gate.ts, lock-stripes.ts), whatever its lock key: that is the one asked.
 */
import type { JobSummary } from '../../contracts/api.js';
import type { DeliveryDeps } from '../delivery-deps.js';
import { recoveryDelayMs, recoveryHeaders } from '../handoff.js';
import { stripeKey } from '../../storage/lock-stripes.js';
import type { Candidate } from './gate.js';
import { drop, run, type Verdict } from './verdict.js';

export type RecoveryAnswer = 'drop' | 'rearm' | 'run';

/** What the decision reads; the state row first (a table read), the lease only when it matters (a blob read). */
export interface RecoveryReads {
  readonly state: () => Promise<Pick<JobSummary, 'status' | 'attempts'> | undefined>;
  readonly leaseHeld: () => Promise<boolean>;
}

/** The decision for a copy standing in for attempt `guarded`. */
export async function recoveryAnswer(guarded: number, reads: RecoveryReads): Promise<RecoveryAnswer> {
  const state = await reads.state();
  // No row at all (tables deleted by hand): nothing says the attempt ended; the lease decides.
  if (state && (state.attempts !== guarded || state.status !== 'Started')) return 'drop';
  return (await reads.leaseHeld()) ? 'rearm' : 'run';
}

/** Throws when storage fails (the caller holds the message back, as an ordinary one). */
export async function recoveryGate({ delivery, job }: Candidate, deps: DeliveryDeps): Promise<Verdict> {
  const guarded = delivery.recoveryOf;
  if (guarded === undefined) return run(undefined);
  const answer = await recoveryAnswer(guarded, {
    state: () => deps.audit.summary(job.jobId),
    // The lease every attempt holds for its job is its lock stripe's (src/storage/lock-stripes.ts). Held by an
    // unrelated job sharing the stripe, it reads as alive: the copy only goes round once more.
    leaseHeld: () => deps.leaseStore.isHeld(stripeKey(job.jobId)),
  });
  const logger = deps.logger.child({ jobId: job.jobId, attempt: guarded });
  switch (answer) {
    case 'drop':
      logger.debug('recovery copy: the attempt is over; acknowledged');
      return drop('recovery-checked');
    case 'rearm':
      logger.debug('recovery copy: the attempt is alive; sent round again');
      return {
        kind: 'stop',
        outcome: 'recovery-checked',
        move: { kind: 'wait', delayMs: recoveryDelayMs(deps), headers: recoveryHeaders(guarded), queue: delivery.queue },
      };
    case 'run':
      logger.warn('recovery copy: the attempt never ended and its lease is free (its processor died); running the job again');
      return run(undefined);
  }
}
