/** The storage layer against Azurite: lease semantics Baton relies on, fencing, and request counting. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { namesFor } from '../../src/contracts/names.js';
import { validateJobRequest, type JobRequest } from '../../src/contracts/job-request.js';
import { AZURITE_CONNECTION_STRING } from '../../src/core/config.js';
import { FencedError } from '../../src/core/errors.js';
import { AuditStore } from '../../src/storage/audit-store.js';
import { BlobLeaseStore, lockBlobName } from '../../src/storage/blob-lease-store.js';
import { createStorageClients } from '../../src/storage/clients.js';
import { RecentIndex } from '../../src/storage/recent-index.js';
import { freshNamespace } from '../helpers/namespace.js';

const names = namesFor(freshNamespace('st'));
const clients = createStorageClients(AZURITE_CONNECTION_STRING);
const leases = new BlobLeaseStore(clients.blobService, names.locksContainer);
const index = new RecentIndex(clients.table(names.recentTable), { flushMs: 10 });
const audit = new AuditStore(clients.table(names.auditTable), index);

function job(jobId: string, extra: Record<string, unknown> = {}): JobRequest {
  const parsed = validateJobRequest({ jobId, jobName: `job ${jobId}`, ...extra });
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.job;
}

beforeAll(async () => {
  await leases.ensureContainer();
  await audit.ensureTable();
  await clients.table(names.recentTable).createTable();
});

afterAll(async () => {
  await clients.blobService.getContainerClient(names.locksContainer).deleteIfExists();
  await clients.table(names.auditTable).deleteTable();
  await clients.table(names.recentTable).deleteTable();
});

describe('BlobLeaseStore', () => {
  it('grants a lease once, reports a held lease as null, and frees it on release', async () => {
    const first = await leases.tryAcquire('key:a', 15);
    expect(first?.leaseId).toBeTruthy();
    expect(await leases.tryAcquire('key:a', 15)).toBeNull();
    expect(await leases.renew('key:a', first!.leaseId)).toBe('Renewed');
    await leases.release('key:a', first!.leaseId);
    const second = await leases.tryAcquire('key:a', 15);
    expect(second).not.toBeNull();
    expect(await leases.renew('key:a', first!.leaseId)).toBe('Lost');
    await leases.release('key:a', second!.leaseId);
  });

  it('creates a missing lock blob once (3 requests), then leases it again with 1, and keeps it on release', async () => {
    clients.counter.reset();
    const created = await leases.tryAcquire('fresh/key..', 15);
    expect(created).not.toBeNull();
    expect(clients.counter.snapshot()).toEqual({ 'blob.lease.acquire': 2, 'blob.blob.create': 1 });
    await leases.release('fresh/key..', created!.leaseId);
    clients.counter.reset();
    const again = await leases.tryAcquire('fresh/key..', 15);
    expect(again).not.toBeNull();
    expect(clients.counter.snapshot()).toEqual({ 'blob.lease.acquire': 1 });
    await leases.release('fresh/key..', again!.leaseId);
    expect(await clients.blobService.getContainerClient(names.locksContainer).getBlobClient(lockBlobName('fresh/key..')).exists()).toBe(true);
  });
});

describe('AuditStore', () => {
  it('starts a first attempt in one request and reports a finished job as finished', async () => {
    const j = job('job-1');
    clients.counter.reset();
    const outcome = await audit.startAttempt(j, 'p1', { firstDelivery: true });
    expect(clients.counter.snapshot()).toEqual({ 'table.transaction': 1 });
    if (outcome.kind !== 'started') throw new Error('expected a started attempt');
    expect(outcome.attempt.attempt).toBe(1);
    await outcome.attempt.write(
      [{ jobId: j.jobId, status: 'Completed', message: 'done', processorId: 'p1', attempt: 1 }],
      { status: 'Completed', completedAt: new Date().toISOString() },
    );
    const again = await audit.startAttempt(j, 'p2', { firstDelivery: true });
    expect(again.kind).toBe('finished');
    expect((await audit.history(j.jobId)).map((e) => e.status)).toEqual(['Started', 'Completed']);
  });

  it('fences a stale attempt: once another attempt starts, the old one cannot write', async () => {
    const j = job('job-2');
    const first = await audit.startAttempt(j, 'p1', { firstDelivery: true });
    const second = await audit.startAttempt(j, 'p2', { firstDelivery: false });
    if (first.kind !== 'started' || second.kind !== 'started') throw new Error('expected two started attempts');
    expect(second.attempt.attempt).toBe(2);
    await expect(
      first.attempt.write([{ jobId: j.jobId, status: 'Completed', message: 'late', processorId: 'p1', attempt: 1 }], { status: 'Completed' }),
    ).rejects.toBeInstanceOf(FencedError);
    await second.attempt.write([{ jobId: j.jobId, status: 'Completed', message: 'ok', processorId: 'p2', attempt: 2 }], { status: 'Completed' });
    const statuses = (await audit.history(j.jobId)).map((e) => e.status);
    expect(statuses.filter((s) => s === 'Completed')).toHaveLength(1);
    expect((await audit.summary(j.jobId))?.processorId).toBe('p2');
  });

  it('indexes events newest first', async () => {
    await audit.append({ jobId: 'job-3', status: 'Queued', message: 'q', processorId: 'pub', attempt: 0 });
    await audit.append({ jobId: 'job-4', status: 'Queued', message: 'q', processorId: 'pub', attempt: 0 });
    await index.flush();
    const recent = await index.recent(2);
    expect(recent.map((e) => e.jobId)).toEqual(['job-4', 'job-3']);
  });
});
