/**
 * @module Is RabbitMQ there? `baton dev` asks once, before starting anything, and answers a person:
 * what failed and the commands that start a broker, instead of a processor retrying forever.
 */
import amqp from 'amqplib';
import { brokerRefusedError, brokerUnreachableError, firstLine, isAccessRefused } from '../core/broker-advice.js';

/** Connects once and closes; throws a BatonError whose message says what to do. */
export async function checkBroker(url: string, timeoutMs = 5000): Promise<void> {
  let connection: amqp.ChannelModel;
  try {
    connection = await amqp.connect(url, { timeout: timeoutMs });
  } catch (error) {
    throw isAccessRefused(error) ? brokerRefusedError(url, error) : brokerUnreachableError(url, firstLine(error), 'run `npm start` again');
  }
  await connection.close().catch(() => undefined);
}
