/**
 * @module How an operator's cancel reaches a running attempt, on whichever processor runs it.
 *
 * Fast path: the publisher broadcasts `{ jobId, actor }` on the fanout exchange `<ns>.control`; every
 * processor binds an exclusive, auto-delete queue to it (declared again on each new channel) and stops
 * its attempt of that job at once (JobCancelledError: the attempt keeps its lease until the handler
 * returns, then records Cancelled). A broadcast seen just before the attempt took its slot is remembered
 * for a while and applied when it does.
 *
 * Safety net: a processor that missed the broadcast (it was reconnecting) reads the control row of each
 * attempt it runs every `checkMs` (the lease renewal period): one point read per running job per period,
 * never on the path of a short job. A job that is not running needs neither: its next delivery reads the
 * control row with the state row before it starts (src/storage/audit-store.ts).
 */
import type { Channel } from 'amqplib';
import type { Names } from '../contracts/names.js';
import { JobCancelledError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { assertControlExchange, parseCancelMessage, type CancelBroadcast } from '../broker/control-exchange.js';
import type { Stoppable } from './attempt-slots.js';

/** How long a broadcast is remembered for an attempt that had not yet taken its slot. */
const REMEMBER_MS = 30_000;

export interface CancelWatcherOptions {
  readonly names: Names;
  readonly running: () => Stoppable[];
  readonly isCancelRequested: (jobId: string) => Promise<boolean>;
  readonly checkMs: number;
  readonly logger: Logger;
}

export class CancelWatcher {
  readonly #options: CancelWatcherOptions;
  /** jobId → when the broadcast stops being remembered. */
  readonly #recent = new Map<string, { until: number; actor: string }>();
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: CancelWatcherOptions) {
    this.#options = options;
  }

  /** Binds this processor's exclusive queue on `channel` (each new channel) and listens. */
  async listen(channel: Channel): Promise<void> {
    const { names } = this.#options;
    await assertControlExchange(channel, names);
    const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true, durable: false });
    await channel.bindQueue(queue, names.controlExchange, '');
    await channel.consume(queue, (message) => {
      const broadcast = message ? parseCancelMessage(message.content) : undefined;
      if (broadcast) this.cancel(broadcast);
    }, { noAck: true });
  }

  /** Stops the attempt of the job, if one runs here; remembers it for one that is about to. */
  cancel({ jobId, actor }: CancelBroadcast): void {
    const now = Date.now();
    for (const [id, entry] of this.#recent) if (entry.until < now) this.#recent.delete(id);
    this.#recent.set(jobId, { until: now + REMEMBER_MS, actor });
    for (const attempt of this.#options.running()) if (attempt.job?.jobId === jobId) this.#stop(attempt, actor);
  }

  /** An attempt took its slot: a broadcast of its job seen shortly before applies to it. */
  attemptHeld(attempt: Stoppable): void {
    const entry = attempt.job ? this.#recent.get(attempt.job.jobId) : undefined;
    if (entry && entry.until >= Date.now()) this.#stop(attempt, entry.actor);
  }

  start(): void {
    const tick = async () => {
      await this.#check().catch((error: unknown) => this.#options.logger.debug('cancel check failed; next period', { error: (error as Error).message }));
      if (!this.#closed) this.#timer = setTimeout(() => void tick(), this.#options.checkMs);
    };
    this.#timer = setTimeout(() => void tick(), this.#options.checkMs);
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
  }

  async #check(): Promise<void> {
    await Promise.all(this.#options.running().map(async (attempt) => {
      if (attempt.job && (await this.#options.isCancelRequested(attempt.job.jobId))) this.#stop(attempt, 'an operator');
    }));
  }

  #stop(attempt: Stoppable, actor: string): void {
    this.#options.logger.info('stopping a cancelled job', { jobId: attempt.job?.jobId, actor });
    attempt.stop(new JobCancelledError(`Cancelled by ${actor} while running; the handler returned`));
  }
}
