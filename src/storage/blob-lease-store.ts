/**
 * @module Lock-key leases on Azure blobs. A lease held elsewhere is a value (`null`), not an error;
 * only the service or the local deadline can say a held lease is lost.
 */
import { performance } from 'node:perf_hooks';
import type { BlobServiceClient, ContainerClient } from '@azure/storage-blob';
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
  /** `createFirst` skips the failed acquire when the blob is probably new (a lock key used once). */
  tryAcquire(lockKey: string, durationSeconds: number, options?: { createFirst?: boolean }): Promise<AcquiredLease | null>;
  /** Resolves 'Lost' when the service says the lease is gone; throws on transient errors (outcome unknown). */
  renew(lockKey: string, leaseId: string, signal?: AbortSignal): Promise<RenewOutcome>;
  /** Gives the lease up; `removeBlob` deletes the lock blob in the same request (for a lock key that will not recur). */
  release(lockKey: string, leaseId: string, options?: { removeBlob?: boolean }): Promise<void>;
  /** Whether someone holds the lease now (one read, nothing taken): a recovery copy's question (src/processor/handoff.ts). */
  isHeld(lockKey: string): Promise<boolean>;
}

/** Blob names may not be arbitrary strings (`..`, trailing dots); encoding keeps every lock key distinct and legal. */
export function lockBlobName(lockKey: string): string {
  return `lock-${encodeURIComponent(lockKey).replace(/\./g, '%2E')}`;
}

export class BlobLeaseStore implements LeaseStore {
  readonly #container: ContainerClient;

  constructor(blobService: BlobServiceClient, containerName: string) {
    this.#container = blobService.getContainerClient(containerName);
  }

  async ensureContainer(): Promise<void> {
    await this.#container.createIfNotExists();
  }

  async tryAcquire(lockKey: string, durationSeconds: number, options: { createFirst?: boolean } = {}): Promise<AcquiredLease | null> {
    if (options.createFirst) await this.#createIfAbsent(lockKey);
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

  async release(lockKey: string, leaseId: string, options: { removeBlob?: boolean } = {}): Promise<void> {
    try {
      if (options.removeBlob) {
        await this.#blob(lockKey).delete({ conditions: { leaseId } });
      } else {
        await this.#blob(lockKey).getBlobLeaseClient(leaseId).releaseLease();
      }
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

  async #acquire(lockKey: string, durationSeconds: number): Promise<AcquiredLease | null> {
    const acquiredAt = performance.now();
    try {
      const response = await this.#blob(lockKey).getBlobLeaseClient().acquireLease(durationSeconds);
      return { lockKey, leaseId: response.leaseId ?? '', acquiredAt };
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

  #blob(lockKey: string) {
    return this.#container.getBlockBlobClient(lockBlobName(lockKey));
  }
}
