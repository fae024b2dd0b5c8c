/**
 * @module Jobs longer than the broker's consumer timeout: a running attempt's delivery is handed off to a
 * recovery copy before the broker would close the channel over it.
 *
 * RabbitMQ closes a channel whose delivery stays unacknowledged past `consumer_timeout` (30 minutes by
 * default) and requeues everything on it. So once a delivery has been held for BATON_HANDOFF_AFTER_SECONDS,
 * a copy of its message, marked with the attempt it stands in for (`x-baton-recovery-of`), is published
 * with confirm round the delay levels (due one lease period later, back to the queue it came from), and
 * only then is the delivery acknowledged. From then on the lease alone proves the attempt alive, and the
 * copy is what brings the job back if its processor dies: whoever receives it asks the recovery gate
 * (./admission/recovery-gate.ts) — attempt over: acknowledged; lease held: sent round again; lease free
 * and the attempt never ended: the job runs again. None of that is recorded: it is bookkeeping.
 *
 * MUST: the copy is confirmed before the delivery is acknowledged (a crash in between leaves two
 * messages, which the lease and the state row sort out, never none). A delivery whose session died is
 * not handed off: the broker has the original back. The attempt's own end still moves its message
 * (src/processor/settle.ts publishes instead of settling a delivery that is gone).
 */
import { performance } from 'node:perf_hooks';
import { errorMessage } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { HEADER, type Delivery } from './delivery.js';
import type { DeliveryDeps } from './delivery-deps.js';

/** How soon a handoff that failed (no confirm) is tried again, while the delivery is still open. */
const RETRY_MS = 5_000;

/**
 * When a recovery copy comes back: one lease period. A dead holder's lease has run out by the second
 * return after its death at the latest, so the job runs again within two lease periods of it.
 */
export function recoveryDelayMs(deps: Pick<DeliveryDeps, 'leaseSeconds'>): number {
  return deps.leaseSeconds * 1000;
}

/** The headers of a recovery copy standing in for `attempt`. */
export function recoveryHeaders(attempt: number): Record<string, number> {
  return { [HEADER.recoveryOf]: attempt };
}

/** Milliseconds a delivery received at `receivedAt` may still be held before it must be handed off or back. */
export function holdLeftMs(delivery: Pick<Delivery, 'receivedAt'>, deps: Pick<DeliveryDeps, 'handoffAfterMs'>): number {
  return deps.handoffAfterMs - (performance.now() - delivery.receivedAt);
}

/** Hands a running attempt's delivery off when it has been held for BATON_HANDOFF_AFTER_SECONDS. */
export class Handoff {
  readonly #delivery: Delivery;
  readonly #attempt: number;
  readonly #deps: DeliveryDeps;
  readonly #logger: Logger;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> = Promise.resolve();
  #stopped = false;

  constructor(delivery: Delivery, attempt: number, deps: DeliveryDeps, logger: Logger) {
    this.#delivery = delivery;
    this.#attempt = attempt;
    this.#deps = deps;
    this.#logger = logger;
    this.#schedule(holdLeftMs(delivery, deps));
  }

  /** No handoff from now on; resolves once one in flight has finished (its copy confirmed and the delivery acked, or not). */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
  }

  #schedule(ms: number): void {
    this.#timer = setTimeout(() => {
      this.#running = this.#handOff();
    }, Math.max(0, ms));
  }

  async #handOff(): Promise<void> {
    const delivery = this.#delivery;
    if (this.#stopped || delivery.settled || delivery.stale) return;
    const dueInMs = this.#deps.delays.plan(recoveryDelayMs(this.#deps));
    try {
      await this.#deps.delays.send(delivery, dueInMs, recoveryHeaders(this.#attempt), delivery.queue);
    } catch (error) {
      // Not confirmed: the delivery stays unacknowledged and is tried again (a closed session ends the tries).
      this.#logger.warn('could not hand the delivery off to a recovery copy; trying again', { error: errorMessage(error), retryInMs: RETRY_MS });
      if (!this.#stopped && !delivery.stale) this.#schedule(RETRY_MS);
      return;
    }
    delivery.ack();
    this.#logger.info('delivery handed off: the lease keeps the job, a recovery copy brings it back if this processor dies', { recoveryDueInMs: dueInMs });
  }
}
