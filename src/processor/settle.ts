/**
 * @module How a delivery's message moves once its fate is decided: its event first, then the move.
 *
 * MUST: a stop's event is written before its message is acknowledged or sent on; while it cannot be
 * written the message is held back (sent round a short delay, unrecorded, to be decided again), so no
 * delivery is acknowledged without its event. A message that cannot be sent on goes back to the queue;
 * once its delivery was handed off (./handoff.ts) there is none to go back, and its copy is tried again.
 */
import { performance } from 'node:perf_hooks';
import { coerceError } from '../core/errors.js';
import { sleep } from '../core/time.js';
import { redact } from '../core/redact.js';
import { codeOf, isTransient, statusOf } from '../storage/azure-errors.js';
import type { Move, Stop, DeliveryOutcome } from './admission/verdict.js';
import type { Delivery } from './delivery.js';
import { HEADER } from './delivery.js';
import type { DeliveryDeps } from './delivery-deps.js';
import type { JobRequest } from '../contracts/job-request.js';
import { recoveryHeaders } from './handoff.js';
import { deadHeaders } from './job-events.js';

/**
 * Settles a delivery a gate stopped: writes its event, then moves its message. `job`: the parsed request, when
 * the message is one (its Queued, named by the message, goes along with the event).
 */
export async function settleStop(delivery: Delivery, stop: Stop, deps: DeliveryDeps, job?: JobRequest): Promise<DeliveryOutcome> {
  if (stop.outcome === 'rejected') {
    deps.logger.warn('message rejected', { reason: stop.move.kind === 'hand-off' ? stop.move.headers[HEADER.reason] : stop.event?.message, jobId: stop.event?.jobId });
  }
  if (stop.event) {
    try {
      // The job's first record in its partition brings its Queued along (a job Deferred or a Duplicate before it ran).
      const queued = job ? delivery.queued(job) : undefined;
      await deps.audit.appendWithQueued(stop.event, job && queued ? { event: queued, job } : undefined);
    } catch (error) {
      deps.logger.warn('could not record an audit event; holding the message back', { status: stop.event.status, error: coerceError(error).message });
      return holdBack(delivery, deps, error);
    }
  }
  await moveMessage(delivery, stop.move, deps);
  return stop.outcome;
}

/** Moves a message; a send that fails leaves the message to the broker (requeued), never lost. */
export async function moveMessage(delivery: Delivery, move: Move, deps: DeliveryDeps): Promise<void> {
  if (delivery.settled) return moveHandedOff(delivery, move, deps);
  switch (move.kind) {
    case 'ack':
      delivery.ack();
      return;
    case 'requeue':
      delivery.requeue();
      return;
    case 'wait':
      await sendThenAck(delivery, deps, 'a delay', () => deps.delays.send(delivery, move.delayMs, move.headers, move.queue));
      return;
    case 'hand-off':
      // A queue that refuses (deleted, full) must not make a hot loop of redeliveries: come back after a while.
      await sendThenAck(delivery, deps, move.queue, () => delivery.sendOn(move.queue, move.headers), () => holdBack(delivery, deps));
      return;
  }
}

/** How long the move of a handed-off delivery's message is tried while the broker does not confirm it. */
export const HANDED_OFF_MOVE_TRIES_MS = 120_000;

/**
 * The delivery was acknowledged while its attempt ran (src/processor/handoff.ts): nothing to settle, and
 * the message's next step is a copy, published on whatever session is open now. Its recovery copy sees
 * the attempt over and is dropped, so the copy must land: tried again (a reconnect, a lost confirm) for
 * HANDED_OFF_MOVE_TRIES_MS; if it never does (the broker gone for that long), the error log names the job,
 * whose end is recorded, to be published again by hand (README, "Long jobs").
 */
