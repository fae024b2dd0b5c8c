/**
 * @module Delays of any length on a stock RabbitMQ, with a fixed number of queues: binary levels of
 * TTL queues, after NServiceBus.RabbitMQ's DelayInfrastructure (src/NServiceBus.Transport.RabbitMQ/
 * DelayedDelivery/DelayInfrastructure.cs), in units of DELAY_UNIT_MS instead of seconds.
 *
 * Level k is a topic exchange and a queue of the same name, `<ns>.delay.lKK`, whose queue-wide TTL is
 * 2^k units. A delayed message's routing key spells its delay in binary, most significant bit first,
 * one word per level, followed by its destination queue: `0.0.….1.0.1.<ns>.jobs`. Exchange k routes a
 * `1` in word k into queue k (it waits 2^k units there) and a `0` straight on to exchange k−1; queue k
 * dead-letters expired messages into exchange k−1 with the routing key unchanged. Level 0 hands on to
 * `<ns>.delay.delivery`, which routes on the destination words to the destination queue. The waits of
 * the set bits add up to the delay.
 *
 * MUST: every message in one queue has the same TTL, because RabbitMQ only expires messages from a
 * queue's head: a queue per level keeps each queue FIFO in expiry. The queue count is DELAY_LEVELS
 * whatever the delays. Dead-lettering between levels is the broker's own (not publisher-confirmed on
 * classic queues): a broker crash can lose a message that is between two levels, as with NServiceBus.
 */
import type { Channel, ConfirmChannel, Options } from 'amqplib';
import type { Names } from '../contracts/names.js';
import { declareQueue, queueOptions, type QueueRole, type QueueType } from './queue-type.js';
import { publishConfirmed } from './confirm-publish.js';

/** One unit of delay. A delay is rounded up to whole units, so a message never arrives early. */
export const DELAY_UNIT_MS = 100;

/** Number of levels, hence of delay queues: 2^29 − 1 units of 100 ms is about 621 days (366 days needs 29). */
export const DELAY_LEVELS = 29;

/** The longest delay one trip through the levels gives; longer waits go round again (see the due-time gate). */
export const MAX_DELAY_MS = (2 ** DELAY_LEVELS - 1) * DELAY_UNIT_MS;

/** Queue and exchange name of one level (two digits, so names sort by level). */
export function delayLevelName(names: Names, level: number): string {
  return `${names.namespace}.delay.l${String(level).padStart(2, '0')}`;
}

export function delayDeliveryExchange(names: Names): string {
  return `${names.namespace}.delay.delivery`;
}

/** Every queue the delay infrastructure declares: exactly DELAY_LEVELS of them. */
export function delayQueueNames(names: Names): string[] {
  return Array.from({ length: DELAY_LEVELS }, (_, level) => delayLevelName(names, level));
}

/** Every exchange it declares (the level exchanges and the delivery exchange). */
export function delayExchangeNames(names: Names): string[] {
  return [...delayQueueNames(names), delayDeliveryExchange(names)];
}

/** Whole units for a wanted delay in ms, rounded up (never early) and capped at MAX_DELAY_MS. */
export function delayUnits(delayMs: number): number {
  if (!Number.isFinite(delayMs) || delayMs <= 0) return 0;
  return Math.min(2 ** DELAY_LEVELS - 1, Math.ceil(delayMs / DELAY_UNIT_MS));
}

export interface DelayRoute {
  /** The level exchange to publish to: the highest set bit (or level 0 for no delay). */
  readonly exchange: string;
  readonly routingKey: string;
  /** The delay the message will really wait, in ms (a multiple of DELAY_UNIT_MS, at most MAX_DELAY_MS). */
  readonly delayMs: number;
}

