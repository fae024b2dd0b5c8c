/**
 * @module The dashboard's one Publisher (the same code as `baton publish`), opened on first use so that a
 * dashboard started while RabbitMQ is down still serves reads, and the answer when it cannot be had: a
 * 503 naming what is down (the broker or storage), never a 500.
 */
import type { QueueType } from '../core/config.js';
import { errorMessage, PublishError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { Publisher } from '../publisher/publisher.js';
import { ensureStorage } from '../storage/baton-storage.js';
import { HttpError } from './http-error.js';

export interface LazyPublisherOptions {
  readonly amqpUrl: string;
  readonly queueType?: QueueType;
  readonly storageConnectionString: string;
  readonly namespace: string;
  readonly logger: Logger;
  /** How long a request waits for a first connection before it is answered 503. */
  readonly startTimeoutMs?: number;
}

export class LazyPublisher {
  readonly #options: LazyPublisherOptions;
  #publisher: Publisher | undefined;
  #started: Promise<Publisher> | undefined;

  constructor(options: LazyPublisherOptions) {
    this.#options = options;
  }

  /** The started publisher; throws a 503 HttpError naming the broker or storage when either is down. */
  get(): Promise<Publisher> {
    this.#started ??= this.#open().catch((error: unknown) => {
      this.#started = undefined; // try again on the next request (the broker connection keeps retrying meanwhile)
      throw error;
    });
    return this.#started;
  }

  async close(): Promise<void> {
    await this.#publisher?.close().catch(() => undefined);
  }

  async #open(): Promise<Publisher> {
    const { logger, startTimeoutMs: _t, ...connection } = this.#options;
    this.#publisher ??= new Publisher({ ...connection, publisherId: 'dashboard', logger: logger.child({ component: 'publisher' }) });
    const publisher = this.#publisher;
    // Storage first, on its own, so that a failure names the right service.
    await this.#within(ensureStorage(publisher.storage, publisher.names), 'storage');
    await this.#within(publisher.start(), 'broker');
    return publisher;
  }

  async #within(work: Promise<unknown>, what: 'broker' | 'storage'): Promise<void> {
    const timeoutMs = this.#options.startTimeoutMs ?? 10_000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([work, timeout]);
    } catch (error) {
      work.catch(() => undefined);
      throw unavailable(what === 'storage' || isStorageError(error) ? 'storage' : 'broker', error, this.#options.logger);
    } finally {
      clearTimeout(timer);
    }
  }
}

function isStorageError(error: unknown): boolean {
  const name = (error as Error | undefined)?.name;
  return name === 'RestError' || name === 'AbortError';
}

/** Maps a publish failure to the 503 that names the service at fault. */
export function unavailable(what: 'broker' | 'storage', error: unknown, logger: Logger): HttpError {
  logger.warn(`${what} unavailable for a write`, { error: errorMessage(error) });
  return what === 'broker'
    ? new HttpError(503, 'broker_unavailable', 'RabbitMQ (the broker) is unavailable: try again later')
    : new HttpError(503, 'storage_unavailable', 'Azure Storage is unavailable: try again later');
}

/** Which service a failed `publisher.publish` points at. */
export function blame(error: unknown): 'broker' | 'storage' {
  if (error instanceof PublishError) return 'broker';
  return isStorageError(error) ? 'storage' : 'broker';
}
