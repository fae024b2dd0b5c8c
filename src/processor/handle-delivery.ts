/**
 * @module One delivery's fate: parse → handler → lease → start (or Duplicate) → run → record → settle.
 *
 * MUST: every path settles the delivery exactly once, untracks and releases any lease it took, and
 * writes the audit before it settles, so that a crash anywhere leaves the message in a queue (the
 * broker redelivers what was not acked) and never a job with no record. The lease is taken before
 * the audit's Started so two attempts of one lock key never overlap; the audit's fencing (the state
 * row's ETag) is what stops a processor that lost its lease from recording anything after that moment.
 */
import type { NewAuditEvent } from '../contracts/audit-event.js';
import { parseJobRequest, type JobRequest } from '../contracts/job-request.js';
import type { Names } from '../contracts/names.js';
import { coerceError, FencedError, JobCancelledError, LeaseLostError, UnrecoverableJobError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { delayStep } from '../broker/topology.js';
import { appendEventually, appendQuietly, deadHeaders, deadLetterAgain, defer, event, formatMs, holdBack, reject, release } from './delivery-outcomes.js';
import type { AttemptLog, AuditStore, StateUpdate } from '../storage/audit-store.js';
import type { LeaseStore } from '../storage/blob-lease-store.js';
import { isTransient } from '../storage/azure-errors.js';
import { observeTime } from '../storage/event-keys.js';
import { sleep } from '../core/time.js';
import type { Delivery } from './delivery.js';
import type { HandlerDefinition, HandlerRegistry, JobContext } from './handlers/registry.js';
import type { HeldLease, LeaseManager } from './lease-manager.js';
import { decideRetry, type RetrySettings } from './retry-policy.js';

/** How long Step events may wait to share a write with the next ones. */
const STEP_LINGER_MS = 100;

export type DeliveryOutcome =
  | 'completed'
  | 'retrying'
  | 'dead-lettered'
  | 'rejected'
  | 'deferred'
  | 'duplicate'
  | 'cancelled'
  | 'lease-lost'
  | 'held-back';

export interface DeliveryDeps {
  readonly names: Names;
  readonly processorId: string;
  readonly leaseSeconds: number;
  readonly deferSeconds: number;
  readonly retry: RetrySettings;
  readonly leaseStore: LeaseStore;
  readonly leases: LeaseManager;
  readonly audit: AuditStore;
  readonly registry: HandlerRegistry;
  readonly logger: Logger;
  /** Aborts when running attempts must be cancelled (the shutdown grace period is over). */
  readonly cancelSignal: AbortSignal;
  /** Declares a delay queue on the channel deliveries are sent on (cached by the caller). */
  readonly ensureDelayQueue: (delayMs: number) => Promise<string>;
  /** Told when this delivery's attempt has started (for the fleet view and metrics; must not throw). */
  readonly onAttemptStarted?: (job: JobRequest, attempt: number, lease: HeldLease) => void;
}

export async function handleDelivery(delivery: Delivery, deps: DeliveryDeps): Promise<DeliveryOutcome> {
  const parsed = parseJobRequest(delivery.body);
  if (!parsed.ok) return reject(delivery, deps, parsed.reason, parsed.jobId);
  const job = parsed.job;
  const handler = deps.registry.get(job.type);
  if (!handler) return reject(delivery, deps, `no handler for job type "${job.type}" (known: ${deps.registry.types().join(', ')})`, job.jobId);
  const params = handler.params?.safeParse(job.processingParameters ?? {});
  if (params && !params.success) {
    return reject(delivery, deps, `processingParameters invalid for type "${job.type}": ${params.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, job.jobId);
  }

  const logger = deps.logger.child({ jobId: job.jobId });
  let held: HeldLease | undefined;
  try {
    const lease = await deps.leaseStore.tryAcquire(job.lockKey, deps.leaseSeconds, {
      // A job's own lock key is almost always new on its first delivery: create the blob first.
      createFirst: delivery.isFirstDelivery && job.lockKey === job.jobId,
    });
    if (!lease) return await defer(delivery, deps, job);
    held = deps.leases.track(lease);
    // Started must sort after the publisher's Queued in the job's history, whatever the clocks say.
    if (delivery.publishedAtMs !== undefined) observeTime(delivery.publishedAtMs + 1);
    const start = await deps.audit.startAttempt(job, deps.processorId, { firstDelivery: delivery.isFirstDelivery });
    if (start.kind === 'finished') {
      await release(deps, held, job, true);
      held = undefined;
      // A dead-lettered job's message must end in the dead-letter queue: the copy sent there when it
      // was dead-lettered may never have been confirmed (the processor died, or the queue refused it).
      if (start.state.status === 'DeadLettered') return deadLetterAgain(delivery, deps, job, start.state.lastError);
      await appendQuietly(deps, logger, event(job, deps, 'Duplicate', 0, `already ${start.state.status}; this delivery was acknowledged unrun`));
      delivery.ack();
      return 'duplicate';
    }
    deps.onAttemptStarted?.(job, start.attempt.attempt, held);
    const outcome = await runAttempt(delivery, deps, job, handler, start.attempt, held, logger);
    held = undefined; // runAttempt released it
    return outcome;
  } catch (error) {
    // Storage (or the broker) is failing before the attempt could start: hold the job back briefly.
    logger.warn('could not start the job; holding it back', { error: coerceError(error).message });
    if (held) await release(deps, held, job, false);
    return holdBack(delivery, deps);
  }
}

async function runAttempt(
  delivery: Delivery,
  deps: DeliveryDeps,
  job: JobRequest,
  handler: HandlerDefinition,
  log: AttemptLog,
  held: HeldLease,
  baseLogger: Logger,
): Promise<DeliveryOutcome> {
  const logger = baseLogger.child({ attempt: log.attempt, processorId: deps.processorId });
  // Nothing the attempt does after its lease's deadline may reach the audit trail, written behind or not.
  log.guard = () => {
    if (!held.isValid()) throw held.lost ?? new LeaseLostError('lease deadline passed', held.validUntil());
  };
  const stop = new AbortController();
  const signal = AbortSignal.any([held.signal, deps.cancelSignal, stop.signal]);
  const ctx: JobContext = {
    signal,
    attempt: log.attempt,
    processorId: deps.processorId,
    step: (step, totalSteps, message) => {
      if (signal.aborted) return;
      log.enqueue(
        { ...event(job, deps, 'Step', log.attempt, message ?? `Step ${step}/${totalSteps}`), step, totalSteps },
        STEP_LINGER_MS,
        (error) => {
          // Fenced or past the deadline: stop the attempt. A transient failure keeps the events for the next write.
          if (error instanceof FencedError || error instanceof LeaseLostError) stop.abort(error);
        },
      );
    },
    log: (message, meta) => logger.info(message, meta),
  };
  logger.info('attempt started', { lockKey: job.lockKey });
  const maxAttempts = job.maxAttempts ?? deps.retry.maxAttempts;
  const result: HandlerResult =
    log.failuresBefore >= maxAttempts
      ? { kind: 'failed', error: new UnrecoverableJobError(`not run: ${log.failuresBefore} earlier attempts failed or ended without a record (maxAttempts ${maxAttempts})`) }
      : await runHandler(handler, job, ctx, signal);

  if (result.kind === 'aborted' && result.reason instanceof JobCancelledError) {
    return finish(delivery, deps, job, log, held, logger, 'cancelled', [event(job, deps, 'Cancelled', log.attempt, 'processor shutting down; the job will be delivered again')], { status: 'Cancelled' });
  }
  if (result.kind === 'aborted') return leaseLost(delivery, deps, job, log, held, logger, result.reason);
  if (result.kind === 'succeeded') {
    return finish(delivery, deps, job, log, held, logger, 'completed', [event(job, deps, 'Completed', log.attempt, 'Job completed')], {
      status: 'Completed',
      completedAt: new Date().toISOString(),
    });
  }
  const decision = decideRetry(result.error, log.failuresBefore, { ...deps.retry, maxAttempts });
  const failed = event(job, deps, 'Failed', log.attempt, result.error.message);
  if (decision.kind === 'retry') {
    const delayMs = delayStep(decision.delayMs);
    return finish(delivery, deps, job, log, held, logger, 'retrying',
      [failed, event(job, deps, 'Retrying', log.attempt, `retrying in ${formatMs(delayMs)} (failure ${decision.failures} of ${maxAttempts} allowed)`)],
      { status: 'Retrying', failures: decision.failures, lastError: result.error.message },
      { queue: () => deps.ensureDelayQueue(delayMs), headers: {} });
  }
  return finish(delivery, deps, job, log, held, logger, 'dead-lettered',
    [failed, event(job, deps, 'DeadLettered', log.attempt, decision.reason)],
    { status: 'DeadLettered', failures: decision.failures, lastError: result.error.message },
    { queue: deps.names.deadQueue, headers: deadHeaders(deps, decision.reason, job.jobId) });
}

type HandlerResult = { kind: 'succeeded' } | { kind: 'failed'; error: Error } | { kind: 'aborted'; reason: Error };

/** Runs the handler, but returns as soon as the signal aborts: a handler that ignores it is abandoned, not awaited. */
async function runHandler(handler: HandlerDefinition, job: JobRequest, ctx: JobContext, signal: AbortSignal): Promise<HandlerResult> {
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<HandlerResult>((resolve) => {
    onAbort = () => resolve({ kind: 'aborted', reason: coerceError(signal.reason) });
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  const ran = (async (): Promise<HandlerResult> => {
    try {
      await handler.run(job, ctx);
      return { kind: 'succeeded' };
    } catch (error) {
      return { kind: 'failed', error: coerceError(error) };
    }
  })();
  try {
    const result = await Promise.race([ran, aborted]);
    // A handler that "failed" because its signal aborted was stopped, not failed.
    if (result.kind === 'failed' && signal.aborted) return { kind: 'aborted', reason: coerceError(signal.reason) };
    return result;
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}

/** Records the attempt's end (fenced), gives the lease up, sends the message on if asked, and settles. */
async function finish(
  delivery: Delivery,
  deps: DeliveryDeps,
  job: JobRequest,
  log: AttemptLog,
  held: HeldLease,
  logger: Logger,
  outcome: DeliveryOutcome,
  events: Omit<NewAuditEvent, 'timestamp'>[],
  update: StateUpdate,
  sendOn?: { queue: string | (() => Promise<string>); headers: Record<string, unknown> },
): Promise<DeliveryOutcome> {
  try {
    await writeWhileLeased(log, held, events, update);
  } catch (error) {
    if (error instanceof FencedError || error instanceof LeaseLostError) return leaseLost(delivery, deps, job, log, held, logger, error);
    throw error;
  }
  const finalForJob = outcome === 'completed' || outcome === 'dead-lettered';
  await release(deps, held, job, finalForJob);
  logger.info(`attempt ended: ${outcome}`);
  if (outcome === 'cancelled') {
    delivery.requeue();
    return outcome;
  }
  if (sendOn) {
    try {
      await delivery.sendOn(typeof sendOn.queue === 'string' ? sendOn.queue : await sendOn.queue(), sendOn.headers);
    } catch (error) {
      // The audit already says what happens next; the job state row lets the redelivery carry on from here.
      logger.warn('could not send the message on; returning it to the queue', { error: coerceError(error).message });
      delivery.requeue();
      return outcome;
    }
  }
  delivery.ack();
  return outcome;
}

/** Writes the attempt's events, retrying transient storage errors while the lease is certainly ours. */
async function writeWhileLeased(log: AttemptLog, held: HeldLease, events: Omit<NewAuditEvent, 'timestamp'>[], update: StateUpdate): Promise<void> {
  for (let failures = 0; ; failures++) {
    if (!held.isValid()) throw held.lost ?? new LeaseLostError('lease deadline passed before the attempt could be recorded', held.validUntil());
    try {
      await log.write(failures === 0 ? events : [], update);
      return;
    } catch (error) {
      if (error instanceof FencedError || error instanceof LeaseLostError || !isTransient(error)) throw error;
      await sleep(Math.min(2000, 200 * 2 ** failures));
    }
  }
}

async function leaseLost(delivery: Delivery, deps: DeliveryDeps, job: JobRequest, log: AttemptLog, held: HeldLease, logger: Logger, reason: Error): Promise<DeliveryOutcome> {
  log.discard();
  const endedAt = reason instanceof LeaseLostError ? reason.endedAt : new Date(Math.min(Date.now(), held.validUntil().getTime()));
  const message = `${reason instanceof FencedError ? `another attempt took the job over (${reason.message})` : reason.message}; noticed at ${new Date().toISOString()}`;
  logger.warn('attempt stopped: lease lost', { reason: message });
  // Dated at the lease's end, so it may be written late: keep trying through a storage outage.
  appendEventually(deps, logger, event(job, deps, 'LeaseLost', log.attempt, message), endedAt.getTime());
  await release(deps, held, job, false);
  // Back to the queue: the next delivery finds the job completed (Duplicate), held (Deferred), or free.
  delivery.requeue();
  return 'lease-lost';
}
