/**
 * @module A job's `Queued` event as its message carries it. The publisher writes the event into the shared
 * queued register (queued-register.ts), not into the job's own partition; the message's `x-baton-queued`
 * header names what the request does not say (the event's id, who queued it, its message), so that the
 * first processor write to the job's partition can copy the very same event there, at no extra request.
 */
import { z } from 'zod';
import { tenantOf, type AuditEvent } from '../contracts/audit-event.js';
import type { JobRequest } from '../contracts/job-request.js';

export const QUEUED_HEADER = 'x-baton-queued';

/** Room for a job's parameters on its Queued event; a larger set is cut, marked, for display only. */
const MAX_PARAMETERS_CHARS = 4000;

const headerSchema = z.object({ id: z.string().min(1).max(64), at: z.iso.datetime(), by: z.string().max(256), message: z.string().max(4096) });

/** What the job panel shows of the request itself: its description and parameters. */
export function queuedJobFields(job: JobRequest): { description?: string; parameters?: string } {
  const shown = {
    ...(job.inputFilePath !== undefined ? { inputFilePath: job.inputFilePath } : {}),
    ...(job.processingParameters !== undefined ? { processingParameters: job.processingParameters } : {}),
  };
  const text = Object.keys(shown).length > 0 ? JSON.stringify(shown) : undefined;
  return {
    ...(job.description !== undefined ? { description: job.description } : {}),
    ...(text !== undefined ? { parameters: text.length > MAX_PARAMETERS_CHARS ? `${text.slice(0, MAX_PARAMETERS_CHARS)}…` : text } : {}),
  };
}

/** The header's value for a stamped Queued event. */
export function queuedHeader(event: AuditEvent): string {
  return JSON.stringify({ id: event.eventId, at: event.timestamp, by: event.processorId, message: event.message });
}

/**
 * The Queued event a message's header describes, for `job` (its body); undefined without the header, or
 * when it is not one of ours (a message from a producer other than Baton's publisher is never trusted with it).
 */
export function queuedFromHeader(value: unknown, job: JobRequest): AuditEvent | undefined {
  if (typeof value !== 'string' && !Buffer.isBuffer(value)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString());
  } catch {
    return undefined;
  }
  const header = headerSchema.safeParse(parsed);
  if (!header.success) return undefined;
  const { id, at, by, message } = header.data;
  return { jobId: job.jobId, eventId: id, timestamp: at, jobName: job.jobName, ...tenantOf(job), status: 'Queued', attempt: 0, processorId: by, message, ...queuedJobFields(job) };
}

/** A job's Queued event with the request it keeps: what a processor copies into the job's partition. */
export interface QueuedCopy {
  readonly event: AuditEvent;
  readonly job: JobRequest;
}
