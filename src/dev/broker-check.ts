/**
 * @module Is RabbitMQ there? `baton dev` asks once, before starting anything, and answers a person:
 * what failed and the commands that start a broker, instead of a processor retrying forever.
 */
import amqp from 'amqplib';
import { amqpUrls } from '../broker/connection.js';
import { brokerRefusedError, brokerUnreachableError, firstLine, isAccessRefused } from '../core/broker-advice.js';

/** Connects once to the first of the listed nodes that answers, and closes; throws a BatonError whose message says what to do. */
export async function checkBroker(url: string, timeoutMs = 5000): Promise<void> {
  let failure: unknown;
  for (const one of amqpUrls(url)) {
    try {
      const connection = await amqp.connect(one, { timeout: timeoutMs });
      await connection.close().catch(() => undefined);
      return;
    } catch (error) {
      if (isAccessRefused(error)) throw brokerRefusedError(one, error);
      failure = error;
    }
  }
  throw brokerUnreachableError(url, firstLine(failure), 'run `npm start` again');
}
