/** @module REST shapes shared by the dashboard and its clients. */
import type { AuditStatus } from './audit-event.js';

export interface ErrorBody {
  readonly error: string;
  readonly code?: string;
}

/** A job's current state as recorded by the processor that last owned it. */
export interface JobSummary {
  readonly jobId: string;
  readonly jobName?: string;
  readonly status: AuditStatus;
  readonly attempts: number;
  readonly failures: number;
  readonly processorId?: string;
  readonly lastError?: string;
  readonly lockKey?: string;
  readonly type?: string;
  readonly firstStartedAt?: string;
  readonly lastStartedAt?: string;
  readonly completedAt?: string;
  readonly updatedAt: string;
}
