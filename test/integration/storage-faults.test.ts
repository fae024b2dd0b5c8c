/**
 * The audit store under network faults, through the fault proxy in front of the real Azurite: a lost answer
 * is not fencing (issue 9, defect 1), a hung request fails within its bound (defect 2), an error message of
 * any size is recorded (defect 3).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { namesFor } from '../../src/contracts/names.js';
import { validateJobRequest, type JobRequest } from '../../src/contracts/job-request.js';
import type { NewAuditEvent } from '../../src/contracts/audit-event.js';
import { AZURITE_CONNECTION_STRING } from '../../src/core/config.js';
import { StorageTimeoutError } from '../../src/core/errors.js';
import { AuditStore } from '../../src/storage/audit-store.js';
import { isTransient } from '../../src/storage/azure-errors.js';
import { BlobLeaseStore } from '../../src/storage/blob-lease-store.js';
import { createStorageClients, STORAGE_TIMEOUTS } from '../../src/storage/clients.js';
import { MAX_DETAIL_BYTES, MAX_MESSAGE_CHARS } from '../../src/storage/table-limits.js';
import { startStorageProxies, toxic, transactionWith } from '../helpers/fault-proxy.js';
import { freshNamespace } from '../helpers/namespace.js';
import { waitFor } from '../helpers/system.js';

const names = namesFor(freshNamespace('sf'));
const direct = createStorageClients(AZURITE_CONNECTION_STRING);
const directAudit = new AuditStore(direct.table(names.auditTable));
let proxies: Awaited<ReturnType<typeof startStorageProxies>>;
let audit: AuditStore;

function job(jobId: string): JobRequest {
  const parsed = validateJobRequest({ jobId, jobName: `job ${jobId}` });
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.job;
}

function ev(j: JobRequest, status: NewAuditEvent['status'], attempt: number, message: string = status): Omit<NewAuditEvent, 'timestamp'> {
  return { jobId: j.jobId, status, message, processorId: 'p1', attempt };
}

async function statuses(jobId: string): Promise<string[]> {
  return (await directAudit.history(jobId)).map((e) => `${e.status}:${e.attempt}`);
}

beforeAll(async () => {
  proxies = await startStorageProxies({ seed: 7 });
  audit = new AuditStore(createStorageClients(proxies.connectionString).table(names.auditTable));
  await directAudit.ensureTable();
  await direct.blobService.getContainerClient(names.locksContainer).createIfNotExists();
});

afterEach(() => {
  proxies.table.clearRules();
  proxies.blob.clearRules();
  proxies.table.release();
  proxies.blob.release();
});

afterAll(async () => {
  await proxies.close();
  await direct.table(names.auditTable).deleteTable().catch(() => undefined);
  await direct.blobService.getContainerClient(names.locksContainer).deleteIfExists();
});

describe('a lost answer is not fencing', () => {
  it('the first attempt whose Started answer was lost carries on as attempt 1 (the SDK retry met its own row: 409)', async () => {
    const j = job('lost-first-start');
    const rule = proxies.table.addRule({ when: transactionWith('Started'), times: 1, action: toxic.dropAnswer });
    const start = await audit.startAttempt(j, 'p1', { firstDelivery: true });
    expect(rule.hits).toBe(1);
    if (start.kind !== 'started') throw new Error('expected a started attempt');
    expect(start.attempt.attempt).toBe(1);
    expect(start.attempt.failuresBefore).toBe(0);
    await start.attempt.write([ev(j, 'Completed', 1)], { status: 'Completed' });
    expect(await statuses(j.jobId)).toEqual(['Started:1', 'Completed:1']);
  });

  it('a conditional write whose answer was lost (the retry meets the new ETag: 412) is taken as written, once', async () => {
    const j = job('lost-end');
    const start = await audit.startAttempt(j, 'p1', { firstDelivery: true });
    if (start.kind !== 'started') throw new Error('expected a started attempt');
    proxies.table.addRule({ when: transactionWith('Step'), times: 1, action: toxic.dropAnswer });
    await start.attempt.write([{ ...ev(j, 'Step', 1), step: 1, totalSteps: 1 }], {});
    proxies.table.addRule({ when: transactionWith('Completed'), times: 1, action: toxic.dropAnswer });
    await start.attempt.write([ev(j, 'Completed', 1)], { status: 'Completed' });
    expect(await statuses(j.jobId)).toEqual(['Started:1', 'Step:1', 'Completed:1']);
    expect((await directAudit.summary(j.jobId))?.status).toBe('Completed');
  });

  it('a later attempt whose Started answer was lost is that attempt, not a stalled one followed by another', async () => {
    const j = job('lost-second-start');
    const first = await audit.startAttempt(j, 'p1', { firstDelivery: true });
    if (first.kind !== 'started') throw new Error('expected a started attempt');
    await first.attempt.write([ev(j, 'Failed', 1), ev(j, 'Retrying', 1)], { status: 'Retrying', failures: 1 });
    proxies.table.addRule({ when: transactionWith('Started'), times: 1, action: toxic.dropAnswer });
    const second = await audit.startAttempt(j, 'p1', { firstDelivery: false });
    if (second.kind !== 'started') throw new Error('expected a started attempt');
    expect(second.attempt.attempt).toBe(2);
    expect(second.attempt.failuresBefore).toBe(1);
    await second.attempt.write([ev(j, 'Completed', 2)], { status: 'Completed' });
    expect(await statuses(j.jobId)).toEqual(['Started:1', 'Failed:1', 'Retrying:1', 'Started:2', 'Completed:2']);
  });

  it('a Started that got no answer at all is resumed by the next delivery, not counted as a stalled attempt', async () => {
    const j = job('unanswered-start');
    // Every try of the Started transaction loses its answer, and the read-back is cut off too.
    proxies.table.addRule({ when: transactionWith('Started'), times: 3, action: toxic.dropAnswer });
    proxies.table.addRule({ method: 'GET', url: /unanswered-start/, times: 3, action: toxic.reset }); // the SDK retries twice
    await expect(audit.startAttempt(j, 'p1', { firstDelivery: true, retryForMs: 0 })).rejects.toSatisfy(isTransient);
    const again = await audit.startAttempt(j, 'p1', { firstDelivery: true });
    if (again.kind !== 'started') throw new Error('expected a started attempt');
    expect(again.attempt.attempt).toBe(1);
    await again.attempt.write([ev(j, 'Completed', 1)], { status: 'Completed' });
    expect(await statuses(j.jobId)).toEqual(['Started:1', 'Completed:1']);
  });

  it('a Started the service applies after its request timed out is still this attempt (its retry keeps the identity)', async () => {
    const j = job('late-start');
    const bounded = new AuditStore(createStorageClients(proxies.connectionString, undefined, { tryTimeoutMs: 800, totalTimeoutMs: 2000 }).table(names.auditTable));
    proxies.table.addRule({ when: transactionWith('Started'), times: 1, action: toxic.hold });
    const starting = bounded.startAttempt(j, 'p1', { firstDelivery: true });
    await waitFor(() => proxies.table.heldCount === 1, 'the Started to be held', 10_000, 20);
    await new Promise((resolve) => setTimeout(resolve, 1500)); // the client gave up on it
    proxies.table.release(); // ... and the service applies it now, late
    const start = await starting;
    if (start.kind !== 'started') throw new Error('expected a started attempt');
    expect(start.attempt.attempt).toBe(1);
    await start.attempt.write([ev(j, 'Completed', 1)], { status: 'Completed' });
    expect(await statuses(j.jobId)).toEqual(['Started:1', 'Completed:1']);
  });

  it('a write that got no answer is found out before the next one: its events are written once', async () => {
    const j = job('unanswered-step');
    const start = await audit.startAttempt(j, 'p1', { firstDelivery: true });
    if (start.kind !== 'started') throw new Error('expected a started attempt');
    proxies.table.addRule({ when: transactionWith('Step'), times: 3, action: toxic.dropAnswer });
    await expect(start.attempt.write([{ ...ev(j, 'Step', 1), step: 1, totalSteps: 1 }], {})).rejects.toSatisfy(isTransient);
    await start.attempt.write([ev(j, 'Completed', 1)], { status: 'Completed' });
    expect(await statuses(j.jobId)).toEqual(['Started:1', 'Step:1', 'Completed:1']);
  });

  it('a write the service applies late, after the read-back missed it, is not written twice', async () => {
    const j = job('late-step');
    const bounded = new AuditStore(createStorageClients(proxies.connectionString, undefined, { tryTimeoutMs: 800, totalTimeoutMs: 2000 }).table(names.auditTable));
    const start = await bounded.startAttempt(j, 'p1', { firstDelivery: true });
    if (start.kind !== 'started') throw new Error('expected a started attempt');
    proxies.table.addRule({ when: transactionWith('Step'), times: 1, action: toxic.hold });
    await expect(start.attempt.write([{ ...ev(j, 'Step', 1), step: 1, totalSteps: 1 }], {})).rejects.toSatisfy(isTransient);
    // The next write reads the row back (the Step is still held: not there), then sends Step + Completed;
    // that transaction lets the held Step through first, so it lands just before.
    const late = proxies.table.addRule({
      when: (request) => {
        if (!transactionWith('Completed')(request)) return false;
        proxies.table.release();
        return true;
      },
      times: 1,
      action: toxic.latency(300),
    });
    await start.attempt.write([ev(j, 'Completed', 1)], { status: 'Completed' });
    expect(late.hits).toBe(1);
    expect(await statuses(j.jobId)).toEqual(['Started:1', 'Step:1', 'Completed:1']);
  });

  it('still fences a write when another attempt owns the row', async () => {
    const j = job('really-fenced');
    const first = await audit.startAttempt(j, 'p1', { firstDelivery: true });
    const second = await directAudit.startAttempt(j, 'p2', { firstDelivery: false });
    if (first.kind !== 'started' || second.kind !== 'started') throw new Error('expected two attempts');
    await expect(first.attempt.write([ev(j, 'Completed', 1)], { status: 'Completed' })).rejects.toMatchObject({ code: 'ATTEMPT_FENCED' });
  });

  it('a plain event insert whose answer was lost is not an error', async () => {
    proxies.table.addRule({ method: 'POST', when: (r) => r.text.includes('"Queued"'), times: 1, action: toxic.dropAnswer });
    await audit.append({ jobId: 'lost-queued', status: 'Queued', message: 'q', processorId: 'pub', attempt: 0 });
    expect(await statuses('lost-queued')).toEqual(['Queued:0']);
  });
});

describe('an attempt that lost its lease', () => {
  const bounded = () => new AuditStore(createStorageClients(proxies.connectionString, undefined, { tryTimeoutMs: 800, totalTimeoutMs: 2000 }).table(names.auditTable));
  const lossOf = (j: JobRequest) => ev(j, 'LeaseLost', 1, 'lease lost');

  it('records its loss instead of an end still in flight, which then cannot land', async () => {
    const j = job('loss-first');
    const start = await bounded().startAttempt(j, 'p1', { firstDelivery: true });
    if (start.kind !== 'started') throw new Error('expected a started attempt');
    proxies.table.addRule({ when: transactionWith('Completed'), times: 1, action: toxic.hold });
    await expect(start.attempt.write([ev(j, 'Completed', 1)], { status: 'Completed' })).rejects.toSatisfy(isTransient);
    expect(await start.attempt.recordLoss(lossOf(j), Date.now())).toBe('recorded');
    proxies.table.release(); // the Completed reaches the service now, too late: its ETag is stale
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await statuses(j.jobId)).toEqual(['Started:1', 'LeaseLost:1']);
  });

  it('answers "ended" when its end landed late, and records no loss', async () => {
    const j = job('loss-after-end');
    const start = await bounded().startAttempt(j, 'p1', { firstDelivery: true });
    if (start.kind !== 'started') throw new Error('expected a started attempt');
    proxies.table.addRule({ when: transactionWith('Completed'), times: 1, action: toxic.hold });
    await expect(start.attempt.write([ev(j, 'Completed', 1)], { status: 'Completed' })).rejects.toSatisfy(isTransient);
    proxies.table.release();
    await waitFor(async () => (await statuses(j.jobId)).includes('Completed:1'), 'the late Completed to land', 10_000, 50);
    expect(await start.attempt.recordLoss(lossOf(j), Date.now() - 1000)).toBe('ended');
    expect(await statuses(j.jobId)).toEqual(['Started:1', 'Completed:1']);
  });

  it('once fenced, inserts its loss once however often it is retried', async () => {
    const j = job('loss-fenced');
    const first = await audit.startAttempt(j, 'p1', { firstDelivery: true });
    if (first.kind !== 'started') throw new Error('expected a started attempt');
    await directAudit.startAttempt(j, 'p2', { firstDelivery: false });
    const atMs = Date.now() - 5000;
    proxies.table.addRule({ method: 'POST', when: (r) => r.text.includes('"LeaseLost"'), times: 1, action: toxic.dropAnswer });
    expect(await first.attempt.recordLoss(lossOf(j), atMs)).toBe('recorded');
    expect(await first.attempt.recordLoss(lossOf(j), atMs)).toBe('recorded');
    await audit.append(lossOf(j), atMs); // a plain append of the same dated event: the same row
    expect((await statuses(j.jobId)).filter((s) => s === 'LeaseLost:1')).toHaveLength(1);
  });
});

describe('every storage request has a bounded time', () => {
  it('a held table request fails as a transient StorageTimeoutError within the bound', async () => {
    const bounded = new AuditStore(createStorageClients(proxies.connectionString, undefined, { tryTimeoutMs: 1000, totalTimeoutMs: 2500 }).table(names.auditTable));
    proxies.table.addRule({ action: toxic.hold });
    const started = performance.now();
    const error = await bounded.startAttempt(job('held'), 'p1', { firstDelivery: true, retryForMs: 0 }).catch((e: unknown) => e);
    const elapsed = performance.now() - started;
    expect(isTransient(error)).toBe(true);
    expect(elapsed).toBeLessThan(2 * 2500 + 2000); // the create, then its read-back
    const history = await bounded.history('held').catch((e: unknown) => e);
    expect(history).toBeInstanceOf(StorageTimeoutError);
  });

  it('with the default bounds too (20 s), and for blob requests', async () => {
    proxies.table.addRule({ action: toxic.hold });
    const started = performance.now();
    await expect(audit.history('held-default')).rejects.toBeInstanceOf(StorageTimeoutError);
    expect(performance.now() - started).toBeLessThan(STORAGE_TIMEOUTS.totalTimeoutMs + 3000);

    const leases = new BlobLeaseStore(createStorageClients(proxies.connectionString, undefined, { tryTimeoutMs: 1000, totalTimeoutMs: 2500 }).blobService, names.locksContainer);
    proxies.blob.addRule({ action: toxic.hold });
    const blobStarted = performance.now();
    const error = await leases.tryAcquire('held-key', 15).catch((e: unknown) => e);
    expect(isTransient(error)).toBe(true);
    expect(performance.now() - blobStarted).toBeLessThan(2500 + 3000);
  });
});

describe('strings of any size', () => {
  it('records a Failed whose error message is 40,000 characters, truncated, with its detail', async () => {
    const j = job('huge-error');
    const start = await audit.startAttempt(j, 'p1', { firstDelivery: true });
    if (start.kind !== 'started') throw new Error('expected a started attempt');
    const message = `boom ${'x'.repeat(40_000)}`;
    const detail = `Error: boom\n${'    at frame (file.js:1:1)\n'.repeat(1000)}AccountKey=secretsecret;`;
    await start.attempt.write([{ ...ev(j, 'Failed', 1, message), detail }, ev(j, 'Retrying', 1)], { status: 'Retrying', failures: 1, lastError: message });
    const history = await directAudit.history(j.jobId);
    const failed = history.find((e) => e.status === 'Failed');
    expect(failed?.message.startsWith('boom xxx')).toBe(true);
    expect(failed!.message.length).toBeLessThanOrEqual(MAX_MESSAGE_CHARS);
    expect(failed?.detail?.startsWith('Error: boom')).toBe(true);
    expect(Buffer.byteLength(failed!.detail!, 'utf8')).toBeLessThanOrEqual(MAX_DETAIL_BYTES);
    const summary = await directAudit.summary(j.jobId);
    expect(summary?.status).toBe('Retrying');
    expect(summary!.lastError!.length).toBeLessThanOrEqual(MAX_MESSAGE_CHARS);
    expect(summary).not.toHaveProperty('attemptId');
  });

  it('redacts a secret in a short detail', async () => {
    const j = job('secret-detail');
    const start = await audit.startAttempt(j, 'p1', { firstDelivery: true });
    if (start.kind !== 'started') throw new Error('expected a started attempt');
    await start.attempt.write([{ ...ev(j, 'Failed', 1), detail: 'cause: AccountKey=abc123secret;' }], { status: 'Failed' });
    const failed = (await directAudit.history(j.jobId)).find((e) => e.status === 'Failed');
    expect(failed?.detail).toBe('cause: AccountKey=[redacted];');
  });
});
