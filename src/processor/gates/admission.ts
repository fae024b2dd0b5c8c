/**
 * @module Admission: the questions asked of a job before it may take its lock lease, in the order the
 * README's "How a job runs" tells them — is it in its partition's queue (else move it there, unrun),
 * and is its tenant under its limits (else park it, Throttled). Each gate answers with a value; this
 * module turns the answers into the delivery's settlement. A failing gate (storage down) holds the job back.
 */
import type { JobRequest } from '../../contracts/job-request.js';
import { coerceError } from '../../core/errors.js';
import { holdBack, sendOnAndAck } from '../delivery-outcomes.js';
import type { Delivery } from '../delivery.js';
import type { DeliveryDeps, DeliveryOutcome } from '../handle-delivery.js';
import type { PartitionGate } from './partition-gate.js';
import type { TenantGate, TenantPermit } from './tenant-gate.js';
import { throttle } from './throttle.js';

export interface AdmissionGates {
  readonly partition: PartitionGate;
  readonly tenant: TenantGate;
}

export type Admission =
  | { readonly kind: 'run'; readonly permit: TenantPermit | undefined }
  | { readonly kind: 'settled'; readonly outcome: DeliveryOutcome };

export async function admit(delivery: Delivery, deps: DeliveryDeps, job: JobRequest): Promise<Admission> {
  try {
    const route = await deps.gates.partition.route(delivery, job);
    if (route.kind === 'move') {
      deps.logger.info('job moved to its partition queue, unrun', { jobId: job.jobId, queue: route.queue });
      return settled(await sendOnAndAck(delivery, deps, route.queue, {}, 'moved'));
    }
    const tenant = await deps.gates.tenant.admit(job);
    if (tenant.kind === 'throttled') return settled(await throttle(delivery, deps, job, tenant.dueAtMs, tenant.reason));
    return { kind: 'run', permit: tenant.permit };
  } catch (error) {
    deps.logger.warn('could not decide whether the job may start; holding it back', { jobId: job.jobId, error: coerceError(error).message });
    return settled(await holdBack(delivery, deps));
  }
}

function settled(outcome: DeliveryOutcome): Admission {
  return { kind: 'settled', outcome };
}
