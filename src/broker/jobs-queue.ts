/**
 * @module `<ns>.jobs` as a priority queue, and the way up for deployments that declared it without.
 *
 * The queue is declared with `x-max-priority` 10; Baton sends every job with the AMQP priority
 * min(priority, 9), so priorities 0–9 are distinct and higher ones count as 9. RabbitMQ refuses to
 * declare an existing queue with other arguments (406, channel closed), so a first edition's `<ns>.jobs`
 * would turn every start-up into a crash loop: `probeJobsQueue` asks on a throwaway channel, and a
 * legacy queue is used as it is (priorities ignored, with a warning) until `upgradeJobsQueue` (the
 * `baton queues upgrade` command) re-declares it with priorities, its messages kept.
 */
import type { ChannelModel, ConfirmChannel, GetMessage } from 'amqplib';
import type { JobRequest } from '../contracts/job-request.js';
import type { Names } from '../contracts/names.js';
import { queueOptions, type QueueRole, type QueueType } from './queue-type.js';
import { publishConfirmed } from './confirm-publish.js';
import { delayBindingKey, delayDeliveryExchange } from './delay-infrastructure.js';

/** `x-max-priority` of `<ns>.jobs`. */
export const JOBS_QUEUE_MAX_PRIORITY = 10;
/** The highest priority Baton sends: 0–9 are distinct, anything above counts as 9. */
export const MAX_JOB_PRIORITY = 9;

export const LEGACY_QUEUE_WARNING =
  'the jobs queue was declared without priorities (by an earlier Baton): it is used as it is and job priorities are ignored; run `baton queues upgrade` to re-declare it with priorities, its messages kept';

/** `priority`: the queue honours priorities; `legacy`: declared by a first edition, without them. */
export type JobsQueueMode = 'priority' | 'legacy';

/** The AMQP priority a job's message carries. */
export function messagePriority(job: Pick<JobRequest, 'priority'>): number {
  return Math.min(job.priority ?? 0, MAX_JOB_PRIORITY);
}

export function jobsQueueArguments(mode: JobsQueueMode): Record<string, unknown> {
  return queueOptions('classic', jobsQueueRole(mode)).arguments ?? {};
}

/** `<ns>.jobs` (and a partition's queue) as a queue role: priorities unless a first edition declared it. */
export function jobsQueueRole(mode: JobsQueueMode): QueueRole {
  return mode === 'priority' ? { role: 'jobs', maxPriority: JOBS_QUEUE_MAX_PRIORITY } : { role: 'jobs' };
}

/**
 * Declares `<ns>.jobs` with priorities on a channel of its own; if the broker refuses because the queue
 * exists without them, answers `legacy` (the refusal closes only that channel).
 */
export async function probeJobsQueue(connection: ChannelModel, names: Names, queueType: QueueType = 'classic'): Promise<JobsQueueMode> {
  // Quorum queues have no priorities here, and no first-edition quorum queues exist: nothing to probe.
  if (queueType === 'quorum') return 'priority';
  const channel = await connection.createChannel();
  channel.on('error', () => undefined); // the 406 arrives as an error event too
  try {
    await channel.assertQueue(names.jobsQueue, { durable: true, arguments: jobsQueueArguments('priority') });
    await channel.close();
    return 'priority';
  } catch (error) {
    if (/PRECONDITION_FAILED|406/.test(String((error as Error).message))) return 'legacy';
    throw error;
  }
}

export interface UpgradeResult {
  readonly upgraded: boolean;
  readonly moved: number;
}

/**
 * Re-declares a legacy `<ns>.jobs` with priorities, keeping its messages: they move to a holding queue
 * (which also takes what the delay levels deliver meanwhile), the old queue is deleted once empty (its
 * consumers are cancelled and reconnect), the new one declared, and the messages moved back. Publishes
 * to `<ns>.jobs` in the seconds between delete and declare fail as unroutable (never silently lost).
 */
export async function upgradeJobsQueue(connection: ChannelModel, names: Names): Promise<UpgradeResult> {
  if ((await probeJobsQueue(connection, names)) === 'priority') return { upgraded: false, moved: 0 };
  const holding = `${names.jobsQueue}.upgrading`;
  const key = delayBindingKey(names.jobsQueue);
  let channel = await openChannel(connection);
  await channel.assertQueue(holding, { durable: true, arguments: jobsQueueArguments('priority') });
  await channel.bindQueue(holding, delayDeliveryExchange(names), key);
  let moved = 0;
  for (;;) {
    moved += await moveAll(channel, names.jobsQueue, holding);
    try {
      await channel.deleteQueue(names.jobsQueue, { ifEmpty: true });
      break;
    } catch {
      // A producer added a message since: the refusal closed the channel; move again.
      channel = await openChannel(connection);
    }
  }
  await channel.assertQueue(names.jobsQueue, { durable: true, arguments: jobsQueueArguments('priority') });
  await channel.bindQueue(names.jobsQueue, delayDeliveryExchange(names), key);
  await channel.unbindQueue(holding, delayDeliveryExchange(names), key);
  await moveAll(channel, holding, names.jobsQueue);
  await channel.deleteQueue(holding);
  await channel.close();
  return { upgraded: true, moved };
}

async function openChannel(connection: ChannelModel): Promise<ConfirmChannel> {
  const channel = await connection.createConfirmChannel();
  channel.on('error', () => undefined);
  return channel;
}

/** Moves every message from one queue to another, each confirmed before it is acknowledged. */
async function moveAll(channel: ConfirmChannel, from: string, to: string): Promise<number> {
  let moved = 0;
  for (let message: GetMessage | false = await channel.get(from); message; message = await channel.get(from)) {
    const { properties } = message;
    await publishConfirmed(channel, to, message.content, {
      ...Object.fromEntries(Object.entries(properties).filter(([, value]) => value !== undefined)),
      headers: properties.headers ?? {},
    });
    channel.ack(message);
    moved++;
  }
  return moved;
}
