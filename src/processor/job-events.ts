/** @module The audit events and dead-letter headers the delivery path writes, built in one place. */
import { tenantOf, type AuditStatus } from '../contracts/audit-event.js';
import { coerceError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { redact } from '../core/redact.js';
import { sleep } from '../core/time.js';
import { isTransient } from '../storage/azure-errors.js';
import { fitBytes, MAX_DETAIL_BYTES } from '../storage/table-limits.js';
import type { PendingEvent } from './admission/verdict.js';
import { HEADER, type MessageHeaders } from './delivery.js';

export function jobEvent(job: { readonly jobId: string; readonly jobName?: string | undefined; readonly tenantId?: string | undefined }, processorId: string, status: AuditStatus, attempt: number, message: string): PendingEvent {
  return { jobId: job.jobId, ...(job.jobName ? { jobName: job.jobName } : {}), ...tenantOf(job), status, attempt, processorId, message };
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
 * Retries `write` in the background with backoff (for up to 15 minutes) through a storage outage. For an
 * attempt's LeaseLost, dated in the past, whose delivery is already back in the queue: `write` must be
 * idempotent (AttemptLog.recordLoss writes its one event with one id, whatever the number of calls).
 */
export function writeEventually(logger: Logger, status: AuditStatus, write: () => Promise<unknown>): void {
  const giveUpAt = Date.now() + 15 * 60_000;
  const attempt = async (failures: number): Promise<void> => {
    try {
      await write();
    } catch (error) {
      if (Date.now() > giveUpAt || !isTransient(error)) {
        logger.error('gave up recording an audit event', { status, error: coerceError(error).message });
        return;
      }
      if (failures === 0) logger.warn('could not record an audit event yet; retrying', { status, error: coerceError(error).message });
      await sleep(Math.min(30_000, 500 * 2 ** failures));
      return attempt(failures + 1);
    }
  };
  void attempt(0);
}
