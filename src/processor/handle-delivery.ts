/**
 * @module One delivery's fate, in the order the README's "How a job runs" tells it:
 * parse → handler → job gates (recovery copy?, params, due, partition, tenant limits) → a concurrency slot → lock key's lease → already ended?
 * → the attempt (its delivery handed off to a recovery copy if it runs long: ./handoff.ts) → settle.
 *
 * MUST: every path settles the delivery exactly once, gives back the slot and every reservation a gate
 * made, and writes the audit before it settles, so that a crash anywhere leaves the message in a queue
 * (the broker redelivers what was not acked) and never a job with no record. The lease is taken before
 * Started so two attempts of one lock key never overlap; the attempt (src/processor/attempt.ts) owns the
 * lease from there and gives it up at its end.
 */
import { coerceError } from '../core/errors.js';
import type { Candidate, Releaser } from './admission/gate.js';
import { handlerGate } from './admission/handler-gate.js';
import { JOB_GATES } from './admission/job-gates.js';
import { lockGate } from './admission/lock-gate.js';
import { parseGate } from './admission/parse-gate.js';
import { startGate } from './admission/start-gate.js';
import type { DeliveryOutcome, Stop } from './admission/verdict.js';
import { Attempt, type AttemptEnd } from './attempt.js';
import type { Delivery } from './delivery.js';
import type { DeliveryDeps } from './delivery-deps.js';
import { Handoff, holdLeftMs } from './handoff.js';
import type { HeldLease } from './lease-manager.js';
import { holdBack, moveMessage, settleStop } from './settle.js';

export type { DeliveryOutcome } from './admission/verdict.js';

export async function handleDelivery(delivery: Delivery, deps: DeliveryDeps): Promise<DeliveryOutcome> {
  const parsed = parseGate(delivery, deps);
  if (parsed.kind === 'stop') return settleStop(delivery, parsed, deps);
  const job = parsed.value;
  const handler = handlerGate(job, delivery, deps);
  if (handler.kind === 'stop') return settleStop(delivery, handler, deps, job);
  const candidate: Candidate = { delivery, job, handler: handler.value, onLease: [] };

  const releasers: Releaser[] = [];
  try {
    for (const gate of JOB_GATES) {
      const verdict = await gate(candidate, deps);
      if (verdict.kind === 'stop') return await settleStop(delivery, verdict, deps, job);
      if (verdict.value) releasers.push(verdict.value);
    }
    return await runWhenAdmitted(candidate, deps);
  } catch (error) {
    // Storage (or the broker) is failing before the attempt could start: hold the job back briefly.
    deps.logger.warn('could not start the job; holding it back', { jobId: job.jobId, error: coerceError(error).message });
    return holdBack(delivery, deps, error);
  } finally {
    for (const release of releasers.reverse()) await release();
  }
}

/** Slot, lease, start, run: the part that needs a concurrency slot. */
async function runWhenAdmitted(candidate: Candidate, deps: DeliveryDeps): Promise<DeliveryOutcome> {
  const { delivery } = candidate;
  // Waiting no longer than a delivery may stay unacknowledged (behind handed-off long jobs, the broker sends more than there are slots for).
  const slot = await deps.slots.take(holdLeftMs(delivery, deps));
  // Shutting down, or the channel closed while this delivery waited: the broker has it back already.
  if (!slot || delivery.stale) {
    slot?.release();
    delivery.requeue();
    return slot || deps.slots.closed ? 'interrupted' : 'handed-back';
  }
  let leases: HeldLease[] = [];
  try {
    const locked = await lockGate(candidate, deps);
    if (locked.kind === 'stop') return await settleStop(delivery, locked, deps, candidate.job);
    leases = locked.value;
    // The first lease is the lock key's: what a gate reserved (a tenant slot) lives as long as it does.
    for (const bind of candidate.onLease) bind(leases[0]!);
    const started = await startGate(candidate, leases, deps);
    if (started.kind === 'stop') return await stopHolding(leases, started, candidate, deps);
    const attempt = new Attempt({ job: candidate.job, handler: candidate.handler, leases, log: started.value }, deps);
    const ended = deps.onAttemptStarted?.({ job: candidate.job, attempt: attempt.number, leases, publishedAtMs: delivery.publishedAtMs });
    leases = []; // the attempt owns them now, and gives them up at its end
    slot.hold(attempt);
    const handoff = new Handoff(delivery, attempt.number, deps, deps.logger.child({ jobId: candidate.job.jobId, attempt: attempt.number }));
    const end = await observed(attempt.run(), ended).finally(() => handoff.stop());
    await moveMessage(delivery, end.move, deps);
    return end.outcome;
  } catch (error) {
    await Promise.all(leases.map((lease) => deps.leases.release(lease)));
    throw error;
  } finally {
    slot.release();
  }
}

/** Tells the observer (if any) how the attempt ended, or that it threw. */
async function observed(run: Promise<AttemptEnd>, ended: ((outcome: DeliveryOutcome | undefined) => void) | undefined): Promise<AttemptEnd> {
  try {
    const end = await run;
    ended?.(end.outcome);
    return end;
  } catch (error) {
    ended?.(undefined);
    throw error;
  }
}

/** A stop after the leases were taken (the job already ended): the leases go first, then the message. */
async function stopHolding(leases: HeldLease[], stop: Stop, { delivery, job }: Candidate, deps: DeliveryDeps): Promise<DeliveryOutcome> {
  await Promise.all(leases.map((lease) => deps.leases.release(lease)));
  return settleStop(delivery, stop, deps, job);
}
