/**
 * @module The ways a delivery ends without running its handler (deferred, rejected, held back), and the
 * small pieces every ending shares: sending a message on, releasing a lease, recording an event.
 */
import type { AuditStatus, NewAuditEvent } from '../contracts/audit-event.js';
import type { JobRequest } from '../contracts/job-request.js';
import { coerceError } from '../core/errors.js';
import { sleep } from '../core/time.js';
import { isTransient } from '../storage/azure-errors.js';
import type { Logger } from '../core/logger.js';
import { delayRoute } from '../broker/delay-infrastructure.js';
import type { PublishTarget } from '../broker/confirm-publish.js';
import { DUE_AT_HEADER } from '../broker/due-time.js';
import { HEADER, type Delivery } from './delivery.js';
import type { DeliveryDeps, DeliveryOutcome } from './handle-delivery.js';
import type { HeldLease } from './lease-manager.js';

export async function defer(delivery: Delivery, deps: DeliveryDeps, job: JobRequest): Promise<DeliveryOutcome> {
  // A crashed holder's lease runs out within one lease period; coming back every quarter of it
  // (and never later than BATON_DEFER_SECONDS) bounds the extra wait after a failover.
  const wantedMs = Math.min(deps.deferSeconds * 1000, (deps.leaseSeconds * 1000) / 4);
  const route = delayTarget(deps, wantedMs * (0.8 + Math.random() * 0.2));
  await appendQuietly(deps, deps.logger, event(job, deps, 'Deferred', 0, `lock key "${job.lockKey}" is held by another attempt; delivering again in ${formatMs(route.delayMs)}`));
  return sendOnAndAck(delivery, deps, route, {}, 'deferred');
}

/** Not due yet: back into the delay levels for the rest of the wait, the due time pinned in a header. */
export async function waitUntilDue(delivery: Delivery, deps: DeliveryDeps, dueAtMs: number, remainingMs: number): Promise<DeliveryOutcome> {
  deps.logger.debug('job not due yet; waiting', { dueAt: new Date(dueAtMs).toISOString() });
  return sendOnAndAck(delivery, deps, delayTarget(deps, remainingMs), { [DUE_AT_HEADER]: dueAtMs }, 'waiting');
}

export async function reject(delivery: Delivery, deps: DeliveryDeps, reason: string, jobId: string | undefined): Promise<DeliveryOutcome> {
  deps.logger.warn('message rejected', { reason, jobId });
  if (jobId) {
    await appendQuietly(deps, deps.logger, { jobId, status: 'Rejected', attempt: 0, processorId: deps.processorId, message: reason });
  }
  return sendOnAndAck(delivery, deps, deps.names.deadQueue, deadHeaders(deps, reason, jobId), 'rejected');
}

/** Sends a copy of an already dead-lettered job's message to the dead-letter queue (or holds it back until it can). */
export async function deadLetterAgain(delivery: Delivery, deps: DeliveryDeps, job: JobRequest, lastError: string | undefined): Promise<DeliveryOutcome> {
  const reason = `already dead-lettered${lastError ? `; last error: ${lastError}` : ''}`;
  try {
    await delivery.sendOn(deps.names.deadQueue, deadHeaders(deps, reason, job.jobId));
  } catch (error) {
    deps.logger.warn('dead-letter queue refused the message; holding it back', { jobId: job.jobId, error: coerceError(error).message });
    return holdBack(delivery, deps);
  }
  await appendQuietly(deps, deps.logger, event(job, deps, 'Duplicate', 0, `already DeadLettered; this delivery was put in ${deps.names.deadQueue}`));
  delivery.ack();
  return 'dead-lettered';
}

/** Storage is not answering: send the job round a short delay instead of failing it or spinning on it. */
export async function holdBack(delivery: Delivery, deps: DeliveryDeps): Promise<DeliveryOutcome> {
  try {
    return await sendOnAndAck(delivery, deps, delayTarget(deps, Math.min(deps.deferSeconds * 1000, 5000)), {}, 'held-back');
  } catch {
    delivery.requeue();
    return 'held-back';
  }
}

/**
 * Where to send a delivery so that it comes back to `<ns>.jobs` after `delayMs` (rounded up to the delay
 * unit): the one way the delivery path waits (retry backoff, deferral, holding back, not yet due).
 */
export function delayTarget(deps: DeliveryDeps, delayMs: number): { exchange: string; routingKey: string; delayMs: number } {
  return delayRoute(deps.names, delayMs, deps.names.jobsQueue);
}

export async function sendOnAndAck(delivery: Delivery, deps: DeliveryDeps, target: PublishTarget, headers: Record<string, unknown>, outcome: DeliveryOutcome): Promise<DeliveryOutcome> {
  try {
    await delivery.sendOn(target, headers);
    delivery.ack();
  } catch (error) {
    deps.logger.warn('could not send the message on; returning it to the queue', { target, error: coerceError(error).message });
    delivery.requeue();
  }
  return outcome;
}

export async function release(deps: DeliveryDeps, held: HeldLease, job: JobRequest, finalForJob: boolean): Promise<void> {
  deps.leases.untrack(held);
  try {
    // A job's own lock key never recurs once the job has ended for good: remove its blob in the same request.
    await deps.leaseStore.release(held.lockKey, held.leaseId, { removeBlob: finalForJob && job.lockKey === job.jobId });
  } catch (error) {
    deps.logger.warn('could not release a lease; it will expire by itself', { lockKey: held.lockKey, error: coerceError(error).message });
  }
}

/**
 * Appends an event in the background, retrying with backoff (for up to 15 minutes) through a storage
 * outage. For events dated in the past (LeaseLost) whose delivery is already settled.
 */
export function appendEventually(deps: DeliveryDeps, logger: Logger, evt: Omit<NewAuditEvent, 'timestamp'>, atMs: number): void {
  const giveUpAt = Date.now() + 15 * 60_000;
  const attempt = async (failures: number): Promise<void> => {
    try {
      await deps.audit.append(evt, atMs);
    } catch (error) {
      if (Date.now() > giveUpAt || !isTransient(error)) {
        logger.error('gave up recording an audit event', { status: evt.status, error: coerceError(error).message });
        return;
      }
      if (failures === 0) logger.warn('could not record an audit event yet; retrying', { status: evt.status, error: coerceError(error).message });
      await sleep(Math.min(30_000, 500 * 2 ** failures));
      return attempt(failures + 1);
    }
  };
  void attempt(0);
}

export async function appendQuietly(deps: DeliveryDeps, logger: Logger, evt: Omit<NewAuditEvent, 'timestamp'>, atMs?: number): Promise<void> {
  try {
    await deps.audit.append(evt, atMs);
  } catch (error) {
    logger.warn('could not record an audit event', { status: evt.status, error: coerceError(error).message });
  }
}

export function event(job: JobRequest, deps: DeliveryDeps, status: AuditStatus, attempt: number, message: string): Omit<NewAuditEvent, 'timestamp'> {
  return { jobId: job.jobId, jobName: job.jobName, status, attempt, processorId: deps.processorId, message };
}

export function deadHeaders(deps: DeliveryDeps, reason: string, jobId: string | undefined): Record<string, unknown> {
  return {
    [HEADER.reason]: reason.slice(0, 1000),
    [HEADER.deadLetteredAt]: new Date().toISOString(),
    [HEADER.processorId]: deps.processorId,
    ...(jobId ? { [HEADER.jobId]: jobId } : {}),
  };
}

export function formatMs(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1)} s`;
}