async function moveHandedOff(delivery: Delivery, move: Move, deps: DeliveryDeps): Promise<void> {
  const send = (): Promise<void> => {
    switch (move.kind) {
      case 'ack':
        return Promise.resolve();
      case 'requeue':
        return delivery.sendOn(delivery.queue, {});
      case 'wait':
        return deps.delays.send(delivery, move.delayMs, move.headers, move.queue);
      case 'hand-off':
        return delivery.sendOn(move.queue, move.headers);
    }
  };
  const giveUpAt = performance.now() + HANDED_OFF_MOVE_TRIES_MS;
  for (let failures = 1; ; failures++) {
    try {
      return await send();
    } catch (error) {
      const retryInMs = Math.min(5000, 250 * 2 ** failures);
      if (performance.now() + retryInMs > giveUpAt) {
        deps.logger.error('could not send a handed-off job\'s message on; publish the job again by hand', { messageId: delivery.messageId, move: move.kind, error: coerceError(error).message });
        return;
      }
      deps.logger.warn('could not send a handed-off job\'s message on; trying again', { move: move.kind, error: coerceError(error).message, retryInMs });
      await sleep(retryInMs);
    }
  }
}

/** How many times storage may refuse (not fail to answer: refuse) a delivery's records before it is dead-lettered. */
export const MAX_STORAGE_REFUSALS = 3;

/**
 * Storage (or the broker) failed: send the job round a short delay instead of failing it or spinning on it.
 *
 * An outage (no answer, 5xx, 429, a timeout) holds the job back for as long as it lasts. A refusal (any
 * other 4xx: a bug, or something deleted by hand) would refuse again for ever: it is logged at error, counted
 * in the message's `x-baton-storage-refusals` header, and the third one sends the message to the
 * dead-letter queue with the error as its reason (no event: storage refuses them) — from where it can be requeued.
 */
export async function holdBack(delivery: Delivery, deps: DeliveryDeps, error?: unknown): Promise<DeliveryOutcome> {
  const wait = Math.min(deps.deferSeconds * 1000, 5000);
  // Only the service's own 4xx answer is a refusal: a timeout of ours (a lease's deadline, a bounded broker
  // call) or an error with no status is an outage for this purpose, never a step towards the dead-letter queue.
  const status = statusOf(error);
  const refused = status !== undefined && status >= 400 && status < 500 && !isTransient(error);
  // A recovery copy held back stays one (src/processor/handoff.ts): decided again, quietly, when it returns.
  const recovery = delivery.recoveryOf === undefined ? {} : recoveryHeaders(delivery.recoveryOf);
  if (!refused) {
    await moveMessage(delivery, { kind: 'wait', delayMs: wait, headers: recovery }, deps);
    return 'held-back';
  }
  const refusals = delivery.storageRefusals + 1;
  const reason = `storage refused this job's records ${refusals} times (status ${statusOf(error) ?? '?'} ${codeOf(error) ?? ''}): ${redact(coerceError(error).message)}`;
  deps.logger.error('storage refused a write: a bug or a deleted table, not an outage', { reason, refusals });
  if (refusals >= MAX_STORAGE_REFUSALS) {
    await moveMessage(delivery, { kind: 'hand-off', queue: deps.names.deadQueue, headers: deadHeaders(deps.processorId, reason, undefined) }, deps);
    return 'dead-lettered';
  }
  await moveMessage(delivery, { kind: 'wait', delayMs: wait, headers: { ...recovery, [HEADER.storageRefusals]: refusals } }, deps);
  return 'held-back';
}

async function sendThenAck(delivery: Delivery, deps: DeliveryDeps, where: string, send: () => Promise<void>, otherwise?: () => Promise<unknown>): Promise<void> {
  try {
    await send();
    delivery.ack();
  } catch (error) {
    deps.logger.warn(`could not send the message on; ${otherwise ? 'holding it back' : 'returning it to the queue'}`, { to: where, error: coerceError(error).message });
    if (otherwise) await otherwise();
    else delivery.requeue();
  }
}
