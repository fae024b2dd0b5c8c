/** @module The mapping between audit events and table entities, shared by the job partitions and the index. */
import type { AuditEvent, AuditStatus } from '../contracts/audit-event.js';

/** Table strings hold 64 KiB; messages are for people, so a few thousand characters is plenty. */
const MAX_MESSAGE_CHARS = 4000;

export function eventToProperties(event: AuditEvent): Record<string, string | number> {
  return {
    jobId: event.jobId,
    eventId: event.eventId,
    status: event.status,
    message: event.message.length > MAX_MESSAGE_CHARS ? `${event.message.slice(0, MAX_MESSAGE_CHARS)}…` : event.message,
    // "Timestamp" is the service's own property; ours is `at`.
    at: event.timestamp,
    processorId: event.processorId,
    attempt: event.attempt,
    ...(event.step !== undefined ? { step: event.step } : {}),
    ...(event.totalSteps !== undefined ? { totalSteps: event.totalSteps } : {}),
    ...(event.jobName !== undefined ? { jobName: event.jobName } : {}),
    ...(event.dueAt !== undefined ? { dueAt: event.dueAt } : {}),
  };
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
    ...(typeof entity.dueAt === 'string' ? { dueAt: entity.dueAt } : {}),
  };
}
