/**
 * @module Capacity against Azure Storage's published targets: what one storage account carries, from the
 * measured requests per no-op job. The account target (20,000 requests/s) bounds the fleet unless a partition
 * the whole fleet writes to meets its own target first (2,000 entities/s): the recent-events index (spread over
 * INDEX_SHARDS sub-partitions), the queued register (QUEUED_PARTITIONS) and the job-state index (one partition
 * per status). docs/BENCHMARKS.md, "Capacity", explains the model.
 */
import { INDEX_SHARDS } from '../../src/storage/event-keys.js';
import { QUEUED_PARTITIONS } from '../../src/storage/queued-register.js';
import { STATE_SHARDS } from '../../src/storage/state-index.js';
import type { Report } from './report.js';
import { table } from './report.js';
import { fmt } from './stats.js';

/** https://learn.microsoft.com/azure/storage/tables/scalability-targets (standard general-purpose v2 account). */
export const ACCOUNT_REQUESTS_PER_SECOND = 20_000;
export const PARTITION_ENTITIES_PER_SECOND = 2_000;
/** Index rows of a no-op job: Queued, Started, Step, Completed. */
const INDEX_ENTITIES_PER_NOOP_JOB = 4;
/**
 * The job-state index's busiest partitions per no-op job: `Queued` gets the publisher's upsert and the
 * processor's delete, `all` the publisher's upsert and the first Started's (which repairs a lost one).
 */
const STATE_INDEX_ENTITIES_PER_PARTITION = 2;

export interface Capacity {
  /** No-op jobs/s the account's request target allows. */
  readonly accountJobsPerSecond: number;
  /** No-op jobs/s the index allows, with one partition per bucket (before) and with sub-partitions (now). */
  readonly indexJobsPerSecondOnePartition: number;
  readonly indexJobsPerSecond: number;
  /** No-op jobs/s the queued register allows (one row per job, spread by jobId). */
  readonly registerJobsPerSecond: number;
  /** No-op jobs/s the job-state index allows, with one partition per status (before) and with sub-partitions (now). */
  readonly stateIndexJobsPerSecondOnePartition: number;
  readonly stateIndexJobsPerSecond: number;
  /** The least of all: what one namespace on one account carries. */
  readonly fleetJobsPerSecond: number;
}

export function capacity(requestsPerJob: number): Capacity {
  const bounds = {
    accountJobsPerSecond: ACCOUNT_REQUESTS_PER_SECOND / requestsPerJob,
    indexJobsPerSecondOnePartition: PARTITION_ENTITIES_PER_SECOND / INDEX_ENTITIES_PER_NOOP_JOB,
    indexJobsPerSecond: (INDEX_SHARDS * PARTITION_ENTITIES_PER_SECOND) / INDEX_ENTITIES_PER_NOOP_JOB,
    registerJobsPerSecond: QUEUED_PARTITIONS * PARTITION_ENTITIES_PER_SECOND,
    stateIndexJobsPerSecondOnePartition: PARTITION_ENTITIES_PER_SECOND / STATE_INDEX_ENTITIES_PER_PARTITION,
    stateIndexJobsPerSecond: (STATE_SHARDS * PARTITION_ENTITIES_PER_SECOND) / STATE_INDEX_ENTITIES_PER_PARTITION,
  };
  return { ...bounds, fleetJobsPerSecond: Math.min(bounds.accountJobsPerSecond, bounds.indexJobsPerSecond, bounds.registerJobsPerSecond, bounds.stateIndexJobsPerSecond) };
}

/** The capacity section and its headline, from the median requests per no-op job of measure 1. */
export function reportCapacity(report: Report, requestsPerJob: number): void {
  const c = capacity(requestsPerJob);
  const section = report.section('Capacity of one Azure Storage account (from measure 1)');
  section.lines.push(
    `Azure's targets: ${ACCOUNT_REQUESTS_PER_SECOND.toLocaleString('en-US')} requests/s per account, ${PARTITION_ENTITIES_PER_SECOND.toLocaleString('en-US')} entities/s per table partition.`,
    '',
    ...table(['bound', 'no-op jobs/s'], [
      [`account: ${ACCOUNT_REQUESTS_PER_SECOND.toLocaleString('en-US')} ÷ ${fmt(requestsPerJob)} requests per job`, fmt(c.accountJobsPerSecond)],
      [`recent-events index, one partition per bucket (before): ${PARTITION_ENTITIES_PER_SECOND} ÷ ${INDEX_ENTITIES_PER_NOOP_JOB} entities per job`, fmt(c.indexJobsPerSecondOnePartition)],
      [`recent-events index, ${INDEX_SHARDS} sub-partitions per bucket (now)`, fmt(c.indexJobsPerSecond)],
      [`queued register: ${QUEUED_PARTITIONS} partitions × ${PARTITION_ENTITIES_PER_SECOND} ÷ 1 row per job`, fmt(c.registerJobsPerSecond)],
      [`job-state index, one partition per status (before): busiest (Queued, all) ${PARTITION_ENTITIES_PER_SECOND} ÷ ${STATE_INDEX_ENTITIES_PER_PARTITION} entities per job`, fmt(c.stateIndexJobsPerSecondOnePartition)],
      [`job-state index, ${STATE_SHARDS} sub-partitions per status (now)`, fmt(c.stateIndexJobsPerSecond)],
      ['one namespace on one account: the least of these', fmt(c.fleetJobsPerSecond)],
    ]),
  );
  report.headline({
    measure: 'capacity: no-op jobs/s one namespace on one storage account carries (the least of its request target ÷ measure 1 and its partitions\' targets)',
    median: fmt(c.fleetJobsPerSecond),
    spread: '—',
    target: 'the account\'s request target is the bound, not a partition',
    met: c.fleetJobsPerSecond >= c.accountJobsPerSecond,
  });
}
