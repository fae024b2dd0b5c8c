/** @module Job gate "are the job's processingParameters valid for its handler?": run, or `Rejected` naming the fields. */
import type { DeliveryDeps } from '../delivery-deps.js';
import type { Candidate } from './gate.js';
import { reject } from './reject.js';
import { run, type Verdict } from './verdict.js';

export function paramsGate({ job, handler }: Candidate, deps: DeliveryDeps): Verdict {
  const params = handler.params?.safeParse(job.processingParameters ?? {});
  if (!params || params.success) return run(undefined);
  const issues = params.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
  return reject(`processingParameters invalid for type "${job.type}": ${issues}`, job, deps);
}
