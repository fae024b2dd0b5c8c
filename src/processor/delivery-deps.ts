/** @module What the delivery path needs from its processor: every collaborator passed in, none imported. */
import type { Names } from '../contracts/names.js';
import type { Logger } from '../core/logger.js';
import type { AuditStore } from '../storage/audit-store.js';
import type { LeaseStore } from '../storage/blob-lease-store.js';
import type { AttemptSlots } from './attempt-slots.js';
import type { Delays } from './delays.js';
import type { TenantGate } from './admission/tenant-gate.js';
import type { HandlerRegistry } from './handlers/registry.js';
import type { HeldLease, LeaseManager } from './lease-manager.js';
import type { JobRequest } from '../contracts/job-request.js';
import type { DeliveryOutcome } from './admission/verdict.js';
import type { RetrySettings } from './retry-policy.js';

export interface DeliveryDeps {
  readonly names: Names;
  readonly processorId: string;
  readonly leaseSeconds: number;
  readonly deferSeconds: number;
  /** BATON_HANDOFF_AFTER_SECONDS in ms: how long a delivery may stay unacknowledged (src/processor/handoff.ts). */
  readonly handoffAfterMs: number;
  readonly retry: RetrySettings;
  readonly leaseStore: LeaseStore;
  /** Creates the lock container again (someone deleted it). */
  readonly ensureLockContainer: () => Promise<void>;
  readonly leases: LeaseManager;
  readonly audit: AuditStore;
  readonly registry: HandlerRegistry;
  readonly logger: Logger;
  /** Logs a warning the first time `key` is seen in this processor's life, never again. */
  readonly warnOnce: (key: string, message: string, meta?: Record<string, unknown>) => void;
  /** The processor's running attempts: BATON_CONCURRENCY slots, whatever the channels do. */
  readonly slots: AttemptSlots;
  /** How a message is sent round a delay (deferrals, retries, holding back). */
  readonly delays: Delays;
  /** Tenant limits (the tenant gate). */
  readonly tenants: TenantGate;
  /** Partition queues: declares one (and registers the partition) on first use; returns its name. */
  readonly partitions: { ensureQueue(partition: string): Promise<string> };
  /**
   * Told when an attempt has started (Started recorded); the function it returns is told the attempt's
   * outcome (undefined when it threw). For the fleet view and metrics: neither may throw.
   */
  readonly onAttemptStarted?: (started: StartedAttempt) => (outcome: DeliveryOutcome | undefined) => void;
  /** BATON_JOB_TIMEOUT_SECONDS: the time limit of attempts whose job and handler set none. */
  readonly jobTimeoutSeconds?: number;
  /**
   * A handler ran past its timeout and ignored its signal for TIMEOUT_GRACE_MS: it may still be
   * running, so its lease is kept and the processor must exit (README, "Timeouts").
   */
  readonly onStuckHandler?: (jobId: string) => void;
}

export interface StartedAttempt {
  readonly job: JobRequest;
  readonly attempt: number;
  /** The attempt's leases: its lock key's, and its own job id's when the lock key differs. */
  readonly leases: readonly HeldLease[];
  /** When the publisher sent the message, if it said (the queue wait of a first attempt). */
  readonly publishedAtMs: number | undefined;
}
