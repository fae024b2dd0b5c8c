/**
 * @module Queue topology. Every declaration here is idempotent with fixed arguments, so publishers and
 * processors of any version may declare it again at start-up without a PRECONDITION_FAILED.
 *
 * Delays (retry backoff, deferral, scheduled jobs) go through the delay infrastructure
 * (delay-infrastructure.ts): a fixed set of binary-level TTL queues, whatever the delays.
 */
import type { Channel } from 'amqplib';
import type { Names } from '../contracts/names.js';
import { jobsQueueRole, type JobsQueueMode } from './jobs-queue.js';
import { assertDelayInfrastructure, bindDelayDestination, delayExchangeNames, delayQueueNames } from './delay-infrastructure.js';
import { declareQueue, type QueueType } from './queue-type.js';

/** Header with the time (ms) a Baton publisher sent a job; processors date Started after it. */
export const PUBLISHED_AT_HEADER = 'x-baton-published-at';
/** Header counting how many times processors sent a message on (present: not the producer's first delivery). */
export const HOPS_HEADER = 'x-baton-hops';
/** Header with the job's requeue generation a copy was published for (src/storage/job-control.ts); absent: 0. */
export const GENERATION_HEADER = 'x-baton-generation';
/** Header with the job's index shard, chosen by its publisher (src/storage/state-index.ts); absent: none. */
export const INDEX_SHARD_HEADER = 'x-baton-index-shard';

/**
 * Declares the jobs and dead-letter queues and the delay levels as `queueType` queues; a queue-type mismatch
 * with existing queues is a ConfigError. `jobsQueue`: what `probeJobsQueue` found (a first edition's queue
 * without priorities is used as it is).
 */
export async function assertTopology(channel: Channel, names: Names, queueType: QueueType = 'classic', jobsQueue: JobsQueueMode = 'priority'): Promise<void> {
  await declareQueue(channel, names.jobsQueue, queueType, jobsQueueRole(jobsQueue));
  await declareQueue(channel, names.deadQueue, queueType, { role: 'dead-letter' });
  await assertDelayInfrastructure(channel, names, queueType);
  await bindDelayDestination(channel, names, names.jobsQueue);
}

/** Every queue `assertTopology` declares for a namespace: a fixed number (2 + DELAY_LEVELS). */
export function namespaceQueues(names: Names): string[] {
  return [names.jobsQueue, names.deadQueue, ...delayQueueNames(names)];
}

/** Deletes a namespace's queues and exchanges (tests, benchmarks, chaos runs). Missing ones are fine. */
export async function deleteTopology(channel: Channel, names: Names, extraQueues: readonly string[] = []): Promise<void> {
  for (const queue of [...namespaceQueues(names), ...extraQueues]) await channel.deleteQueue(queue);
  for (const exchange of delayExchangeNames(names)) await channel.deleteExchange(exchange);
}
