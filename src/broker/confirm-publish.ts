/**
 * @module Publishing that waits for the broker's word. A message counts as published only once the
 * broker confirmed it; a nack, a return (unroutable: `mandatory`), a closed channel or a timeout is a
 * PublishError. Nothing is buffered in memory to be retried later; callers bound how many are in flight.
 */
import { randomUUID } from 'node:crypto';
import type { ConfirmChannel, Options } from 'amqplib';
import { PublishError } from '../core/errors.js';

const returnedIds = new WeakMap<ConfirmChannel, Set<string>>();

function watchReturns(channel: ConfirmChannel): Set<string> {
  let ids = returnedIds.get(channel);
  if (!ids) {
    const set = new Set<string>();
    ids = set;
    returnedIds.set(channel, set);
    // The broker sends basic.return before the confirm of the same message, so the confirm callback sees it.
    channel.on('return', (message: { properties: { messageId?: string } }) => {
      if (message.properties.messageId) set.add(message.properties.messageId);
    });
  }
  return ids;
}

export async function publishConfirmed(
  channel: ConfirmChannel,
  queue: string,
  content: Buffer,
  options: Options.Publish = {},
  timeoutMs = 30_000,
): Promise<void> {
  const returned = watchReturns(channel);
  const messageId = options.messageId ?? randomUUID();
  await new Promise<void>((resolve, reject) => {
    let settled = false;
    const finish = (error?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      channel.off('close', onClose);
      if (error) reject(error);
      else resolve();
    };
    const onClose = () => finish(new PublishError(`channel closed before the broker confirmed a message to ${queue}`));
    const timer = setTimeout(() => finish(new PublishError(`broker did not confirm a message to ${queue} within ${timeoutMs} ms`)), timeoutMs);
    channel.once('close', onClose);
    try {
      channel.sendToQueue(
        queue,
        content,
        { persistent: true, mandatory: true, contentType: 'application/json', ...options, messageId },
        (error: unknown) => {
          if (error) return finish(new PublishError(`broker refused a message to ${queue}`, { cause: error }));
          if (returned.delete(messageId)) return finish(new PublishError(`broker could not route a message to ${queue}`));
          finish();
        },
      );
    } catch (error) {
      finish(new PublishError(`could not publish to ${queue}: ${(error as Error).message}`, { cause: error }));
    }
  });
}
