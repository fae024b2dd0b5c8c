/** @module `baton queues upgrade`: re-declares a first edition's `<ns>.jobs` with priorities, its messages kept. */
import amqp from 'amqplib';
import type { Config } from '../core/config.js';
import { namesFor } from '../contracts/names.js';
import { upgradeJobsQueue } from '../broker/jobs-queue.js';
import { redact } from '../core/redact.js';

export async function runQueuesUpgrade(config: Pick<Config, 'amqpUrl' | 'namespace'>, out: NodeJS.WritableStream = process.stdout): Promise<void> {
  const names = namesFor(config.namespace);
  const connection = await amqp.connect(config.amqpUrl).catch((error: Error) => {
    throw new Error(`cannot reach RabbitMQ: ${redact(error.message)}`);
  });
  connection.on('error', () => undefined);
  try {
    const result = await upgradeJobsQueue(connection, names);
    out.write(
      result.upgraded
        ? `${names.jobsQueue} re-declared with priorities; ${result.moved} waiting message(s) kept\n`
        : `${names.jobsQueue} already has priorities; nothing to do\n`,
    );
  } finally {
    await connection.close().catch(() => undefined);
  }
}
