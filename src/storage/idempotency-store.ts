/**
 * @module Idempotency keys of `POST /api/jobs` (IETF draft-ietf-httpapi-idempotency-key-header): one table
 * row per tenant and key, claimed by an insert that only one request can win, however many dashboards
 * receive the same key at the same moment. The row holds the body's fingerprint and whether the first
 * request finished; the answer itself is recomputed from the body (job ids without a `jobId` are derived
 * from the key), so a 1,000-job answer never has to fit in a table property.
 *
 * Expiry: a row is kept at least `ttlMs` (24 h). Table Storage has no TTL, so an expired row is not
 * deleted by a timer: it is treated as absent and replaced (conditionally on its ETag) when its key is
 * used again. Rows of keys never used again stay until the namespace's tables are dropped.
 */
import { createHash } from 'node:crypto';
import type { TableClient } from '@azure/data-tables';
import { isConflict, isNotFound, isPreconditionFailed } from './azure-errors.js';

export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
/** A first request that has not finished after this long is presumed dead (its dashboard crashed). */
export const STALE_CLAIM_MS = 2 * 60 * 1000;

export type ClaimOutcome =
  /** This request owns the key: do the work, then `complete` (or `release` on failure). */
  | { readonly kind: 'claimed'; readonly claim: Claim }
  /** The first request with this key is still running: 409, retry later. */
  | { readonly kind: 'in-progress' }
  /** The key was used with another body: 422. */
  | { readonly kind: 'mismatch' }
  /** The first request finished: answer its result (200) and do nothing. */
  | { readonly kind: 'done' };

export interface Claim {
  readonly partitionKey: string;
  readonly etag: string;
}

interface KeyRow {
  readonly fingerprint: string;
  readonly state: 'pending' | 'done';
  readonly claimedAt: number;
  readonly expiresAt: number;
}

export class IdempotencyStore {
  readonly #table: TableClient;
  readonly #ttlMs: number;
  #ensured: Promise<void> | undefined;

  constructor(table: TableClient, options: { ttlMs?: number } = {}) {
    this.#table = table;
    this.#ttlMs = options.ttlMs ?? IDEMPOTENCY_TTL_MS;
  }

  /** Claims `key` for `tenant`; `fingerprint` identifies the request body. */
  async claim(tenant: string, key: string, fingerprint: string, now = Date.now()): Promise<ClaimOutcome> {
    await this.#ensureTable();
    const partitionKey = keyRowId(tenant, key);
    for (let round = 0; round < 5; round++) {
      const created = await this.#insert(partitionKey, fingerprint, now);
      if (created) return { kind: 'claimed', claim: created };
      const existing = await this.#read(partitionKey);
      if (!existing) continue; // deleted (released or expired) between our insert and read: insert again
      const { row, etag } = existing;
      if (row.expiresAt <= now || (row.state === 'pending' && now - row.claimedAt > STALE_CLAIM_MS)) {
        // Expired, or a first request that died mid-way: take the row over, if nobody else just did.
        const taken = await this.#replace(partitionKey, etag, fingerprint, now);
        if (taken) return { kind: 'claimed', claim: taken };
        continue;
      }
      if (row.fingerprint !== fingerprint) return { kind: 'mismatch' };
      return row.state === 'done' ? { kind: 'done' } : { kind: 'in-progress' };
    }
    return { kind: 'in-progress' };
  }

  /** Marks the claim finished: later requests with the key get its result. */
  async complete(claim: Claim): Promise<void> {
    await this.#table.updateEntity({ partitionKey: claim.partitionKey, rowKey: '', state: 'done' }, 'Merge', { etag: claim.etag });
  }

  /** Gives the key up after a failure (nothing, or not everything, was accepted): a retry may try again. */
  async release(claim: Claim): Promise<void> {
    try {
      await this.#table.deleteEntity(claim.partitionKey, '', { etag: claim.etag });
    } catch (error) {
      if (!isNotFound(error) && !isPreconditionFailed(error)) throw error;
    }
  }

  async #insert(partitionKey: string, fingerprint: string, now: number): Promise<Claim | undefined> {
    try {
      const response = await this.#table.createEntity({ partitionKey, rowKey: '', ...this.#row(fingerprint, now) });
      return { partitionKey, etag: response.etag ?? '*' };
    } catch (error) {
      if (isConflict(error)) return undefined;
      throw error;
    }
  }

  async #replace(partitionKey: string, etag: string, fingerprint: string, now: number): Promise<Claim | undefined> {
    try {
      const response = await this.#table.updateEntity({ partitionKey, rowKey: '', ...this.#row(fingerprint, now) }, 'Replace', { etag });
      return { partitionKey, etag: response.etag ?? '*' };
    } catch (error) {
      if (isPreconditionFailed(error) || isNotFound(error)) return undefined;
      throw error;
    }
  }

  async #read(partitionKey: string): Promise<{ row: KeyRow; etag: string } | undefined> {
    try {
      const entity = await this.#table.getEntity<KeyRow>(partitionKey, '');
      return { row: entity, etag: entity.etag };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  #row(fingerprint: string, now: number): KeyRow {
    return { fingerprint, state: 'pending', claimedAt: now, expiresAt: now + this.#ttlMs };
  }

  #ensureTable(): Promise<void> {
    this.#ensured ??= this.#table.createTable().catch((error: unknown) => {
      if (isConflict(error)) return;
      this.#ensured = undefined;
      throw error;
    });
    return this.#ensured;
  }
}

/** Keys may hold characters a PartitionKey may not (`/`, `#`, `?`): the row is named by a digest. */
export function keyRowId(tenant: string, key: string): string {
  return createHash('sha256').update(`${tenant}\n${key}`).digest('hex');
}
