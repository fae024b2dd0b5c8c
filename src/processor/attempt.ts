/**
 * @module An attempt: one run of a job's handler under its lease, from `Started` to its single end.
 *
 * MUST: the attempt owns its lease (HeldLease), its audit log (AttemptLog), its AbortSignal and its
 * deadline; it ends exactly once — Completed, Failed | TimedOut → Retrying | DeadLettered, Interrupted, or
 * LeaseLost — and nothing it does reaches the audit trail after that end: `ctx.step` is ignored, the
 * log's guard refuses writes once the lease is released or past its deadline, and the state row's ETag
 * fences out anything a paused processor might still send. The end is recorded before the lease is
 * released, and before the message moves (handle-delivery), so a crash anywhere leaves a message to
 * redeliver, never a job without a record. A message sent on (a retry, a requeue) moves after the release,
 * so that its next delivery does not meet the lease; one only acknowledged does not wait for the release.
 *
 * Ways to end an attempt from outside: `stop(reason)` with an AttemptInterruptedError (shutdown), a
 * LeaseLostError, or a JobCancelledError (an operator's cancel: Cancelled, final); past `timeoutSeconds`
 * with an AttemptTimedOutError (TimedOut, a failure). A new way is a new error class and a case in `#endingFor`.
 */
import { performance } from 'node:perf_hooks';
import type { JobRequest } from '../contracts/job-request.js';
import { AttemptInterruptedError, AttemptTimedOutError, FencedError, JobCancelledError, LeaseLostError, UnrecoverableJobError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { redact } from '../core/redact.js';
import { sleep, withTimeout } from '../core/time.js';
import { inSpan } from '../core/tracing.js';
import type { AttemptLog, StateUpdate } from '../storage/audit-store.js';
import { isTransient } from '../storage/azure-errors.js';
import type { DeliveryOutcome, Move, PendingEvent } from './admission/verdict.js';
import type { Stoppable } from './attempt-slots.js';
import type { DeliveryDeps } from './delivery-deps.js';
import type { HandlerDefinition, JobContext } from './handlers/registry.js';
import { deadHeaders, writeEventually, errorDetail, formatMs, jobEvent } from './job-events.js';
import type { HeldLease } from './lease-manager.js';
import { decideRetry } from './retry-policy.js';
import { runHandler, type HandlerResult } from './run-handler.js';

/** How long Step events may wait to share a write with the next ones. */
const STEP_LINGER_MS = 100;
/** How long a timed-out handler has to return after its signal aborted, before it counts as stuck. */
export const TIMEOUT_GRACE_MS = 10_000;

export interface AttemptParts {
  readonly job: JobRequest;
  readonly handler: HandlerDefinition;
  /** The lock key's lease (or, for a job whose lock key is its jobId, its lock stripe's), then its lock stripe's: a job is always exclusive with itself. */
  readonly leases: readonly HeldLease[];
  readonly log: AttemptLog;
}

/** What became of the attempt, and what its delivery's message must do next. */
export interface AttemptEnd {
  readonly outcome: DeliveryOutcome;
  readonly move: Move;
}

/** An end that is recorded: its events and state row update, written in one fenced transaction. */
interface RecordedEnding {
  readonly kind: 'recorded';
  readonly outcome: DeliveryOutcome;
  readonly events: PendingEvent[];
  readonly update: StateUpdate;
  readonly move: Move;
}

type Ending = RecordedEnding | { readonly kind: 'lease-lost'; readonly reason: Error };

export class Attempt implements Stoppable {
  readonly job: JobRequest;
  readonly number: number;
  readonly #parts: AttemptParts;
  readonly #deps: DeliveryDeps;
  readonly #logger: Logger;
  readonly #controller = new AbortController();
  #ended = false;
  /** The handler ignored its timeout and may still run: keep the lease until the process exits. */
  #stuck = false;

  constructor(parts: AttemptParts, deps: DeliveryDeps) {
    this.#parts = parts;
    this.#deps = deps;
    this.job = parts.job;
    this.number = parts.log.attempt;
    this.#logger = deps.logger.child({ jobId: parts.job.jobId, attempt: this.number });
    // Listening on the attempt's own lease signal (removed at the end), never composing with a
    // processor-lifetime signal: AbortSignal.any keeps memory per call (nodejs/node#55351).
    for (const lease of parts.leases) lease.signal.addEventListener('abort', this.#onLeaseLost, { once: true });
    // Nothing the attempt does after its lease's deadline (or release) may reach the audit trail.
    parts.log.guard = () => this.assertLease();
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Throws LeaseLostError unless the lease is certainly ours at this moment (monotonic clock). */
  assertLease(): void {
    for (const lease of this.#parts.leases) {
      if (!lease.isValid()) throw lease.lost ?? new LeaseLostError(lease.released ? 'the attempt has ended' : 'lease deadline passed', lease.validUntil());
    }
  }

  /** Milliseconds until the attempt's right to run is no longer certain (monotonic clock). */
  remainingMs(): number {
    return Math.min(...this.#parts.leases.map((lease) => lease.remainingMs()));
  }

  /** Wall-clock time of the attempt's last certainly valid instant, as this processor knows it. */
  validUntil(): Date {
    return new Date(Math.min(...this.#parts.leases.map((lease) => lease.validUntil().getTime())));
  }

  /** Stops the attempt: its signal aborts with `reason`, and the handler is abandoned if it does not listen. */
  stop(reason: Error): void {
    if (!this.#controller.signal.aborted) this.#controller.abort(reason);
  }

  async run(): Promise<AttemptEnd> {
    const { job, handler, log } = this.#parts;
    this.#logger.info('attempt started', { lockKey: job.lockKey });
    const maxAttempts = job.maxAttempts ?? this.#deps.retry.maxAttempts;
    const timeoutSeconds = job.timeoutSeconds ?? handler.timeoutSeconds ?? this.#deps.jobTimeoutSeconds;
    const timer = timeoutSeconds === undefined ? undefined : setTimeout(() => this.stop(new AttemptTimedOutError(timeoutSeconds)), timeoutSeconds * 1000);
    let ran: Promise<unknown> | undefined;
    let result: HandlerResult;
    try {
      result =
        log.failuresBefore >= maxAttempts
          ? { kind: 'failed', error: new UnrecoverableJobError(`not run: ${log.failuresBefore} earlier attempts failed or ended without a record (maxAttempts ${maxAttempts})`) }
          : await runHandler(handler, job, this.#context(), (promise) => {
              ran = promise;
            });
    } finally {
      clearTimeout(timer);
    }
    // Timed out or cancelled: the lease stays held until the handler has really returned (or counts as stuck).
    if (result.kind === 'aborted' && (result.reason instanceof AttemptTimedOutError || result.reason instanceof JobCancelledError) && ran) await this.#awaitStoppedHandler(ran);
    return this.#end(this.#endingFor(result, maxAttempts));
  }

  /** A timed-out or cancelled handler keeps the lease while it winds down; one that ignores its signal is stuck. */
  async #awaitStoppedHandler(ran: Promise<unknown>): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const returned = await Promise.race([
      ran.then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), TIMEOUT_GRACE_MS);
      }),
    ]);
    clearTimeout(timer);
    if (!returned) this.#stuck = true;
  }

  #context(): JobContext {
    const { job, log } = this.#parts;
    const { signal } = this;
    return {
      signal,
      attempt: this.number,
      fencingToken: this.number,
      span: (name, fn, attributes) => inSpan(name, { attributes: attributes ?? {} }, () => fn()),
      processorId: this.#deps.processorId,
      assertLease: () => this.assertLease(),
      step: (step, totalSteps, message) => {
        if (this.#ended || signal.aborted) return;
        const evt = { ...this.#event('Step', message ?? `Step ${step}/${totalSteps}`), step, totalSteps };
        log.enqueue(evt, STEP_LINGER_MS, (error) => {
          // Fenced or past the deadline: stop the attempt. A transient failure keeps the events for the next write.
          if (error instanceof FencedError || error instanceof LeaseLostError) this.stop(error);
        });
      },
      log: (message, meta) => this.#logger.info(message, { ...meta, jobId: job.jobId }),
    };
  }

  #endingFor(result: HandlerResult, maxAttempts: number): Ending {
    if (result.kind === 'aborted' && result.reason instanceof AttemptTimedOutError) {
      const stuck = this.#stuck ? `; the handler ignored its signal for ${TIMEOUT_GRACE_MS / 1000} s more: processor ${this.#deps.processorId} exits` : '';
      return this.#failure(result.reason, maxAttempts, 'TimedOut', stuck);
    }
    // A handler whose ctx.assertLease() threw was stopped by its lease, before the renewal timer noticed.
    if (result.kind === 'failed' && result.error instanceof LeaseLostError) return { kind: 'lease-lost', reason: result.error };
    if (result.kind === 'aborted') {
      if (result.reason instanceof JobCancelledError) {
        const stuck = this.#stuck ? `; the handler ignored its signal for ${TIMEOUT_GRACE_MS / 1000} s: processor ${this.#deps.processorId} exits` : '';
        return this.#recorded('cancelled', [this.#event('Cancelled', `${result.reason.message}${stuck}`)], { status: 'Cancelled' }, { kind: 'ack' });
      }
      if (result.reason instanceof AttemptInterruptedError) {
        return this.#recorded('interrupted', [this.#event('Interrupted', 'processor shutting down; the job will be delivered again')], { status: 'Interrupted' }, { kind: 'requeue' });
      }
      return { kind: 'lease-lost', reason: result.reason };
    }
    if (result.kind === 'succeeded') {
      return this.#recorded('completed', [this.#event('Completed', 'Job completed')], { status: 'Completed', completedAt: new Date().toISOString() }, { kind: 'ack' });
    }
    return this.#failure(result.error, maxAttempts, 'Failed');
  }

  /** A failed or timed-out attempt: retried after a backoff, or dead-lettered when out of attempts. */
  #failure(error: Error, maxAttempts: number, status: 'Failed' | 'TimedOut', note = ''): Ending {
    const decision = decideRetry(error, this.#parts.log.failuresBefore, { ...this.#deps.retry, maxAttempts });
    // Secrets in an error message are redacted like logs; the stack goes with the event, bounded (README, "Writing a handler").
    const message = redact(error.message);
    const detail = errorDetail(error);
    this.#logger.warn(status === 'Failed' ? 'handler failed' : 'handler timed out', { error: detail, next: decision.kind });
    const failed: PendingEvent = { ...this.#event(status, `${message}${note}`), detail };
    if (decision.kind === 'retry') {
      const delayMs = this.#deps.delays.plan(decision.delayMs);
      const retrying = this.#event('Retrying', `retrying in ${formatMs(delayMs)} (failure ${decision.failures} of ${maxAttempts} allowed)`);
      return this.#recorded('retrying', [failed, retrying], { status: 'Retrying', failures: decision.failures, lastError: message }, { kind: 'wait', delayMs });
    }
    const { names, processorId } = this.#deps;
    const reason = redact(decision.reason);
    const toDeadQueue: Move = { kind: 'hand-off', queue: names.deadQueue, headers: deadHeaders(processorId, reason, this.job.jobId) };
    return this.#recorded('dead-lettered', [failed, this.#event('DeadLettered', reason)], { status: 'DeadLettered', failures: decision.failures, lastError: message }, toDeadQueue);
  }

  /** The single end: record it (fenced), give the lease up, and say what the message does next. */
  async #end(ending: Ending): Promise<AttemptEnd> {
    if (this.#ended) throw new Error(`attempt ${this.number} of ${this.job.jobId} ended twice`);
    this.#ended = true;
    for (const lease of this.#parts.leases) lease.signal.removeEventListener('abort', this.#onLeaseLost);
    if (ending.kind === 'lease-lost') return this.#loseLease(ending.reason);
    try {
      await this.#record(ending.events, ending.update);
    } catch (error) {
      if (error instanceof FencedError || error instanceof LeaseLostError) return this.#loseLease(error);
      // Not recorded, and not ours to retry for ever: the next delivery counts this attempt as ended without a record.
      this.#parts.log.discard();
      await this.#release();
      throw error;
    }
    if (this.#stuck) {
      // The handler may still be running: the lease stays held (and renewed) until this process exits,
      // so no other attempt of its lock key can start while it might.
      this.#logger.error('handler ignored its timeout or cancel; the processor exits so that its supervisor restarts it', { timeoutGraceMs: TIMEOUT_GRACE_MS });
      this.#deps.onStuckHandler?.(this.job.jobId);
    } else if (ending.move.kind === 'ack') {
      // Ended for good (Completed, Cancelled): nothing is sent on, so the ack need not wait for the release.
      for (const lease of this.#parts.leases) this.#deps.leases.releaseBehind(lease);
    } else {
      await this.#release();
    }
    this.#logger.info(`attempt ended: ${ending.outcome}`);
    return { outcome: ending.outcome, move: ending.move };
  }

  /**
   * Writes the end, retrying transient storage errors while the lease is certainly ours — and for no
   * longer than one lease period from now: an end that cannot be recorded within it gives the lease up
   * (LeaseLost) rather than keep a slot and a lock key for ever behind a storage request that never answers.
   */
  async #record(events: PendingEvent[], update: StateUpdate): Promise<void> {
    const { log } = this.#parts;
    const endBy = performance.now() + this.remainingMs();
    // The attempt's right to run ends when it gives the lease up, now: not at the lease's (later) deadline.
    const tooLate = () => new LeaseLostError('the attempt\'s end could not be recorded within its lease', new Date(Math.min(Date.now(), this.validUntil().getTime())));
    for (let failures = 0; ; failures++) {
      this.assertLease();
      const left = endBy - performance.now();
      if (left <= 0) throw tooLate();
      try {
        await withTimeout(log.write(failures === 0 ? events : [], update), left, tooLate);
        return;
      } catch (error) {
        if (error instanceof FencedError || error instanceof LeaseLostError || !isTransient(error)) throw error;
        await sleep(Math.min(2000, 200 * 2 ** failures));
      }
    }
  }

  async #loseLease(reason: Error): Promise<AttemptEnd> {
    this.#parts.log.discard();
    const endedAt = reason instanceof LeaseLostError ? reason.endedAt : new Date(Math.min(Date.now(), this.validUntil().getTime()));
    const message = `${reason instanceof FencedError ? `another attempt took the job over (${reason.message})` : reason.message}; noticed at ${new Date().toISOString()}`;
    this.#logger.warn('attempt stopped: lease lost', { reason: message });
    // Dated at the lease's end, so it may be written late: keep trying through a storage outage. Written by the
    // attempt's log, which finds an end of ours that landed after all (its answer lost) and then writes nothing.
    const { log } = this.#parts;
    writeEventually(this.#logger, 'LeaseLost', () => log.recordLoss(this.#event('LeaseLost', message), endedAt.getTime()));
    await this.#release();
    // Back to the queue: the next delivery finds the job completed (Duplicate), held (Deferred), or free.
    return { outcome: 'lease-lost', move: { kind: 'requeue' } };
  }

  async #release(): Promise<void> {
    await Promise.all(this.#parts.leases.map((lease) => this.#deps.leases.release(lease)));
  }

  #recorded(outcome: DeliveryOutcome, events: PendingEvent[], update: StateUpdate, move: Move): RecordedEnding {
    return { kind: 'recorded', outcome, events, update, move };
  }

  #event(status: PendingEvent['status'], message: string): PendingEvent {
    return jobEvent(this.job, this.#deps.processorId, status, this.number, message);
  }

  readonly #onLeaseLost = (): void => {
    this.stop(this.#parts.leases.find((lease) => lease.lost)?.lost ?? new LeaseLostError('lease lost', this.validUntil()));
  };
}
