/** @module The job gates, in order: after parse and handler, before the lock key's lease (README, "How a job runs"). */
import type { JobGate } from './gate.js';
import { paramsGate } from './params-gate.js';

export const JOB_GATES: readonly JobGate[] = [paramsGate];
