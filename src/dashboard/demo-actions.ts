/**
 * @module The dashboard's demo button: random demo jobs, through the dashboard's one Publisher (the same
 * code as `baton publish`: confirmed by the broker, then Queued recorded). Exists only when an operator
 * token is configured; the access guard checks the caller.
 */
import { validateJobRequest } from '../contracts/job-request.js';
import { demoJob } from '../publisher/demo-job.js';
import type { LazyPublisher } from './lazy-publisher.js';

export class DemoActions {
  readonly #publisher: LazyPublisher;

  constructor(publisher: LazyPublisher) {
    this.#publisher = publisher;
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
}
