/** @module Everything Baton keeps in Azure Storage for one namespace, opened and created in one place. */
import { createTableIfMissing } from './create-table.js';
import type { Names } from '../contracts/names.js';
import type { Logger } from '../core/logger.js';
import { AuditStore } from './audit-store.js';
import { BlobLeaseStore } from './blob-lease-store.js';
import { createStorageClients, type StorageClients } from './clients.js';
import { FleetStore } from './fleet-store.js';
import { QueuedRegister } from './queued-register.js';
import { RecentIndex } from './recent-index.js';
import { StateIndex } from './state-index.js';
import { JobControl } from './job-control.js';
import type { RequestCounter } from './request-counter.js';
import { TenantStore } from './tenant-store.js';

export interface BatonStorage {
  readonly clients: StorageClients;
  readonly leases: BlobLeaseStore;
  readonly audit: AuditStore;
  readonly index: RecentIndex;
  readonly tenants: TenantStore;
  /** Processors' heartbeats and per-minute roll-ups. */
  readonly fleet: FleetStore;
  readonly states: StateIndex;
  /** Operators' cancel and requeue requests (a control row per job, beside its state row). */
  readonly control: JobControl;
  /** Writes what is still queued for the indexes. */
  close(): Promise<void>;
}

export function openStorage(connectionString: string, names: Names, options: { logger?: Logger; counter?: RequestCounter } = {}): BatonStorage {
  const clients = createStorageClients(connectionString, options.counter);
  const index = new RecentIndex(clients.table(names.recentTable), options.logger ? { logger: options.logger } : {});
  const states = new StateIndex(clients.table(names.stateIndexTable), clients.table(names.auditTable), options.logger ? { logger: options.logger } : {});
  // New jobs' Queued events, in a few partitions of the state-index table beside the index's own.
  const register = new QueuedRegister(clients.table(names.stateIndexTable));
  return {
    clients,
    leases: new BlobLeaseStore(clients.blobService, names.locksContainer),
    audit: new AuditStore(clients.table(names.auditTable), index, states, register),
    index,
    tenants: new TenantStore(clients.table(names.tenantsTable)),
    fleet: new FleetStore(clients.table(names.fleetTable)),
    states,
    control: new JobControl(clients.table(names.auditTable), index, states, register),
    close: async () => {
      await Promise.all([index.close(), states.close()]);
    },
  };
}

/** Creates the container and tables if they are missing (idempotent; several processes may race here). */
export async function ensureStorage(storage: BatonStorage, names: Names): Promise<void> {
  await storage.leases.ensureContainer();
  for (const table of [names.auditTable, names.recentTable, names.tenantsTable, names.fleetTable, names.stateIndexTable]) {
    await createTableIfMissing(storage.clients.table(table));
  }
}

/** One cheap request per service: used by health checks. */
export async function pingStorage(storage: BatonStorage, names: Names, signal?: AbortSignal): Promise<void> {
  await storage.clients.blobService.getContainerClient(names.locksContainer).exists({ abortSignal: signal });
}
