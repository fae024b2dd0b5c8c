/** @module The mapping between audit events and table entities, shared by the job partitions and the index. */
import type { AuditEvent, AuditStatus } from '../contracts/audit-event.js';
import { redact } from '../core/redact.js';
import { fitBytes, fitEntity, fitString, MAX_MESSAGE_CHARS } from './table-limits.js';

/** An event's properties, every string fitted to the table's limits (message and detail to their own). */
export function eventToProperties(event: AuditEvent): Record<string, string | number> {
  return fitEntity({
    jobId: event.jobId,
    eventId: event.eventId,
    status: event.status,
    message: fitString(event.message, MAX_MESSAGE_CHARS),
    // "Timestamp" is the service's own property; ours is `at`.
    at: event.timestamp,
    processorId: event.processorId,
    attempt: event.attempt,
    ...(event.step !== undefined ? { step: event.step } : {}),
    ...(event.totalSteps !== undefined ? { totalSteps: event.totalSteps } : {}),
    ...(event.jobName !== undefined ? { jobName: event.jobName } : {}),
    ...(event.tenantId !== undefined ? { tenantId: event.tenantId } : {}),
    // A stack may quote a connection string: redacted here too, whatever the caller did.
    ...(event.detail !== undefined ? { detail: fitBytes(redact(event.detail)) } : {}),
    ...(event.dueAt !== undefined ? { dueAt: event.dueAt } : {}),
    ...(event.description !== undefined ? { description: event.description } : {}),
    ...(event.parameters !== undefined ? { parameters: event.parameters } : {}),
  });
}

export function eventFromEntity(entity: Record<string, unknown>): AuditEvent {
  const text = (key: string) => (typeof entity[key] === 'string' ? (entity[key] as string) : '');
  const num = (key: string) => (typeof entity[key] === 'number' ? (entity[key] as number) : undefined);
  return {
    jobId: text('jobId'),
    eventId: text('eventId'),
    status: text('status') as AuditStatus,
    message: text('message'),
    timestamp: text('at'),
    processorId: text('processorId'),
    attempt: num('attempt') ?? 0,
    ...(num('step') !== undefined ? { step: num('step') } : {}),
    ...(num('totalSteps') !== undefined ? { totalSteps: num('totalSteps') } : {}),
    ...(typeof entity.jobName === 'string' ? { jobName: entity.jobName } : {}),
    ...(typeof entity.tenantId === 'string' ? { tenantId: entity.tenantId } : {}),
    ...(typeof entity.detail === 'string' ? { detail: entity.detail } : {}),
    ...(typeof entity.dueAt === 'string' ? { dueAt: entity.dueAt } : {}),
    ...(typeof entity.description === 'string' ? { description: entity.description } : {}),
    ...(typeof entity.parameters === 'string' ? { parameters: entity.parameters } : {}),
  };
}
