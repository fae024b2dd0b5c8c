/**
 * @module Queue types (`BATON_QUEUE_TYPE`): the declaration arguments of every queue Baton declares, by its
 * role, for classic or quorum queues, and the translation of the broker's refusal to re-declare an existing
 * queue as the other type into a ConfigError naming the variable.
 *
 * Classic declarations carry no `x-queue-type` at all: they stay byte-for-byte what every earlier Baton
 * declared, so existing queues keep being re-declared without a PRECONDITION_FAILED. Quorum queues are
 * replicated over a RabbitMQ cluster's nodes and survive the loss of a minority of them. What changes with
 * them (RabbitMQ 3.10 here):
 * - no priorities (`x-max-priority` is not accepted before 4.0): a jobs queue's priority levels are dropped;
 * - dead-lettering (a delay queue's expired messages going back to `<ns>.jobs`) is at-least-once, which
 *   needs `x-dead-letter-strategy: at-least-once` together with `x-overflow: reject-publish`; a classic
 *   queue dead-letters at most once (unconfirmed), a message lost in between is gone;
 * - messages are always persistent, and a queue cannot be exclusive or auto-delete (Baton uses neither).
 */
import type { Options } from 'amqplib';
import type { QueueType } from '../core/config.js';
import { ConfigError } from '../core/errors.js';

export type { QueueType };

/** What a queue is for; its arguments follow from that and the queue type. */
export type QueueRole =
  /** `<ns>.jobs` and a partition's queue: what processors consume. `maxPriority` only on classic queues. */
  | { readonly role: 'jobs'; readonly maxPriority?: number }
  /** `<ns>.jobs.dead`: kept until an operator acts. */
  | { readonly role: 'dead-letter' }
  /** A queue whose messages wait `messageTtlMs`, then dead-letter to `deadLetterExchange` (with their own routing key). */
  | { readonly role: 'delay'; readonly deadLetterExchange: string; readonly messageTtlMs: number };

/** The `assertQueue` options for a queue of `role` as a `type` queue. */
export function queueOptions(type: QueueType, role: QueueRole): Options.AssertQueue {
  const args: Record<string, unknown> = {};
  if (type === 'quorum') args['x-queue-type'] = 'quorum';
  switch (role.role) {
    case 'jobs':
      // Quorum queues before RabbitMQ 4.0 refuse x-max-priority: priorities are ignored there.
      if (role.maxPriority !== undefined && type === 'classic') args['x-max-priority'] = role.maxPriority;
      break;
    case 'dead-letter':
      break;
    case 'delay':
      args['x-message-ttl'] = role.messageTtlMs;
      args['x-dead-letter-exchange'] = role.deadLetterExchange;
      if (type === 'quorum') {
        // At-least-once dead-lettering is only honoured with reject-publish overflow (RabbitMQ 3.10+).
        args['x-dead-letter-strategy'] = 'at-least-once';
        args['x-overflow'] = 'reject-publish';
      }
      break;
  }
  return Object.keys(args).length > 0 ? { durable: true, arguments: args } : { durable: true };
}

/**
 * The broker's answer to declaring an existing queue with a different `x-queue-type` is a channel error
 * (406 PRECONDITION_FAILED, "inequivalent arg 'x-queue-type'"): retrying can never succeed, so it becomes a
 * ConfigError that tells the operator what to do. Any other error is returned unchanged.
 */
export function explainDeclareError(error: unknown, queue: string, type: QueueType): unknown {
  const message = String((error as Error | undefined)?.message ?? '');
  // RabbitMQ names the first argument that differs: a classic jobs queue with priorities meets a quorum
  // declaration (which has none) on x-max-priority before x-queue-type.
  const otherType = /x-queue-type/.test(message) || (type === 'quorum' && /x-max-priority/.test(message));
  if (!/PRECONDITION_FAILED/.test(message) || !otherType) return error;
  const other = type === 'quorum' ? 'classic' : 'quorum';
  return new ConfigError(
    `BATON_QUEUE_TYPE (--queue-type) is ${type}, but queue "${queue}" already exists as a ${other} queue. ` +
      `Set BATON_QUEUE_TYPE=${other} to keep using it, or drain and delete the namespace's queues ` +
      '(a queue cannot change type in place) before switching every publisher and processor together.',
  );
}

/** Declares `queue` with the arguments of `role`; a queue-type mismatch becomes a ConfigError. */
export async function declareQueue(
  channel: { assertQueue(queue: string, options?: Options.AssertQueue): Promise<unknown> },
  queue: string,
  type: QueueType,
  role: QueueRole,
): Promise<string> {
  try {
    await channel.assertQueue(queue, queueOptions(type, role));
  } catch (error) {
    throw explainDeclareError(error, queue, type);
  }
  return queue;
}
