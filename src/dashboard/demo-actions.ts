/**
 * @module The dashboard's operator actions: random demo jobs, through the dashboard's one Publisher (the
 * same code as `baton publish`: confirmed by the broker, then Queued recorded), and purging the
 * namespace's queues. Exists only when an operator token is configured; the access guard checks the caller.
 */
import { validateJobRequest, type JobRequest } from '../contracts/job-request.js';
import type { Names } from '../contracts/names.js';
import { demoJob } from '../publisher/demo-job.js';
import type { RunNowResult } from '../publisher/publisher.js';
import { NamespaceQueues, type QueueCounts } from '../queues/namespace-queues.js';
import type { LazyPublisher } from './lazy-publisher.js';

const PURGE_CONNECT_TIMEOUT_MS = 10_000;

export class DemoActions {
  readonly #publisher: LazyPublisher;
  readonly #broker: { readonly amqpUrl: string; readonly names: Names };

  constructor(publisher: LazyPublisher, broker: { readonly amqpUrl: string; readonly names: Names }) {
    this.#publisher = publisher;
    this.#broker = broker;
  }

  async publishDemoJobs(count: number, failTimes: number, actor: string): Promise<Array<{ jobId: string; jobName: string }>> {
    const publisher = await this.#publisher.get();
    const published: Array<{ jobId: string; jobName: string }> = [];
    for (let i = 0; i < count; i++) {
      const parsed = validateJobRequest(demoJob({ failTimes }));
      if (!parsed.ok) throw new Error(`demo job invalid: ${parsed.reason}`);
      const result = await publisher.publish(parsed.job, { actor });
      published.push({ jobId: result.jobId, jobName: result.jobName });
    }
    return published;
  }

  /** Publishes one job (a schedule's trigger); resolves to its jobId once the broker confirmed it. */
  async publishJob(job: JobRequest, actor?: string): Promise<string> {
    return (await (await this.#publisher.get()).publish(job, actor === undefined ? {} : { actor })).jobId;
  }

  /** Starts a scheduled job at once (`POST /api/jobs/{jobId}/run-now`). */
  async runNow(jobId: string, actor: string): Promise<RunNowResult> {
    return (await this.#publisher.get()).runNow(jobId, actor);
  }

  /** Empties the namespace's job, delay and dead-letter queues (`POST /api/purge`); the route checks the confirmation. */
  async purge(): Promise<QueueCounts> {
    const queues = await NamespaceQueues.open(this.#broker.amqpUrl, this.#broker.names, PURGE_CONNECT_TIMEOUT_MS);
    try {
      return await queues.purge();
    } finally {
      await queues.close();
    }
  }
}
