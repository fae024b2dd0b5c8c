/**
 * @module The ceiling a request mix implies. Azurite is one Node process: its time per request adds up
 * across request kinds, so the most jobs per second it can serve is 1 / Σ (requests of a kind per job ×
 * seconds per request of that kind), each kind's cost taken from the raw rate measured in the same round
 * with 32 in flight. RabbitMQ runs beside it in its own process; the ceiling is the lower of the two.
 */
import type { RawRates } from '../measures/limits.js';

/** Seconds of Azurite time one request of `operation` (`service.operation`) costs, from the raw rates. */
export function secondsPerRequest(operation: string, raw: RawRates): number {
  if (operation === 'blob.blob.create') return 1 / raw.blobCreate;
  // Lease requests: an acquire+release cycle is two of them.
  if (operation.startsWith('blob.lease.')) return 1 / (2 * raw.leaseCycle);
  // The delete with the lease: what a lock lifecycle (create, acquire, delete) costs beyond its create and acquire.
  if (operation === 'blob.blob.delete') return Math.max(1 / (2 * raw.leaseCycle), 1 / raw.lockLifecycle - 1 / raw.blobCreate - 1 / (2 * raw.leaseCycle));
  if (operation === 'table.transaction') return 1 / raw.tx2;
  if (operation.startsWith('table.')) return 1 / raw.insert;
  // Container and other rare requests: costed as a lease request.
  return 1 / (2 * raw.leaseCycle);
}

export interface Ceiling {
  readonly jobsPerSecond: number;
  readonly azuriteJobsPerSecond: number;
  readonly brokerJobsPerSecond: number;
}

/**
 * `perJob`: requests per job by `service.operation`. `indexRowsPerJob`: rows written in batched
 * index transactions, each also costing an entity in a 100-entity transaction (the transactions
 * themselves are counted in `perJob`). `consumesPerJob`: deliveries consumed and acked per job.
 */
export function ceiling(perJob: ReadonlyMap<string, number>, raw: RawRates, options: { indexRowsPerJob?: number; consumesPerJob?: number } = {}): Ceiling {
  let seconds = (options.indexRowsPerJob ?? 0) / raw.batchEntities;
  for (const [operation, count] of perJob) seconds += count * secondsPerRequest(operation, raw);
  const azuriteJobsPerSecond = 1 / seconds;
  const brokerJobsPerSecond = raw.consume / (options.consumesPerJob ?? 1);
  return { jobsPerSecond: Math.min(azuriteJobsPerSecond, brokerJobsPerSecond), azuriteJobsPerSecond, brokerJobsPerSecond };
}

/** The seed design's processor requests per job, by construction (bench/seed-design.ts). */
export const SEED_REQUESTS_PER_JOB: ReadonlyMap<string, number> = new Map([
  ['blob.blob.create', 1],
  ['blob.lease.acquire', 1],
  ['blob.lease.release', 1],
  ['table.insert', 3],
]);
