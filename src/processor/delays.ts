/**
 * @module Sending a message round a delay: the one place that knows how delays are made.
 *
 * Today a delay is a TTL queue per ladder step (src/broker/topology.ts), dead-lettering back to
 * `<ns>.jobs`; a wanted delay is rounded down to a step. Callers see only `Delays`, so the mechanism can
 * be replaced (bounded binary-level delay queues, say) without touching the delivery path.
 */
import type { ConfirmChannel } from 'amqplib';
import type { Names } from '../contracts/names.js';
import { PublishError } from '../core/errors.js';
import { bounded } from '../broker/bounded.js';
import { assertDelayQueue, delayStep } from '../broker/topology.js';
import type { Delivery, MessageHeaders } from './delivery.js';

export interface Delays {
  /** The delay the mechanism will actually give for a wanted one (what an event should announce). */
  plan(delayMs: number): number;
  /** Sends a copy of the delivery's message to come back to `<ns>.jobs` after about `delayMs`; resolves once the broker confirmed it. */
  send(delivery: Delivery, delayMs: number, headers?: MessageHeaders): Promise<void>;
}

/** Delays as TTL queues, declared on first use and re-declared when the broker says one is gone. */
export class TtlQueueDelays implements Delays {
  readonly #channel: ConfirmChannel;
  readonly #names: Names;
  readonly #declared = new Map<number, Promise<string>>();

  constructor(channel: ConfirmChannel, names: Names) {
    this.#channel = channel;
    this.#names = names;
  }

  plan(delayMs: number): number {
    return delayStep(delayMs);
  }

  async send(delivery: Delivery, delayMs: number, headers: MessageHeaders = {}): Promise<void> {
    const step = this.plan(delayMs);
    try {
      await delivery.sendOn(await this.#queue(step), headers);
    } catch (error) {
      // Someone deleted the delay queue: forget that it was declared, declare it again, and try once more.
      if (!(error instanceof PublishError && error.unroutable)) throw error;
      this.#declared.delete(step);
      await delivery.sendOn(await this.#queue(step), headers);
    }
  }

  #queue(step: number): Promise<string> {
    let queue = this.#declared.get(step);
    if (!queue) {
      queue = bounded(assertDelayQueue(this.#channel, this.#names, step), `the declaration of the ${step} ms delay queue`);
      queue.catch(() => this.#declared.delete(step));
      this.#declared.set(step, queue);
    }
    return queue;
  }
}
