/**
 * @module Partition queues: `<ns>.part.<partition>`, declared like `<ns>.jobs` (durable, same arguments),
 * by whoever first sends to one, and found by processors that serve every partition through the
 * partition registry in storage (the broker's management API may not be enabled; storage always is).
 */
import type { Channel } from 'amqplib';
import type { Names } from '../contracts/names.js';
import { bindDelayDestination } from './delay-infrastructure.js';
import { jobsQueueRole } from './jobs-queue.js';
import { declareQueue, type QueueType } from './queue-type.js';

/** In BATON_PARTITIONS: the jobs that have no partition (they live in `<ns>.jobs`). */
export const DEFAULT_PARTITION = 'default';

export async function assertPartitionQueue(channel: Channel, names: Names, partition: string, queueType: QueueType = 'classic'): Promise<string> {
  const queue = await declareQueue(channel, names.partitionQueue(partition), queueType, jobsQueueRole('priority'));
  // Scheduled jobs of the partition come out of the delay levels straight into its queue.
  await bindDelayDestination(channel, names, queue);
  return queue;
}

/** Whether a processor with this BATON_PARTITIONS setting runs jobs of `partition` (undefined: no partition). */
export function serves(partitions: readonly string[] | 'all', partition: string | undefined): boolean {
  return partitions === 'all' || partitions.includes(partition ?? DEFAULT_PARTITION);
}

/** Remembers what this process has declared and registered, so that only the first send to a partition pays. */
export class PartitionRegistrar {
  readonly #known = new Map<string, Promise<string>>();
  readonly #register: (partition: string) => Promise<void>;
  readonly #queueType: QueueType;

  constructor(register: (partition: string) => Promise<void>, queueType: QueueType = 'classic') {
    this.#register = register;
    this.#queueType = queueType;
  }

  /** Declares the partition's queue on `channel` and records the partition in storage, once per process. */
  ensure(channel: Channel, names: Names, partition: string): Promise<string> {
    let known = this.#known.get(partition);
    if (!known) {
      known = (async () => {
        const queue = await assertPartitionQueue(channel, names, partition, this.#queueType);
        await this.#register(partition);
        return queue;
      })();
      known.catch(() => this.#known.delete(partition));
      this.#known.set(partition, known);
    }
    return known;
  }

  /** A new channel (after a reconnect) must declare again. */
  forget(): void {
    this.#known.clear();
  }
}
