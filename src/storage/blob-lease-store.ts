/**
 * @module Lock-key leases on Azure blobs. A lease held elsewhere is a value (`null`), not an error;
 * only the service or the local deadline can say a held lease is lost.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { BlobServiceClient, BlockBlobClient, ContainerClient } from '@azure/storage-blob';
import { BLOB_ERROR, codeOf, isConflict, isLeaseHeld, isLeaseLost, isNotFound, statusOf } from './azure-errors.js';

export interface AcquiredLease {
  readonly lockKey: string;
  readonly leaseId: string;
  /** `performance.now()` when the acquire request was sent: the server's lease started no earlier. */
  readonly acquiredAt: number;
}

export type RenewOutcome = 'Renewed' | 'Lost';

/** The three calls the LeaseManager needs; a fake of this is what its unit tests use. */
export interface LeaseStore {
  /** Creates the lock blob when it is missing (the first use of a lock key or a lock stripe): 3 requests, once. */
  tryAcquire(lockKey: string, durationSeconds: number): Promise<AcquiredLease | null>;
  /** Resolves 'Lost' when the service says the lease is gone; throws on transient errors (outcome unknown). */
  renew(lockKey: string, leaseId: string, signal?: AbortSignal): Promise<RenewOutcome>;
  /** Gives the lease up; the lock blob stays, to be leased again (lock blobs are reused, never one per job). */
  release(lockKey: string, leaseId: string): Promise<void>;
  /** Whether someone holds the lease now (one read, nothing taken): a recovery copy's question (src/processor/handoff.ts). */
  isHeld(lockKey: string): Promise<boolean>;
}

/** Blob names may not be arbitrary strings (`..`, trailing dots); encoding keeps every lock key distinct and legal. */
export function lockBlobName(lockKey: string): string {
  return `lock-${encodeURIComponent(lockKey).replace(/\./g, '%2E')}`;
}

/**
 * How many lock blobs' clients are kept. A blob client costs a URL parse and a client context to build: kept,
 * a job's acquire, renewals and release share one. Bounded, since lock keys are unbounded (oldest dropped first).
 */
const BLOB_CLIENTS_KEPT = 256;

export class BlobLeaseStore implements LeaseStore {
  readonly #container: ContainerClient;
  readonly #blobs = new Map<string, BlockBlobClient>();

  constructor(blobService: BlobServiceClient, containerName: string) {
    this.#container = blobService.getContainerClient(containerName);
  }

  async ensureContainer(): Promise<void> {
    await this.#container.createIfNotExists();
  }

  async tryAcquire(lockKey: string, durationSeconds: number): Promise<AcquiredLease | null> {
    try {
      return await this.#acquire(lockKey, durationSeconds);
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    await this.#createIfAbsent(lockKey);
    return this.#acquire(lockKey, durationSeconds);
  }

  async renew(lockKey: string, leaseId: string, signal?: AbortSignal): Promise<RenewOutcome> {
    try {
      await this.#blob(lockKey).getBlobLeaseClient(leaseId).renewLease({ abortSignal: signal });
      return 'Renewed';
    } catch (error) {
      if (isLeaseLost(error)) return 'Lost';
      throw error;
    }
  }

  async release(lockKey: string, leaseId: string): Promise<void> {
    try {
      await this.#blob(lockKey).getBlobLeaseClient(leaseId).releaseLease();
    } catch (error) {
      // Already gone or already someone else's: there is nothing of ours left to give up.
      if (isLeaseLost(error) || isNotFound(error) || statusOf(error) === 412) return;
      throw error;
    }
  }

  async isHeld(lockKey: string): Promise<boolean> {
    try {
      const properties = await this.#blob(lockKey).getProperties();
      // 'leased' until released, broken or expired: an expired lease of a dead holder reads 'expired'.
      return properties.leaseState === 'leased';
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  /**
   * Creates the lock blobs of `lockKeys` that are missing (`inFlight` at a time), as their first acquire would:
   * for the bench's steady state, in which every lock stripe a job meets was created long ago.
   */
  async createLockBlobs(lockKeys: Iterable<string>, inFlight = 16): Promise<void> {
    const queue = [...new Set(lockKeys)];
    await Promise.all(Array.from({ length: Math.min(inFlight, queue.length) }, async () => {
      for (let key = queue.pop(); key !== undefined; key = queue.pop()) await this.#createIfAbsent(key);
    }));
  }

  async #acquire(lockKey: string, durationSeconds: number): Promise<AcquiredLease | null> {
    const acquiredAt = performance.now();
    // Our own lease id, proposed (the SDK would make one up per client too; this keeps the property explicit): a
    // retry of an acquire whose answer was lost (the service granted it) asks for the same id, which the service
    // grants again, instead of meeting a lease nobody knows until it expires.
    const leaseId = randomUUID();
    try {
      await this.#blob(lockKey).getBlobLeaseClient(leaseId).acquireLease(durationSeconds);
      return { lockKey, leaseId, acquiredAt };
    } catch (error) {
      if (isLeaseHeld(error)) return null;
      throw error;
    }
  }

  async #createIfAbsent(lockKey: string): Promise<void> {
    try {
      await this.#blob(lockKey).upload('', 0, { conditions: { ifNoneMatch: '*' } });
    } catch (error) {
      // 409 BlobAlreadyExists, or 412 when it exists and is leased: either way it is there.
      if (isConflict(error) || statusOf(error) === 412 || codeOf(error) === BLOB_ERROR.blobAlreadyExists) return;
      throw error;
    }
  }

  #blob(lockKey: string): BlockBlobClient {
    let blob = this.#blobs.get(lockKey);
    if (!blob) {
      blob = this.#container.getBlockBlobClient(lockBlobName(lockKey));
      if (this.#blobs.size >= BLOB_CLIENTS_KEPT) this.#blobs.delete(this.#blobs.keys().next().value!);
      this.#blobs.set(lockKey, blob);
    }
    return blob;
  }
}
