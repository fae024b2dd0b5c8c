/** @module The audit events and dead-letter headers the delivery path writes, built in one place. */
import type { AuditStatus } from '../contracts/audit-event.js';
import { coerceError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { redact } from '../core/redact.js';
import { sleep } from '../core/time.js';
import type { AuditStore } from '../storage/audit-store.js';
import { isTransient } from '../storage/azure-errors.js';
import { fitBytes, MAX_DETAIL_BYTES } from '../storage/table-limits.js';
import type { PendingEvent } from './admission/verdict.js';
import { HEADER, type MessageHeaders } from './delivery.js';

export function jobEvent(job: { readonly jobId: string; readonly jobName?: string | undefined }, processorId: string, status: AuditStatus, attempt: number, message: string): PendingEvent {
  return { jobId: job.jobId, ...(job.jobName ? { jobName: job.jobName } : {}), status, attempt, processorId, message };
}

export function deadHeaders(processorId: string, reason: string, jobId: string | undefined): MessageHeaders {
  return {
    [HEADER.reason]: reason.slice(0, 1000),
    [HEADER.deadLetteredAt]: new Date().toISOString(),
    [HEADER.processorId]: processorId,
    ...(jobId ? { [HEADER.jobId]: jobId } : {}),
  };
}

/** An error's stack and its causes', redacted and bounded to 4 KB: the `detail` of a Failed event. */
export function errorDetail(error: Error): string {
  const parts = [error.stack ?? `${error.name}: ${error.message}`];
  let cause: unknown = error.cause;
  for (let depth = 0; cause !== undefined && depth < 3; depth++) {
    parts.push(`Caused by: ${cause instanceof Error ? (cause.stack ?? cause.message) : String(cause)}`);
    cause = cause instanceof Error ? cause.cause : undefined;
  }
  return fitBytes(redact(parts.join('\n')), MAX_DETAIL_BYTES);
}

export function formatMs(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1)} s`;
}

/**
 * Appends an event in the background, retrying with backoff (for up to 15 minutes) through a storage
 * outage. Only for events dated in the past (LeaseLost) whose delivery is already back in the queue.
 */
export function appendEventually(audit: AuditStore, logger: Logger, evt: PendingEvent, atMs: number): void {
  const giveUpAt = Date.now() + 15 * 60_000;
  const attempt = async (failures: number): Promise<void> => {
    try {
      // A try that got no answer may have been applied: look before writing the event a second time.
      if (failures > 0 && (await alreadyRecorded(audit, evt))) return;
      await audit.append(evt, atMs);
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

async function alreadyRecorded(audit: AuditStore, evt: PendingEvent): Promise<boolean> {
  const history = await audit.history(evt.jobId);
  return history.some((e) => e.status === evt.status && e.attempt === evt.attempt && e.processorId === evt.processorId && e.message === evt.message);
}
