/**
 * @module How a delivery's message moves once its fate is decided: its event first, then the move.
 *
 * MUST: a stop's event is written before its message is acknowledged or sent on; while it cannot be
 * written the message is held back (sent round a short delay, unrecorded, to be decided again), so no
 * delivery is acknowledged without its event. A message that cannot be sent on goes back to the queue.
 */
import { coerceError } from '../core/errors.js';
import { redact } from '../core/redact.js';
import { codeOf, isTransient, statusOf } from '../storage/azure-errors.js';
import type { Move, Stop, DeliveryOutcome } from './admission/verdict.js';
import type { Delivery } from './delivery.js';
import { HEADER } from './delivery.js';
import type { DeliveryDeps } from './delivery-deps.js';
import { deadHeaders } from './job-events.js';

/** Settles a delivery a gate stopped: writes its event, then moves its message. */
export async function settleStop(delivery: Delivery, stop: Stop, deps: DeliveryDeps): Promise<DeliveryOutcome> {
  if (stop.outcome === 'rejected') {
    deps.logger.warn('message rejected', { reason: stop.move.kind === 'hand-off' ? stop.move.headers[HEADER.reason] : stop.event?.message, jobId: stop.event?.jobId });
  }
  if (stop.event) {
    try {
      await deps.audit.append(stop.event);
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
  switch (move.kind) {
    case 'ack':
      delivery.ack();
      return;
    case 'requeue':
      delivery.requeue();
      return;
    case 'wait':
      await sendThenAck(delivery, deps, 'a delay', () => deps.delays.send(delivery, move.delayMs, move.headers));
      return;
    case 'hand-off':
      // A queue that refuses (deleted, full) must not make a hot loop of redeliveries: come back after a while.
      await sendThenAck(delivery, deps, move.queue, () => delivery.sendOn(move.queue, move.headers), () => holdBack(delivery, deps));
      return;
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
  if (error === undefined || isTransient(error)) {
    await moveMessage(delivery, { kind: 'wait', delayMs: wait }, deps);
    return 'held-back';
  }
  const refusals = delivery.storageRefusals + 1;
  const reason = `storage refused this job's records ${refusals} times (status ${statusOf(error) ?? '?'} ${codeOf(error) ?? ''}): ${redact(coerceError(error).message)}`;
  deps.logger.error('storage refused a write: a bug or a deleted table, not an outage', { reason, refusals });
  if (refusals >= MAX_STORAGE_REFUSALS) {
    await moveMessage(delivery, { kind: 'hand-off', queue: deps.names.deadQueue, headers: deadHeaders(deps.processorId, reason, undefined) }, deps);
    return 'dead-lettered';
  }
  await moveMessage(delivery, { kind: 'wait', delayMs: wait, headers: { [HEADER.storageRefusals]: refusals } }, deps);
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
