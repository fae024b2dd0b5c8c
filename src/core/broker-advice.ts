/**
 * @module What to tell a person whose RabbitMQ cannot be used: one message for "nothing answers" (with the
 * commands that start a broker) and one for "wrong credentials", shared by `baton dev`, `baton publish`
 * and the processor so that every command says the same thing.
 */
import { BatonError } from './errors.js';
import { redact } from './redact.js';

/** The ways to start RabbitMQ on a development machine, as printed when it is not reachable. */
export const START_RABBITMQ = [
  'docker compose up -d rabbitmq            # Docker: the broker from this repository\'s docker-compose.yml',
  'sudo rabbitmq-server -detached           # the rabbitmq-server system package, started by hand',
  'sudo systemctl start rabbitmq-server     # the system package, as a service',
];

/** amqplib's answer to a refused login (or a vhost the user may not use): retrying cannot fix it. */
export function isAccessRefused(error: unknown): boolean {
  const message = String((error as Error | undefined)?.message ?? error ?? '');
  return /ACCESS_REFUSED|ACCESS-REFUSED|\b403\b|NOT_ALLOWED|\b530\b|authentication/i.test(message);
}

export function brokerRefusedError(url: string, error: unknown): BatonError {
  const detail = firstLine(error);
  return new BatonError(
    'BROKER_UNREACHABLE',
    `RabbitMQ at ${redact(url)} refused the user name or password (${detail}). ` +
      'Fix the credentials in BATON_AMQP_URL (the broker\'s default guest/guest works only from localhost).',
  );
}

/** `detail` says what went wrong (the socket error, or how long nothing answered). */
export function brokerUnreachableError(url: string, detail: string, rerun = 'run the command again'): BatonError {
  return new BatonError(
    'BROKER_UNREACHABLE',
    [
      `RabbitMQ is not reachable at ${redact(url)} (${redact(detail)}).`,
      `Baton needs a RabbitMQ broker. Start one, then ${rerun}:`,
      ...START_RABBITMQ.map((command) => `  ${command}`),
      'or point BATON_AMQP_URL at a broker that is running.',
    ].join('\n'),
  );
}

/** A connect error as one line, redacted: amqplib's messages sometimes span several. */
export function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message || String(error) : String(error);
  return redact(text.split('\n')[0]!.trim());
}
