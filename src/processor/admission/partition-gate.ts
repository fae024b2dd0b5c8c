/**
 * @module Job gate "is the job in its partition's queue?": a job with a `partition` that arrived anywhere
 * else (sent to `<ns>.jobs`, or back from a delay) is handed to `<ns>.part.<partition>` unrun, so that
 * only processors serving that partition run it. The queue is declared (and the partition registered)
 * on the first hand-off to it from this process.
 */
import type { DeliveryDeps } from '../delivery-deps.js';
import type { Candidate } from './gate.js';
import { handOff, run, type Verdict } from './verdict.js';

export async function partitionGate({ delivery, job }: Candidate, deps: DeliveryDeps): Promise<Verdict> {
  if (job.partition === undefined || delivery.queue === deps.names.partitionQueue(job.partition)) return run(undefined);
  return handOff(await deps.partitions.ensureQueue(job.partition), {}, 'moved');
}
