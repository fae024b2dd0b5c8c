/** @module Gate 1, "is this a job request?": the parsed job, or `Rejected` with the reason. */
import { parseJobRequest, type JobRequest } from '../../contracts/job-request.js';
import type { Delivery } from '../delivery.js';
import type { DeliveryDeps } from '../delivery-deps.js';
import { reject } from './reject.js';
import { run, type Verdict } from './verdict.js';

export function parseGate(delivery: Delivery, deps: DeliveryDeps): Verdict<JobRequest> {
  // Fields of a newer edition are kept, not refused: a rolling upgrade must not dead-letter jobs (README, "Job request").
  const parsed = parseJobRequest(delivery.body, new Date(), { unknownFields: 'keep' });
  if (!parsed.ok) return reject(parsed.reason, parsed, deps);
  for (const field of parsed.unknownFields ?? []) {
    deps.warnOnce(`unknown-field:${field}`, `job requests carry a field this processor does not know ("${field}"); kept and ignored (an upgraded publisher?)`, { jobId: parsed.job.jobId });
  }
  return run(parsed.job);
}
