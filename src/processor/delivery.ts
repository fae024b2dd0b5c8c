/**
 * @module One message as the processor sees it, with the only ways to settle it. Settling twice, or on
 * a channel that has closed, is a channel error in AMQP; here the second call is ignored and a closed
 * channel means the broker has already put the message back.
 */
import { performance } from 'node:perf_hooks';
import type { Channel, ConfirmChannel, ConsumeMessage, Options } from 'amqplib';
import { PublishError } from '../core/errors.js';
import { publishConfirmed, type PublishTarget } from '../broker/confirm-publish.js';
import { withTraceHeaders } from '../core/tracing.js';
import { GENERATION_HEADER, HOPS_HEADER, INDEX_SHARD_HEADER, PUBLISHED_AT_HEADER } from '../broker/topology.js';
import { indexShardOf } from '../storage/state-index.js';
import { queuedFromHeader, QUEUED_HEADER } from '../storage/queued-event.js';
import type { AuditEvent } from '../contracts/audit-event.js';
import type { JobRequest } from '../contracts/job-request.js';
import { withoutDeathHeaders } from '../broker/delay-infrastructure.js';

export type MessageHeaders = Record<string, unknown>;

/** Headers Baton sets on messages it republishes. */
export const HEADER = {
  /** How many times processors have sent this message on (delays, deferrals). */
  hops: HOPS_HEADER,
  reason: 'x-baton-reason',
  deadLetteredAt: 'x-baton-dead-lettered-at',
  processorId: 'x-baton-processor-id',
  jobId: 'x-baton-job-id',
  /** How many times storage refused (4xx, not an outage) this message's records (src/processor/settle.ts). */
  storageRefusals: 'x-baton-storage-refusals',
  /** How many processors lacking the job's handler have sent this message round (src/processor/admission/handler-gate.ts). */
  handlerMisses: 'x-baton-handler-misses',
  /**
   * On a recovery copy (src/processor/handoff.ts): the attempt number whose running it stands in for. Set
   * only by the handoff and its re-arming; never inherited by another copy (sendOn drops it).
   */
  recoveryOf: 'x-baton-recovery-of',
  /** The job's requeue generation the message belongs to (src/storage/job-control.ts); absent: 0. */
  generation: GENERATION_HEADER,
  /** When the publisher sent the message (ms since the epoch); its Queued event carries the same time. */
  publishedAt: PUBLISHED_AT_HEADER,
  /** The job's index shard, chosen by its publisher (src/storage/state-index.ts). */
  indexShard: INDEX_SHARD_HEADER,
  /** How many times this message waited behind its job's lock stripe (src/processor/admission/lock-gate.ts). */
  stripeWaits: 'x-baton-stripe-waits',
  /** The job's Queued event as its publisher wrote it to the queued register (src/storage/queued-event.ts). */
  queued: QUEUED_HEADER,
} as const;

export class Delivery {
  readonly body: Buffer;
  readonly headers: MessageHeaders;
  readonly redelivered: boolean;
  /** The queue the message was consumed from. */
  readonly queue: string;
  readonly #message: ConsumeMessage;
  readonly #channel: Channel;
  readonly #confirm: ConfirmChannel;
  readonly #channelOpen: () => boolean;
  readonly #currentConfirm: () => ConfirmChannel | undefined;
  #settled = false;
  /** performance.now() when it arrived: the broker's consumer timeout counts from about then. */
  readonly receivedAt = performance.now();

  /**
   * `currentConfirm`: the processor's confirm channel now (after a reconnect, another than `confirm`), for
   * the copies of a message whose delivery was already acknowledged (handed off).
   */
  constructor(
    message: ConsumeMessage,
    channel: Channel,
    confirm: ConfirmChannel,
    queue: string,
    channelOpen: () => boolean = () => true,
    currentConfirm: () => ConfirmChannel | undefined = () => confirm,
  ) {
    this.queue = queue;
    this.#currentConfirm = currentConfirm;
    this.#message = message;
    this.#channel = channel;
    this.#confirm = confirm;
    this.#channelOpen = channelOpen;
    this.body = message.content;
    this.headers = (message.properties.headers ?? {}) as MessageHeaders;
    this.redelivered = message.fields.redelivered;
  }

  /** Never redelivered by the broker and never sent on by a processor: the message as its producer sent it. */
  get isFirstDelivery(): boolean {
    return !this.redelivered && this.headers[HEADER.hops] === undefined;
  }

