/**
 * @module Queue topology. Every declaration here is idempotent with fixed arguments, so publishers and
 * processors of any version may declare it again at start-up without a PRECONDITION_FAILED.
 *
 * Delays (retry backoff, deferral) go through the broker: one durable queue per delay length, with a
 * queue-wide TTL and the default exchange as dead-letter target routing back to `<ns>.jobs`. A queue
 * holds one delay length because messages only expire from a queue's head.
 */
import type { Channel } from 'amqplib';
import type { Names } from '../contracts/names.js';
import { declareQueue, type QueueType } from './queue-type.js';

/** Header with the time (ms) a Baton publisher sent a job; processors date Started after it. */
export const PUBLISHED_AT_HEADER = 'x-baton-published-at';

/** The delays a message can wait; a wanted delay is rounded down to one of these (jitter makes up the rest). */
export const DELAY_LADDER_MS = [
  250, 500, 1_000, 2_000, 3_000, 5_000, 8_000, 10_000, 15_000, 20_000, 30_000, 45_000, 60_000, 120_000, 300_000, 600_000,
  1_800_000, 3_600_000,
] as const;

/** The longest ladder step not above `ms` (the shortest step for anything below it). */
export function delayStep(ms: number): number {
  let chosen: number = DELAY_LADDER_MS[0];
  for (const step of DELAY_LADDER_MS) if (step <= ms) chosen = step;
  return chosen;
}

/** Declares the jobs and dead-letter queues; a queue-type mismatch with existing queues is a ConfigError. */
export async function assertTopology(channel: Channel, names: Names, queueType: QueueType): Promise<void> {
  await declareQueue(channel, names.jobsQueue, queueType, { role: 'jobs' });
  await declareQueue(channel, names.deadQueue, queueType, { role: 'dead-letter' });
}

export function assertDelayQueue(channel: Channel, names: Names, delayMs: number, queueType: QueueType): Promise<string> {
  return declareQueue(channel, names.delayQueue(delayMs), queueType, { role: 'delay', messageTtlMs: delayMs, returnTo: names.jobsQueue });
}
