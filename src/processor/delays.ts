/**
 * @module Sending a message round a delay: the one place that knows how delays are made.
 *
 * A delay goes through the binary delay levels (src/broker/delay-infrastructure.ts): a fixed set of TTL
 * queues, any delay up to MAX_DELAY_MS, rounded up to DELAY_UNIT_MS so a message never comes back
 * early. Callers see only `Delays`.
 */
import type { ConfirmChannel } from 'amqplib';
import type { Names } from '../contracts/names.js';
import { PublishError } from '../core/errors.js';
import { assertDelayInfrastructure, bindDelayDestination, delayRoute } from '../broker/delay-infrastructure.js';
import type { Delivery, MessageHeaders } from './delivery.js';

export interface Delays {
  /** The delay the mechanism will actually give for a wanted one (what an event should announce). */
  plan(delayMs: number): number;
  /**
   * Sends a copy of the delivery's message to come back to `queue` (default `<ns>.jobs`; a partition's
   * queue is bound too) after `plan(delayMs)`; resolves once the broker confirmed it.
   */
  send(delivery: Delivery, delayMs: number, headers?: MessageHeaders, queue?: string): Promise<void>;
}

/** Delays through the delay levels, which every session declares at its start. */
export class LevelDelays implements Delays {
  readonly #channel: ConfirmChannel;
  readonly #names: Names;

  constructor(channel: ConfirmChannel, names: Names) {
    this.#channel = channel;
    this.#names = names;
  }

  plan(delayMs: number): number {
    return delayRoute(this.#names, delayMs, this.#names.jobsQueue).delayMs;
  }

  async send(delivery: Delivery, delayMs: number, headers: MessageHeaders = {}, queue = this.#names.jobsQueue): Promise<void> {
    const route = delayRoute(this.#names, delayMs, queue);
    try {
      await delivery.sendOn(route, headers);
    } catch (error) {
      // Someone deleted part of the topology since the session declared it: declare it again, try once more.
      if (!(error instanceof PublishError && error.unroutable)) throw error;
      await assertDelayInfrastructure(this.#channel, this.#names);
      await bindDelayDestination(this.#channel, this.#names, queue);
      await delivery.sendOn(route, headers);
    }
  }
}
