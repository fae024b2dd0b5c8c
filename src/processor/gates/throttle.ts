/**
 * @module A throttled job's way out: parked in a delay queue until its tenant's expected capacity time,
 * acknowledged here, and recorded `Throttled` once per waiting stretch: the parked copy carries the hop
 * count it was parked at, so a copy that comes straight back from parking and is parked again writes
 * nothing, while one that went anywhere else in between (a retry) starts a new stretch. No attempt is
 * counted: the job never started.
 */
import type { JobRequest } from '../../contracts/job-request.js';
import { delayStep } from '../../broker/topology.js';
import { appendQuietly, event, formatMs, sendOnAndAck } from '../delivery-outcomes.js';
import type { Delivery } from '../delivery.js';
import type { DeliveryDeps, DeliveryOutcome } from '../handle-delivery.js';

/** The hop count a parked copy was sent with: equal to the delivery's hops while the stretch goes on. */
export const THROTTLED_HOP_HEADER = 'x-baton-throttled-hop';

export async function throttle(delivery: Delivery, deps: DeliveryDeps, job: JobRequest, dueAtMs: number, reason: string): Promise<DeliveryOutcome> {
  const delayMs = delayStep(Math.max(0, dueAtMs - Date.now()));
  if (Number(delivery.headers[THROTTLED_HOP_HEADER]) !== delivery.hops || delivery.hops === 0) {
    await appendQuietly(deps, deps.logger, event(job, deps, 'Throttled', 0, `tenant "${job.tenantId ?? ''}": ${reason}; waiting about ${formatMs(delayMs)} (no attempt counted)`));
  }
  return sendOnAndAck(delivery, deps, await deps.ensureDelayQueue(delayMs), { [THROTTLED_HOP_HEADER]: delivery.hops + 1 }, 'throttled');
}
