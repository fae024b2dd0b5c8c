/**
 * @module What an admission gate answers about a delivery: run it, or stop here with a move for its
 * message (wait until later, hand it to another queue, drop it) and the event that says so.
 *
 * A stop's event is written before its message moves (src/processor/settle.ts): a delivery is never
 * acknowledged without its event in the audit trail.
 */
import type { NewAuditEvent } from '../../contracts/audit-event.js';
import type { MessageHeaders } from '../delivery.js';

export type DeliveryOutcome =
  | 'completed'
  | 'retrying'
  | 'dead-lettered'
  | 'rejected'
  | 'deferred'
  | 'duplicate'
  | 'interrupted'
  | 'lease-lost'
  | 'held-back'
  /** Not due yet: sent round the delay levels for the rest of its wait. */
  | 'waiting'

  /** The tenant is at its limit: parked until its capacity is expected (Throttled). */
  | 'throttled'
  /** Handed to its partition's queue, unrun. */
  | 'moved'
  /** An operator cancelled it: stopped, or acknowledged unrun (Cancelled). */
  | 'cancelled';

/** An event not yet stamped: storage gives it its id and timestamp when it is written. */
export type PendingEvent = Omit<NewAuditEvent, 'timestamp'>;

/** What happens to a delivery's message once its fate is decided (and its event written). */
export type Move =
  | { readonly kind: 'ack' }
  /** Back to the queue at once: for a delivery whose next run goes through the lease again. */
  | { readonly kind: 'requeue' }
  /** Round the delay mechanism (src/processor/delays.ts), then back to `<ns>.jobs`. */
  | { readonly kind: 'wait'; readonly delayMs: number; readonly headers?: MessageHeaders }
  /** To another queue (the dead-letter queue; later a partition's queue). */
  | { readonly kind: 'hand-off'; readonly queue: string; readonly headers: MessageHeaders };

/** A gate's "not here, not now": the outcome for metrics, the message's move, and the event that records it. */
export interface Stop {
  readonly kind: 'stop';
  readonly outcome: DeliveryOutcome;
  readonly move: Move;
  readonly event?: PendingEvent;
}

/** A gate's answer: run (with what the gate found, e.g. the parsed job or the lease), or stop. */
export type Verdict<T = void> = { readonly kind: 'run'; readonly value: T } | Stop;

export function run<T>(value: T): Verdict<T> {
  return { kind: 'run', value };
}

/** Come back after `delayMs` (with `headers` added to the message, to count tries, say). */
export function waitFor(delayMs: number, outcome: DeliveryOutcome, event?: PendingEvent, headers?: MessageHeaders): Stop {
  const move: Move = { kind: 'wait', delayMs: Math.max(0, Math.round(delayMs)), ...(headers ? { headers } : {}) };
  return { kind: 'stop', outcome, move, ...(event ? { event } : {}) };
}

/** Come back at `at` (a due time); at once if it has passed. */
export function waitUntil(at: Date, outcome: DeliveryOutcome, event?: PendingEvent, now: number = Date.now()): Stop {
  return waitFor(at.getTime() - now, outcome, event);
}

export function handOff(queue: string, headers: MessageHeaders, outcome: DeliveryOutcome, event?: PendingEvent): Stop {
  return { kind: 'stop', outcome, move: { kind: 'hand-off', queue, headers }, ...(event ? { event } : {}) };
}

/** Acknowledge the message unrun. */
export function drop(outcome: DeliveryOutcome, event?: PendingEvent): Stop {
  return { kind: 'stop', outcome, move: { kind: 'ack' }, ...(event ? { event } : {}) };
}
