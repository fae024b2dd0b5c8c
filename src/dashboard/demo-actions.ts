/**
 * @module The dashboard's write action: publishing demo jobs, through the same Publisher as `baton publish`
 * (confirmed by the broker, then Queued recorded). Exists only when BATON_DASHBOARD_TOKEN is set. The
 * broker connection opens on first use, so a dashboard started while RabbitMQ is down still serves reads.
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import { validateJobRequest, type JobRequest } from '../contracts/job-request.js';
import type { Logger } from '../core/logger.js';
import { demoJob } from '../publisher/demo-job.js';
import { Publisher, type RunNowResult } from '../publisher/publisher.js';

export interface DemoActionsOptions {
  readonly token: string;
  readonly amqpUrl: string;
  readonly storageConnectionString: string;
  readonly namespace: string;
  readonly logger: Logger;
}

const START_TIMEOUT_MS = 10_000;

export class DemoActions {
  readonly #tokenDigest: Buffer;
  readonly #options: DemoActionsOptions;
  #publisher: Publisher | undefined;
  #started: Promise<Publisher> | undefined;

  constructor(options: DemoActionsOptions) {
    this.#options = options;
    this.#tokenDigest = digest(options.token);
  }

  /** Compares digests in constant time, so neither the token's content nor its length leaks through timing. */
  authorized(presented: string | undefined): boolean {
    return presented !== undefined && timingSafeEqual(digest(presented), this.#tokenDigest);
  }

  async publishDemoJobs(count: number, failTimes: number): Promise<Array<{ jobId: string; jobName: string }>> {
    const publisher = await this.#start();
    const published: Array<{ jobId: string; jobName: string }> = [];
    for (let i = 0; i < count; i++) {
      const parsed = validateJobRequest(demoJob({ failTimes }));
      if (!parsed.ok) throw new Error(`demo job invalid: ${parsed.reason}`);
      const result = await publisher.publish(parsed.job);
      published.push({ jobId: result.jobId, jobName: result.jobName });
    }
    return published;
  }

  /** Publishes one job (a schedule's trigger); resolves to its jobId once the broker confirmed it. */
  async publishJob(job: JobRequest): Promise<string> {
    return (await (await this.#start()).publish(job)).jobId;
  }

  /** Starts a scheduled job at once (`POST /api/jobs/{jobId}/run-now`). */
  async runNow(jobId: string, actor: string): Promise<RunNowResult> {
    return (await this.#start()).runNow(jobId, actor);
  }

  async close(): Promise<void> {
    await this.#publisher?.close().catch(() => undefined);
  }

  #start(): Promise<Publisher> {
    this.#started ??= this.#open().catch((error: unknown) => {
      this.#started = undefined; // try again on the next request
      throw error;
    });
    return this.#started;
  }

  async #open(): Promise<Publisher> {
    const { token: _token, logger, ...connection } = this.#options;
    this.#publisher ??= new Publisher({ ...connection, publisherId: 'dashboard', logger: logger.child({ component: 'publisher' }) });
    const publisher = this.#publisher;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('RabbitMQ did not answer')), START_TIMEOUT_MS);
    });
    try {
      await Promise.race([publisher.start(), timeout]);
      return publisher;
    } finally {
      clearTimeout(timer);
    }
  }
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
