/**
 * @module A tenant's concurrency limit N as N leasable slot blobs, in the locks container. A slot is a
 * lock key that no job can have (it starts with a control character, which job lock keys refuse), so
 * the lock-key LeaseStore and the processor's one LeaseManager take, renew and release slots exactly as
 * they do job locks: at most N holders at any moment by the storage service's own lease rule, and a
 * crashed holder's slot frees itself when its lease runs out (within one lease period).
 */
import type { ContainerClient } from '@azure/storage-blob';
import { lockBlobName, type AcquiredLease, type LeaseStore } from '../storage/blob-lease-store.js';

const SLOT_PREFIX = '\u0001tenant-slot:';
/** Slots tried per admission: all of them for small limits; a random few for big ones (see the README). */
export const MAX_SLOT_TRIES = 4;

export function slotKey(tenantId: string, index: number): string {
  return `${SLOT_PREFIX}${tenantId}:${index}`;
}

export function isSlotKey(lockKey: string): boolean {
  return lockKey.startsWith(SLOT_PREFIX);
}

/** Tries up to MAX_SLOT_TRIES of the tenant's N slots, in random order; null when every one tried is held. */
export async function acquireSlot(store: LeaseStore, tenantId: string, limit: number, leaseSeconds: number): Promise<AcquiredLease | null> {
  for (const index of randomIndexes(limit, MAX_SLOT_TRIES)) {
    const lease = await store.tryAcquire(slotKey(tenantId, index), leaseSeconds);
    if (lease) return lease;
  }
  return null;
}

/** Slots of the tenant leased right now (one listing request): its attempts running across the fleet. */
export async function countHeldSlots(container: ContainerClient, tenantId: string): Promise<number> {
  const prefix = lockBlobName(`${SLOT_PREFIX}${tenantId}:`);
  let held = 0;
  for await (const blob of container.listBlobsFlat({ prefix })) {
    const index = Number(blob.name.slice(prefix.length));
    // Slots above a lowered limit still count while they are held: their attempts are still running.
    if (Number.isInteger(index) && blob.properties.leaseState === 'leased') held++;
  }
  return held;
}

function randomIndexes(limit: number, tries: number): number[] {
  if (limit <= tries) return shuffle([...Array(limit).keys()]);
  const chosen = new Set<number>();
  while (chosen.size < tries) chosen.add(Math.floor(Math.random() * limit));
  return [...chosen];
}

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}
