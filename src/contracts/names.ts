/** @module Names derived from a namespace: every queue, container and table Baton touches. */

/** `BATON_NAMESPACE`: a lowercase letter, then 2–19 lowercase letters or digits. */
export const NAMESPACE_PATTERN = /^[a-z][a-z0-9]{2,19}$/;

export interface Names {
  readonly namespace: string;
  /** The durable queue processors consume; producers publish here via the default exchange. */
  readonly jobsQueue: string;
  /** Durable dead-letter queue: messages that will never be processed, reason in `x-baton-reason`. */
  readonly deadQueue: string;
  /** Blob container holding one lock blob per lock key. */
  readonly locksContainer: string;
  /** Table with one partition per job: its events plus a `state` row used for fencing. */
  readonly auditTable: string;
  /** Table of recurring jobs (schedules), one row per schedule. */
  readonly schedulesTable: string;
  /** Table indexing every event by time (inverted keys) so "recent events" never scans history. */
  readonly recentTable: string;
  /** Table of tenant limits, rate-limit state, tenant use and the partition registry. */
  readonly tenantsTable: string;
  /** The queue of one partition's jobs (second edition). */
  partitionQueue(partition: string): string;
  /** Table of processors' heartbeats and their per-minute roll-ups, one partition per UTC day. */
  readonly fleetTable: string;
  /** Table indexing every job by its current status (newest first): the job lists. */
  readonly stateIndexTable: string;
  /** Fanout exchange of operator commands (cancel) every processor listens to on an exclusive queue. */
  readonly controlExchange: string;
  /** Table of `Idempotency-Key`s seen by `POST /api/jobs`: one row per tenant and key. */
  readonly idempotencyTable: string;
}

export function namesFor(namespace: string): Names {
  if (!NAMESPACE_PATTERN.test(namespace)) {
    throw new RangeError(`namespace "${namespace}" must match ${NAMESPACE_PATTERN}`);
  }
  return Object.freeze({
    namespace,
    jobsQueue: `${namespace}.jobs`,
    deadQueue: `${namespace}.jobs.dead`,
    locksContainer: `${namespace}-locks`,
    auditTable: `${namespace}audit`,
    recentTable: `${namespace}recent`,
    schedulesTable: `${namespace}schedules`,
    tenantsTable: `${namespace}tenants`,
    partitionQueue: (partition: string) => `${namespace}.part.${partition}`,
    fleetTable: `${namespace}fleet`,
    idempotencyTable: `${namespace}idempotency`,
    stateIndexTable: `${namespace}states`,
    controlExchange: `${namespace}.control`,
  });
}
