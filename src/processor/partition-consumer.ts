/**
 * @module Which queues a processor consumes, from BATON_PARTITIONS: `<ns>.jobs` when it serves the
 * default partition (jobs with no partition; it also moves partitioned jobs sent there), and
 * `<ns>.part.<p>` for each partition it serves. Serving all, it also finds partitions created after it
 * started, by reading the partition registry every DISCOVER_MS.
 */
import type { Names } from '../contracts/names.js';
import { errorMessage } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { DEFAULT_PARTITION, serves } from '../broker/partitions.js';

/** Well inside the contract's 30 s for a new partition to be picked up. */
export const DISCOVER_MS = 10_000;

export interface PartitionConsumerOptions {
  readonly names: Names;
  readonly partitions: readonly string[] | 'all';
  readonly listPartitions: () => Promise<string[]>;
  /** Declares (and registers) a partition's queue on the current session; returns its name. */
  readonly ensureQueue: (partition: string) => Promise<string>;
  /** Starts consuming a queue on the current session. */
  readonly consume: (queue: string) => Promise<void>;
  readonly logger: Logger;
}

export class PartitionConsumer {
  readonly #options: PartitionConsumerOptions;
  #consumed = new Set<string>();
  #timer: NodeJS.Timeout | undefined;

  constructor(options: PartitionConsumerOptions) {
    this.#options = options;
  }

  /** The partitions this processor serves, as `/api/processors` and logs name them. */
  get described(): string {
    return this.#options.partitions === 'all' ? 'all' : this.#options.partitions.join(',');
  }

  /** Consumes every served queue on a new session (the previous session's consumers died with it). */
  async startSession(): Promise<void> {
    this.#consumed = new Set();
    const { names, partitions } = this.#options;
    if (serves(partitions, undefined)) await this.#consume(names.jobsQueue);
    const named = partitions === 'all' ? await this.#options.listPartitions() : partitions.filter((p) => p !== DEFAULT_PARTITION);
    for (const partition of named) await this.#consume(await this.#options.ensureQueue(partition));
    if (partitions === 'all' && !this.#timer) {
      this.#timer = setInterval(() => void this.#discover(), DISCOVER_MS);
      this.#timer.unref();
    }
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  async #discover(): Promise<void> {
    try {
      for (const partition of await this.#options.listPartitions()) {
        if (this.#consumed.has(this.#options.names.partitionQueue(partition))) continue;
        this.#options.logger.info('new partition found; consuming it', { partition });
        await this.#consume(await this.#options.ensureQueue(partition));
      }
    } catch (error) {
      this.#options.logger.warn('could not look for new partitions', { error: errorMessage(error) });
    }
  }

  async #consume(queue: string): Promise<void> {
    if (this.#consumed.has(queue)) return;
    this.#consumed.add(queue);
    try {
      await this.#options.consume(queue);
    } catch (error) {
      this.#consumed.delete(queue);
      throw error;
    }
  }
}
