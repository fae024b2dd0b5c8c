/** @module What the delivery path needs from its processor: every collaborator passed in, none imported. */
import type { Names } from '../contracts/names.js';
import type { Logger } from '../core/logger.js';
import type { AuditStore } from '../storage/audit-store.js';
import type { LeaseStore } from '../storage/blob-lease-store.js';
import type { AttemptSlots } from './attempt-slots.js';
import type { Delays } from './delays.js';
import type { HandlerRegistry } from './handlers/registry.js';
import type { LeaseManager } from './lease-manager.js';
import type { RetrySettings } from './retry-policy.js';

export interface DeliveryDeps {
  readonly names: Names;
  readonly processorId: string;
  readonly leaseSeconds: number;
  readonly deferSeconds: number;
  readonly retry: RetrySettings;
  readonly leaseStore: LeaseStore;
  readonly leases: LeaseManager;
  readonly audit: AuditStore;
  readonly registry: HandlerRegistry;
  readonly logger: Logger;
  /** The processor's running attempts: BATON_CONCURRENCY slots, whatever the channels do. */
  readonly slots: AttemptSlots;
  /** How a message is sent round a delay (deferrals, retries, holding back). */
  readonly delays: Delays;
  /** BATON_JOB_TIMEOUT_SECONDS: the time limit of attempts whose job and handler set none. */
  readonly jobTimeoutSeconds?: number;
  /**
   * A handler ran past its timeout and ignored its signal for TIMEOUT_GRACE_MS: it may still be
   * running, so its lease is kept and the processor must exit (README, "Timeouts").
   */
  readonly onStuckHandler?: (jobId: string) => void;
}
