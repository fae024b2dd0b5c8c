/**
 * @module Admission gate: is the job in its partition's queue? A job with a `partition` that arrived
 * anywhere else (sent to `<ns>.jobs`, or back from a delay queue) is moved to `<ns>.part.<partition>`
 * unrun, so that only processors serving that partition run it.
 */
import type { JobRequest } from '../../contracts/job-request.js';
import type { Names } from '../../contracts/names.js';
import type { Delivery } from '../delivery.js';

export type PartitionRoute = { readonly kind: 'here' } | { readonly kind: 'move'; readonly queue: string };

export class PartitionGate {
  readonly #names: Names;
  readonly #ensureQueue: (partition: string) => Promise<string>;

  /** `ensureQueue` declares the partition's queue and registers the partition (once per process). */
  constructor(names: Names, ensureQueue: (partition: string) => Promise<string>) {
    this.#names = names;
    this.#ensureQueue = ensureQueue;
  }

  async route(delivery: Delivery, job: JobRequest): Promise<PartitionRoute> {
    if (job.partition === undefined || delivery.queue === this.#names.partitionQueue(job.partition)) return { kind: 'here' };
    return { kind: 'move', queue: await this.#ensureQueue(job.partition) };
  }
}
