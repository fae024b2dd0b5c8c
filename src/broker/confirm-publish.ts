/**
 * @module Publishing that waits for the broker's word. A message counts as published only once the
 * broker confirmed it; a nack, a return (unroutable: `mandatory`), a closed channel or a timeout is a
 * PublishError. Nothing is buffered in memory to be retried later; callers bound how many are in flight.
 */
import { randomUUID } from 'node:crypto';
import type { ConfirmChannel, Options } from 'amqplib';
import { PublishError } from '../core/errors.js';

interface ChannelWatch {
  /** Ids the broker returned as unroutable; it sends basic.return before the confirm of the same message. */
  readonly returned: Set<string>;
  /** Rejecters of publishes still waiting for their confirm; a closing channel fails them all. */
  readonly pending: Set<(error: Error) => void>;
}

const watches = new WeakMap<ConfirmChannel, ChannelWatch>();

/**
 * The broker nacked the message, or never confirmed it: the channel itself may be what is wrong (seen on
 * RabbitMQ 3.10: a channel opened while a quorum queue's crashed leader was not yet replaced nacks every
 * publish to it for as long as it lives), so its owner should open a new one before trying again.
 */
export class PublishNotAcceptedError extends PublishError {}

/** One 'return' and one 'close' listener per channel, however many publishes are in flight. */
function watch(channel: ConfirmChannel): ChannelWatch {
  let state = watches.get(channel);
  if (!state) {
    const created: ChannelWatch = { returned: new Set(), pending: new Set() };
    state = created;
    watches.set(channel, created);
    channel.on('return', (message: { properties: { messageId?: string } }) => {
      if (message.properties.messageId) created.returned.add(message.properties.messageId);
    });
    channel.on('close', () => {
      for (const reject of created.pending) reject(new PublishError('channel closed before the broker confirmed the message'));
      created.pending.clear();
    });
  }
  return state;
}

/** A queue (through the default exchange), or an exchange with a routing key. */
export type PublishTarget = string | { readonly exchange: string; readonly routingKey: string };

export async function publishConfirmed(
  channel: ConfirmChannel,
  target: PublishTarget,
  content: Buffer,
  options: Options.Publish = {},
  timeoutMs = 30_000,
): Promise<void> {
  const state = watch(channel);
  const { exchange, routingKey } = typeof target === 'string' ? { exchange: '', routingKey: target } : target;
  const queue = exchange === '' ? routingKey : `exchange ${exchange}`;
  const messageId = options.messageId ?? randomUUID();
  await new Promise<void>((resolve, reject) => {
    let settled = false;
    const finish = (error?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      state.pending.delete(finish);
      if (error) reject(error);
      else resolve();
    };
    const timer = setTimeout(() => finish(new PublishNotAcceptedError(`broker did not confirm a message to ${queue} within ${timeoutMs} ms`)), timeoutMs);
    state.pending.add(finish);
    try {
      channel.publish(
        exchange,
        routingKey,
        content,
        { persistent: true, mandatory: true, contentType: 'application/json', ...options, messageId },
        (error: unknown) => {
          if (error) return finish(new PublishNotAcceptedError(`broker refused a message to ${queue}`, { cause: error }));
          if (state.returned.delete(messageId)) return finish(new PublishError(`broker could not route a message to ${queue}`, { unroutable: true }));
          finish();
        },
      );
    } catch (error) {
      finish(new PublishError(`could not publish to ${queue}: ${(error as Error).message}`, { cause: error }));
    }
  });
}
