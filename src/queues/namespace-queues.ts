/**
 * @module A namespace's queues as an operator sees them: how many messages wait (ready, not being
 * processed) in its job, delay and dead-letter queues, and emptying them (`baton jobs purge`,
 * `POST /api/purge`, `baton dev`'s start-up notice, the demo's pacing). Passive checks only: a queue that
 * was never declared holds nothing, and nothing here declares one.
 */
import amqp, { type ChannelModel } from 'amqplib';
import { delayQueueNames } from '../broker/delay-infrastructure.js';
import type { Names } from '../contracts/names.js';
import { brokerRefusedError, brokerUnreachableError, firstLine, isAccessRefused } from '../core/broker-advice.js';

export interface QueueCounts {
  /** Ready in `<ns>.jobs`: waiting for a processor. */
  readonly jobs: number;
  /** In the delay queues: retries and deferrals waiting for their time. */
  readonly delayed: number;
  /** In `<ns>.jobs.dead`. */
  readonly dead: number;
  readonly total: number;
}

/** Every queue of the namespace that can hold jobs, by kind. */
export function namespaceQueues(names: Names): Record<'jobs' | 'delayed' | 'dead', string[]> {
  return { jobs: [names.jobsQueue], delayed: delayQueueNames(names), dead: [names.deadQueue] };
}

/** One broker connection for a few passive looks; `close()` when done. */
export class NamespaceQueues {
  readonly #connection: ChannelModel;
  readonly #names: Names;

  private constructor(connection: ChannelModel, names: Names) {
    this.#connection = connection;
    this.#names = names;
  }

  /** Connects within `timeoutMs`; a BatonError with the usual advice when RabbitMQ is not there. */
  static async open(url: string, names: Names, timeoutMs = 10_000): Promise<NamespaceQueues> {
    try {
      const connection = await amqp.connect(url, { timeout: timeoutMs, clientProperties: { connection_name: `baton queues ${names.namespace}` } });
      connection.on('error', () => undefined); // 'close' follows; nothing here outlives a command
      return new NamespaceQueues(connection, names);
    } catch (error) {
      throw isAccessRefused(error) ? brokerRefusedError(url, error) : brokerUnreachableError(url, firstLine(error));
    }
  }

  /** Ready messages and consumers of one queue; zeros when it does not exist. */
  async check(queue: string): Promise<{ messages: number; consumers: number }> {
    // A passive check of a missing queue closes its channel (404): one channel per check.
    const channel = await this.#connection.createChannel();
    channel.on('error', () => undefined);
    try {
      const { messageCount, consumerCount } = await channel.checkQueue(queue);
      return { messages: messageCount, consumers: consumerCount };
    } catch {
      return { messages: 0, consumers: 0 };
    } finally {
      await channel.close().catch(() => undefined);
    }
  }

  async counts(): Promise<QueueCounts> {
    const queues = namespaceQueues(this.#names);
    const sum = async (list: string[]) => (await Promise.all(list.map(async (queue) => (await this.check(queue)).messages))).reduce((a, b) => a + b, 0);
    const [jobs, delayed, dead] = await Promise.all([sum(queues.jobs), sum(queues.delayed), sum(queues.dead)]);
    return { jobs, delayed, dead, total: jobs + delayed + dead };
  }

  /** Empties every queue of the namespace; returns how many messages each kind held. */
  async purge(): Promise<QueueCounts> {
    const queues = namespaceQueues(this.#names);
    const purgeAll = async (list: string[]) => {
      let purged = 0;
      for (const queue of list) {
        const channel = await this.#connection.createChannel();
        channel.on('error', () => undefined);
        try {
          await channel.checkQueue(queue);
          purged += (await channel.purgeQueue(queue)).messageCount;
        } catch {
          // not declared: nothing to purge
        } finally {
          await channel.close().catch(() => undefined);
        }
      }
      return purged;
    };
    const jobs = await purgeAll(queues.jobs);
    const delayed = await purgeAll(queues.delayed);
    const dead = await purgeAll(queues.dead);
    return { jobs, delayed, dead, total: jobs + delayed + dead };
  }

  async close(): Promise<void> {
    await this.#connection.close().catch(() => undefined);
  }
}

/** "37 messages (30 waiting, 5 delayed, 2 dead letters)". */
export function describeCounts(counts: QueueCounts): string {
  const parts = [`${counts.jobs} waiting`, `${counts.delayed} delayed`, `${counts.dead} dead letter${counts.dead === 1 ? '' : 's'}`];
  return `${counts.total} message${counts.total === 1 ? '' : 's'} (${parts.join(', ')})`;
}
