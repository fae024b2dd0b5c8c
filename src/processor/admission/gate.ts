/**
 * @module Admission: the questions a delivery must pass before an attempt starts, in the order the
 * README's "How a job runs" tells them.
 *
 * handle-delivery composes the gates; each gate is one module with one question and a typed answer
 * (src/processor/admission/verdict.ts). Gates that need only the parsed job and its handler have the
 * uniform `JobGate` shape and are listed in `JOB_GATES` (./job-gates.ts): a new question (cancelled? due? tenant over
 * its limit? partition?) is a new module in that list, not a new branch in handle-delivery.
 */
import type { JobRequest } from '../../contracts/job-request.js';
import type { Delivery } from '../delivery.js';
import type { DeliveryDeps } from '../delivery-deps.js';
import type { HandlerDefinition } from '../handlers/registry.js';
import type { HeldLease } from '../lease-manager.js';
import type { Verdict } from './verdict.js';

/** A delivery whose message parsed as a job this processor has a handler for. */
export interface Candidate {
  readonly delivery: Delivery;
  readonly job: JobRequest;
  readonly handler: HandlerDefinition;
  /**
   * Told the lock key's lease once it is taken: what a gate reserved that must end the attempt's right
   * to run when it is lost (a tenant slot) binds itself to the lease here.
   */
  readonly onLease: Array<(lease: HeldLease) => void>;
}

/**
 * A gate over a candidate. `run` may carry a releaser, run (last in, first out) when the attempt ends
 * or the delivery stops at a later gate: what a gate reserves (a tenant's slot, say), it gives back there.
 */
export type JobGate = (candidate: Candidate, deps: DeliveryDeps) => Verdict<Releaser | void> | Promise<Verdict<Releaser | void>>;

export type Releaser = () => void | Promise<void>;