/** Where to publish a message so that it reaches `destinationQueue` after `delayMs` (rounded up). */
export function delayRoute(names: Names, delayMs: number, destinationQueue: string): DelayRoute {
  const units = delayUnits(delayMs);
  const bits: string[] = [];
  let startLevel = 0;
  for (let level = DELAY_LEVELS - 1; level >= 0; level--) {
    // Math.floor/%, not >>: units go beyond 32 bits' sign at the top levels.
    const set = Math.floor(units / 2 ** level) % 2 === 1;
    if (set && startLevel === 0) startLevel = level;
    bits.push(set ? '1' : '0');
  }
  return { exchange: delayLevelName(names, startLevel), routingKey: `${bits.join('.')}.${destinationQueue}`, delayMs: units * DELAY_UNIT_MS };
}

/** Headers the broker adds when it dead-letters a message (here: every expiry between levels). */
const DEATH_HEADERS = ['x-death', 'x-first-death-exchange', 'x-first-death-queue', 'x-first-death-reason', 'x-last-death-exchange', 'x-last-death-queue', 'x-last-death-reason'];

/**
 * A message's headers without the broker's dead-lettering history. MUST be applied before a message that
 * has been through the levels is delayed again: RabbitMQ drops a message dead-lettered into a queue its
 * `x-death` already names with only expiries in between ("dead-letter cycle"), so a second trip through
 * a level would silently lose it (NServiceBus strips the same headers).
 */
export function withoutDeathHeaders(headers: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(headers).filter(([key]) => !DEATH_HEADERS.includes(key)));
}

/** Level k's queue: what it holds a message for, and where the message goes next. Fixed per level. */
export function delayQueueRole(names: Names, level: number): QueueRole & { role: 'delay' } {
  return {
    role: 'delay',
    messageTtlMs: 2 ** level * DELAY_UNIT_MS,
    deadLetterExchange: level > 0 ? delayLevelName(names, level - 1) : delayDeliveryExchange(names),
  };
}

/** Arguments of level k's queue as a classic queue (every start-up may declare it again). */
export function delayQueueArguments(names: Names, level: number): Record<string, unknown> {
  return queueOptions('classic', delayQueueRole(names, level)).arguments ?? {};
}

/** Declares the levels and the delivery exchange (idempotent: same names, same arguments every time). */
export async function assertDelayInfrastructure(channel: Channel, names: Names, queueType: QueueType = 'classic'): Promise<void> {
  const delivery = delayDeliveryExchange(names);
  await channel.assertExchange(delivery, 'topic', { durable: true });
  // Binding keys, top level first: level k's bit is the (DELAY_LEVELS − 1 − k)-th word.
  let skip = '';
  for (let level = DELAY_LEVELS - 1; level >= 0; level--) {
    const name = delayLevelName(names, level);
    await channel.assertExchange(name, 'topic', { durable: true });
    await declareQueue(channel, name, queueType, delayQueueRole(names, level));
    await channel.bindQueue(name, name, `${skip}1.#`);
    skip += '*.';
  }
  skip = '';
  for (let level = DELAY_LEVELS - 1; level >= 0; level--) {
    const next = level > 0 ? delayLevelName(names, level - 1) : delivery;
    await channel.bindExchange(next, delayLevelName(names, level), `${skip}0.#`);
    skip += '*.';
  }
}

/** The delivery exchange's binding key for messages bound for `queue`: any delay bits, then the queue's name. */
export function delayBindingKey(queue: string): string {
  return `${'*.'.repeat(DELAY_LEVELS)}${queue}`;
}

/** Lets delayed messages reach `queue` (declare the queue first). Idempotent. */
export async function bindDelayDestination(channel: Channel, names: Names, queue: string): Promise<void> {
  await channel.bindQueue(queue, delayDeliveryExchange(names), delayBindingKey(queue));
}

/**
 * Publishes `content` so that it lands in `destinationQueue` after `delayMs` (rounded up to a unit),
 * confirmed by the broker; an unroutable message (destination not bound) is a PublishError.
 * Resolves to the delay the message really waits.
 */
export async function sendDelayed(
  channel: ConfirmChannel,
  names: Names,
  destinationQueue: string,
  delayMs: number,
  content: Buffer,
  options: Options.Publish = {},
): Promise<number> {
  const route = delayRoute(names, delayMs, destinationQueue);
  await publishConfirmed(channel, { exchange: route.exchange, routingKey: route.routingKey }, content, options);
  return route.delayMs;
}
