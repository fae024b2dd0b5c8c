/**
 * @module Is RabbitMQ there? `baton dev` asks once, before starting anything, and answers a person:
 * what failed and the commands that start a broker, instead of a processor retrying forever.
 */
import amqp from 'amqplib';
import { amqpUrls } from '../broker/connection.js';
import { BatonError } from '../core/errors.js';
import { redact } from '../core/redact.js';

/** The ways to start RabbitMQ on a development machine, as printed when it is not reachable. */
export const START_RABBITMQ = [
  'docker compose up -d rabbitmq            # Docker: the broker from this repository\'s docker-compose.yml',
  'sudo rabbitmq-server -detached           # the rabbitmq-server system package, started by hand',
  'sudo systemctl start rabbitmq-server     # the system package, as a service',
];

/** Connects once (to the first of several URLs that answers) and closes; throws a BatonError whose message says what to do. */
export async function checkBroker(url: string, timeoutMs = 5000): Promise<void> {
  let failure: Error | undefined;
  for (const one of amqpUrls(url)) {
    try {
      const connection = await amqp.connect(one, { timeout: timeoutMs });
      await connection.close().catch(() => undefined);
      return;
    } catch (error) {
      failure = error as Error;
    }
  }
  throw brokerError(url, failure ?? new Error('no URL given'));
}

function brokerError(url: string, error: Error): BatonError {
  const detail = redact(error.message || String(error));
  if (/ACCESS_REFUSED|403/.test(detail)) {
    return new BatonError(
      'BROKER_UNREACHABLE',
      `RabbitMQ at ${redact(url)} refused the user name or password (${detail}). ` +
        'Fix the credentials in BATON_AMQP_URL (the broker\'s default guest/guest works only from localhost).',
    );
  }
  return new BatonError(
    'BROKER_UNREACHABLE',
    [
      `RabbitMQ is not reachable at ${redact(url)} (${detail}).`,
      'Baton needs a RabbitMQ broker. Start one, then run `npm start` again:',
      ...START_RABBITMQ.map((command) => `  ${command}`),
      'or point BATON_AMQP_URL at a broker that is running.',
    ].join('\n'),
  );
}
