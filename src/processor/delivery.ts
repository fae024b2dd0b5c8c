/**
 * @module One message as the processor sees it, with the only ways to settle it. Settling twice, or on
 * a channel that has closed, is a channel error in AMQP; here the second call is ignored and a closed
 * channel means the broker has already put the message back.
 */
import type { Channel, ConfirmChannel, ConsumeMessage, Options } from 'amqplib';
import { publishConfirmed, type PublishTarget } from '../broker/confirm-publish.js';
import { withTraceHeaders } from '../core/tracing.js';
import { GENERATION_HEADER, HOPS_HEADER, PUBLISHED_AT_HEADER } from '../broker/topology.js';
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
  /** The job's requeue generation the message belongs to (src/storage/job-control.ts); absent: 0. */
  generation: GENERATION_HEADER,
  /** When the publisher sent the message (ms since the epoch); its Queued event carries the same time. */
  publishedAt: PUBLISHED_AT_HEADER,
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
  #settled = false;

  constructor(message: ConsumeMessage, channel: Channel, confirm: ConfirmChannel, queue: string, channelOpen: () => boolean = () => true) {
    this.queue = queue;
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

  #count(header: string): number {
    const count = Number(this.headers[header] ?? 0);
    return Number.isFinite(count) && count >= 0 ? count : 0;
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
   */
  async sendOn(target: PublishTarget, headers: MessageHeaders): Promise<void> {
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
      headers: withTraceHeaders({ ...withoutDeathHeaders(this.headers), ...headers, [HEADER.hops]: this.hops + 1 }),
    };
    await publishConfirmed(this.#confirm, target, this.body, stripUndefined(options));
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

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
