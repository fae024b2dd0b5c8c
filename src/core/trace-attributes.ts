/** @module Span attributes for a job message: OpenTelemetry's messaging semantic conventions, and Baton's job fields. */
import type { JobRequest } from '../contracts/job-request.js';
import type { Attributes } from './tracing.js';

/** https://opentelemetry.io/docs/specs/semconv/messaging/rabbitmq/ (default exchange: routing key = queue). */
export function messagingAttributes(queue: string, job?: Pick<JobRequest, 'jobId'>): Attributes {
  return {
    'messaging.system': 'rabbitmq',
    'messaging.destination.name': queue,
    'messaging.rabbitmq.destination.routing_key': queue,
    'messaging.message.id': job?.jobId,
  };
}

export function jobAttributes(job: JobRequest, attempt?: number): Attributes {
  return {
    'baton.job.id': job.jobId,
    'baton.job.type': job.type,
    'baton.job.lock_key': job.lockKey,
    'baton.job.attempt': attempt,
    'baton.tenant.id': (job as { tenantId?: string }).tenantId,
  };
}
