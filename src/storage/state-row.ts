/**
 * @module A job's `state` row: its summary, its fencing token (the ETag), and the identity of the attempt
 * that wrote it last. `attemptId` (unique per attempt) and `writeSeq` (that attempt's writes, counted) let an
 * attempt tell its own write from another's when an answer was lost: a 409 or 412 is read back, and the
 * row says whether our write landed. Every string is fitted to the table's limits here (table-limits.ts).
 */
import { randomUUID } from 'node:crypto';
import type { TableClient, TableEntity } from '@azure/data-tables';
import type { AuditEvent, AuditStatus, NewAuditEvent } from '../contracts/audit-event.js';
import { isNotFound } from './azure-errors.js';
import { eventToProperties } from './event-entity.js';
import { eventIdAt, newEventId } from './event-keys.js';
import { fitEntity, fitString, MAX_MESSAGE_CHARS } from './table-limits.js';

export const STATE_ROW = 'state';

/** The state row's fields (besides the keys). */
export interface JobState {
  status: AuditStatus;
  attempts: number;
  failures: number;
  processorId: string;
  jobName: string;
  type: string;
  lockKey: string;
  lastError?: string;
  firstStartedAt: string;
  lastStartedAt: string;
  completedAt?: string;
  updatedAt: string;
  /** How many times an operator requeued the job (job-control.ts); absent: never. */
  generation?: number;
  /** The attempt that wrote the row last (absent on rows of the first edition). */
  attemptId?: string;
  /** The number of that attempt's write that wrote the row (a fresh number per submission, 1 for Started). */
  writeSeq?: number;
  /** Where the job's rows in the job-state index live (state-index.ts); absent: its statuses' own partitions. */
  indexShard?: number;
}

export type StateUpdate = Partial<Omit<JobState, 'updatedAt' | 'attemptId' | 'writeSeq'>>;

export function newAttemptId(): string {
  return randomUUID();
}

export async function readState(table: TableClient, jobId: string): Promise<{ state: JobState; etag: string } | undefined> {
  try {
    const entity = await table.getEntity<JobState>(jobId, STATE_ROW);
    const { partitionKey: _pk, rowKey: _rk, etag, timestamp: _ts, ...state } = entity as TableEntity<JobState> & {
      etag: string;
      timestamp?: string;
    };
    return { state: state as JobState, etag };
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** The state row's entity for a write: every string fitted to the table's limits, `lastError` to a message's. */
export function stateEntity(jobId: string, fields: Partial<JobState>): TableEntity<Partial<JobState>> {
  const lastError = fields.lastError === undefined ? {} : { lastError: fitString(fields.lastError, MAX_MESSAGE_CHARS) };
  return fitEntity({ partitionKey: jobId, rowKey: STATE_ROW, ...fields, ...lastError });
}

export function stamp(event: Omit<NewAuditEvent, 'timestamp'>): AuditEvent {
  const { eventId, ms } = newEventId();
  return { ...event, eventId, timestamp: new Date(ms).toISOString() };
}

/** An event dated `atMs` in the past, with an id that is the same for the same event every time (see eventIdAt). */
export function stampAt(event: Omit<NewAuditEvent, 'timestamp'>, atMs: number): AuditEvent {
  const identity = `${event.jobId}|${event.status}|${event.attempt}|${event.processorId}`;
  return { ...event, eventId: eventIdAt(atMs, identity), timestamp: new Date(atMs).toISOString() };
}

export function eventEntity(event: AuditEvent) {
  return { partitionKey: event.jobId, rowKey: event.eventId, ...eventToProperties(event) };
}

export function requireEtag(etag: string | undefined): string {
  if (!etag) throw new Error('storage returned no ETag for the job state row');
  return etag;
}
