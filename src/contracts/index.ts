/**
 * @module Baton's shared vocabulary. Terms used throughout:
 *
 * - job: a request to do work, identified by `jobId`; completes at most once, ever.
 * - delivery: one arrival of a job's message at a processor (a job may be delivered many times).
 * - attempt: one run of a job's handler under a lease; begins with `Started`, ends with one of
 *   `Completed`, `Failed`, `Interrupted` (shutdown), `Cancelled` (an operator), `LeaseLost`. Numbered from 1 per job.
 * - lock key: jobs sharing one never run at the same time; defaults to the jobId.
 * - lease: the Azure blob lease on the lock key's blob that grants the right to run.
 * - event: one row of a job's audit trail.
 */
export * from './names.js';
export * from './job-request.js';
export * from './audit-event.js';
export * from './api.js';
