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
}
