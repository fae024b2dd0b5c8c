/**
 * @module How a delivery's message moves once its fate is decided: its event first, then the move.
 *
 * MUST: a stop's event is written before its message is acknowledged or sent on; while it cannot be
 * written the message is held back (sent round a short delay, unrecorded, to be decided again), so no
 * delivery is acknowledged without its event. A message that cannot be sent on goes back to the queue.
 */
import { coerceError } from '../core/errors.js';
import type { Move, Stop, DeliveryOutcome } from './admission/verdict.js';
import type { Delivery } from './delivery.js';
import { HEADER } from './delivery.js';
import type { DeliveryDeps } from './delivery-deps.js';

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
      return holdBack(delivery, deps);
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

/** Storage (or the broker) is not answering: send the job round a short delay instead of failing it or spinning on it. */
export async function holdBack(delivery: Delivery, deps: DeliveryDeps): Promise<'held-back'> {
  await moveMessage(delivery, { kind: 'wait', delayMs: Math.min(deps.deferSeconds * 1000, 5000) }, deps);
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
