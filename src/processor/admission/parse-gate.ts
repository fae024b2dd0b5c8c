/** @module Gate 1, "is this a job request?": the parsed job, or `Rejected` with the reason. */
import { parseJobRequest, type JobRequest } from '../../contracts/job-request.js';
import type { Delivery } from '../delivery.js';
import type { DeliveryDeps } from '../delivery-deps.js';
import { reject } from './reject.js';
import { run, type Verdict } from './verdict.js';

export function parseGate(delivery: Delivery, deps: DeliveryDeps): Verdict<JobRequest> {
  const parsed = parseJobRequest(delivery.body);
  return parsed.ok ? run(parsed.job) : reject(parsed.reason, { jobId: parsed.jobId }, deps);
}
