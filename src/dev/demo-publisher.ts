/**
 * @module `baton dev --demo`: publishes a random demo job every interval, paced to the fleet (only while
 * fewer jobs wait than the processors run at once), so the dashboard has something to show — mostly plain jobs, now and then one that fails once or one sharing a lock key with others.
 */
import { validateJobRequest } from '../contracts/job-request.js';
import type { QueueType } from '../core/config.js';
import type { Logger } from '../core/logger.js';
import { demoJob, type DemoOptions } from '../publisher/demo-job.js';
import { Publisher } from '../publisher/publisher.js';
import { NamespaceQueues } from '../queues/namespace-queues.js';

export interface DemoPublisherOptions {
  readonly amqpUrl: string;
  readonly queueType?: QueueType;
  readonly storageConnectionString: string;
  readonly namespace: string;
  readonly intervalMs: number;
  /**
   * Jobs the fleet runs at once (processors × concurrency): a tick publishes only while fewer than this
   * wait in `<ns>.jobs`, so the demo never outruns the processors and leaves no backlog behind.
   */
  readonly capacity: number;
  readonly logger: Logger;
  /** Where "published …" lines go. */
  readonly output: NodeJS.WritableStream;
  readonly prefix: string;
}

/** The n-th demo job's shape: a fixed rotation, so a short demo already shows every kind. */
export function demoOptionsFor(n: number): DemoOptions {
  if (n % 7 === 3) return { failTimes: 1 };
  if (n % 5 === 1) return { lockKey: 'demo-shared-report' };
  return {};
}

/** Publish while the backlog is below what the fleet runs at once; an unknown backlog (broker hiccup) waits. */
export function demoMayPublish(waiting: number | undefined, capacity: number): boolean {
  return waiting !== undefined && waiting < capacity;
}

export class DemoPublisher {
  readonly #options: DemoPublisherOptions;
  readonly #publisher: Publisher;
  #timer: NodeJS.Timeout | undefined;
  #sent = 0;
  #inFlight: Promise<void> = Promise.resolve();
  #queues: NamespaceQueues | undefined;
  #closed: Promise<void> | undefined;

  constructor(options: DemoPublisherOptions) {
    this.#options = options;
    this.#publisher = new Publisher({ ...options, publisherId: 'dev-demo', logger: options.logger });
  }

  async start(): Promise<void> {
    await this.#publisher.start();
    this.#queues = await NamespaceQueues.open(this.#options.amqpUrl, this.#publisher.names);
    this.#tick();
  }

  /** Stops publishing and closes the connection. Idempotent. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      if (this.#timer) clearTimeout(this.#timer);
      this.#timer = undefined;
      await this.#inFlight;
      await this.#queues?.close();
      await this.#publisher.close();
    })();
    return this.#closed;
  }

  #tick(): void {
    if (this.#closed) return;
    this.#inFlight = this.#publishOne().finally(() => {
      if (!this.#closed) this.#timer = setTimeout(() => this.#tick(), this.#options.intervalMs);
    });
  }

  async #publishOne(): Promise<void> {
    const waiting = await this.#queues?.check(this.#publisher.names.jobsQueue).catch(() => undefined);
    if (!demoMayPublish(waiting?.messages, this.#options.capacity)) return;
    const parsed = validateJobRequest(demoJob(demoOptionsFor(this.#sent++)));
    if (!parsed.ok) return;
    try {
      const job = await this.#publisher.publish(parsed.job);
      this.#options.output.write(`${this.#options.prefix}published ${job.jobId}  ${job.jobName}\n`);
    } catch (error) {
      this.#options.output.write(`${this.#options.prefix}not published: ${(error as Error).message}\n`);
    }
  }
}