  get hops(): number {
    const hops = Number(this.headers[HEADER.hops] ?? 0);
    return Number.isFinite(hops) ? hops : 0;
  }

  get storageRefusals(): number {
    return this.#count(HEADER.storageRefusals);
  }

  /** The requeue generation this copy was published for: an older one than the job's is a Duplicate. */
  get generation(): number {
    return this.#count(HEADER.generation);
  }

  get handlerMisses(): number {
    return this.#count(HEADER.handlerMisses);
  }

  get stripeWaits(): number {
    return this.#count(HEADER.stripeWaits);
  }

  #count(header: string): number {
    const count = Number(this.headers[header] ?? 0);
    return Number.isFinite(count) && count >= 0 ? count : 0;
  }

  /** The message's id: a job's jobId when Baton published it. */
  get messageId(): string | undefined {
    return this.#message.properties.messageId as string | undefined;
  }

  /** The attempt a recovery copy stands in for; undefined on any other message. */
  get recoveryOf(): number | undefined {
    const attempt = Number(this.headers[HEADER.recoveryOf]);
    return Number.isInteger(attempt) && attempt > 0 ? attempt : undefined;
  }

  /** Where the job's rows in the job-state index live, as its publisher chose; undefined when it did not say. */
  get indexShard(): number | undefined {
    return indexShardOf(this.headers[HEADER.indexShard]);
  }

  /** The Queued event this message names for `job` (its parsed body), to copy into the job's partition; undefined when it names none. */
  queued(job: JobRequest): AuditEvent | undefined {
    return queuedFromHeader(this.headers[HEADER.queued], job);
  }

  get publishedAtMs(): number | undefined {
    const value = Number(this.headers[HEADER.publishedAt]);
    return Number.isFinite(value) && value > 0 ? value : undefined;
  }

  get settled(): boolean {
    return this.#settled;
  }

  /** The channel it came on has closed: the broker has already put the message back for another consumer. */
  get stale(): boolean {
    return !this.#channelOpen();
  }

  ack(): void {
    this.#settle(() => this.#channel.ack(this.#message));
  }

  /** Back to the queue now (shutdown, lost lease): not a retry loop, since the next delivery goes through the lease. */
  requeue(): void {
    this.#settle(() => this.#channel.nack(this.#message, false, true));
  }

  /**
   * Sends a copy of the message to `target` (a queue, or a delay level's exchange) with extra
   * headers, and waits for the broker's confirm. The caller acks the original afterwards: a crash in
   * between leaves two copies (at-least-once), never none.
   *
   * While the delivery is open the copy goes on its own session: if that session has died, the broker
   * has the original back, and a copy on a new session would make two. Once it was acknowledged (handed
   * off), the copy is the message's only future: it goes on whichever session is open now.
   */
  async sendOn(target: PublishTarget, headers: MessageHeaders): Promise<void> {
    const confirm = this.#settled ? this.#currentConfirm() : this.#confirm;
    if (!confirm) throw new PublishError('not connected to RabbitMQ');
    const { properties } = this.#message;
    const options: Options.Publish = {
      contentType: properties.contentType,
      contentEncoding: properties.contentEncoding,
      messageId: properties.messageId,
      correlationId: properties.correlationId,
      timestamp: properties.timestamp,
      appId: properties.appId,
      // The job's priority, so that it keeps its place among waiting jobs after a retry or a deferral.
      priority: properties.priority,
      type: properties.type,
      // The trace goes on from the span sending it (an attempt's, or a deferral's), whatever the copy carried.
      headers: withTraceHeaders({ ...inheritedHeaders(this.headers), ...headers, [HEADER.hops]: this.hops + 1 }),
    };
    await publishConfirmed(confirm, target, this.body, stripUndefined(options));
  }

  #settle(action: () => void): void {
    if (this.#settled) return;
    this.#settled = true;
    try {
      action();
    } catch {
      // The channel closed: the broker has already returned this message to the queue.
    }
  }
}

/** What a copy keeps of its original's headers: not the broker's dead-lettering history, nor a recovery mark. */
function inheritedHeaders(headers: MessageHeaders): MessageHeaders {
  const { [HEADER.recoveryOf]: _recovery, ...kept } = withoutDeathHeaders(headers);
  return kept;
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
