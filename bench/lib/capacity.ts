/**
 * @module Capacity against Azure Storage's published targets: what one storage account carries, from the
 * measured requests per no-op job. The account target (20,000 requests/s) bounds the fleet; the recent-events
 * index, the only partition the whole fleet writes to, must not bound it first (2,000 entities/s per partition,
 * spread over INDEX_SHARDS sub-partitions). docs/BENCHMARKS.md, "Capacity", explains the model.
 */
import { INDEX_SHARDS } from '../../src/storage/event-keys.js';
import type { Report } from './report.js';
import { table } from './report.js';
import { fmt } from './stats.js';

/** https://learn.microsoft.com/azure/storage/tables/scalability-targets (standard general-purpose v2 account). */
export const ACCOUNT_REQUESTS_PER_SECOND = 20_000;
export const PARTITION_ENTITIES_PER_SECOND = 2_000;
/** Index rows of a no-op job: Queued, Started, Step, Completed. */
const INDEX_ENTITIES_PER_NOOP_JOB = 4;

export interface Capacity {
  /** No-op jobs/s the account's request target allows. */
  readonly accountJobsPerSecond: number;
  /** No-op jobs/s the index allows, with one partition per bucket (before) and with sub-partitions (now). */
  readonly indexJobsPerSecondOnePartition: number;
  readonly indexJobsPerSecond: number;
}

export function capacity(requestsPerJob: number): Capacity {
  return {
    accountJobsPerSecond: ACCOUNT_REQUESTS_PER_SECOND / requestsPerJob,
    indexJobsPerSecondOnePartition: PARTITION_ENTITIES_PER_SECOND / INDEX_ENTITIES_PER_NOOP_JOB,
    indexJobsPerSecond: (INDEX_SHARDS * PARTITION_ENTITIES_PER_SECOND) / INDEX_ENTITIES_PER_NOOP_JOB,
  };
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
    ]),
  );
  report.headline({
    measure: 'capacity: no-op jobs/s one storage account carries (its request target ÷ measure 1)',
    median: fmt(c.accountJobsPerSecond),
    spread: '—',
    target: 'index partitions not the bound',
    met: c.indexJobsPerSecond >= c.accountJobsPerSecond,
  });
}
