/** @module The job gates, in order: after parse and handler, before the lock key's lease (README, "How a job runs"). */
import type { JobGate } from './gate.js';
import { dueGate } from './due-gate.js';
import { paramsGate } from './params-gate.js';
import { partitionGate } from './partition-gate.js';
import { recoveryGate } from './recovery-gate.js';
import { tenantGate } from './tenant-gate.js';

/**
 * Partition before tenant: a job in the wrong queue is moved without spending its tenant's capacity; due before both.
 * Recovery first: a recovery copy whose attempt is alive or over stops there, unrecorded, before any gate that records.
 */
export const JOB_GATES: readonly JobGate[] = [recoveryGate, paramsGate, dueGate, partitionGate, tenantGate];
