/**
 * The recent-events index on Azurite: each 10-minute bucket spread over INDEX_SHARDS sub-partitions (one partition
 * per bucket would cap a fleet at Azure's 2,000 entities/s per partition), and read back merged, newest first.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../src/contracts/audit-event.js';
import { namesFor } from '../../src/contracts/names.js';
import { AZURITE_CONNECTION_STRING } from '../../src/core/config.js';
import { createStorageClients } from '../../src/storage/clients.js';
import { eventIdAt, INDEX_BUCKET_MS, INDEX_SHARDS, indexBucket, indexRowKey } from '../../src/storage/event-keys.js';
import { RecentIndex } from '../../src/storage/recent-index.js';
import { freshNamespace } from '../helpers/namespace.js';

const names = namesFor(freshNamespace('ri'));
const clients = createStorageClients(AZURITE_CONNECTION_STRING);
const table = clients.table(names.recentTable);
const index = new RecentIndex(table, { flushMs: 10 });

// 480 events, one every 5 s over 40 minutes: five 10-minute buckets, two of them partial.
const FIRST_BUCKET = Math.floor(Date.parse('2026-12-01T10:00:00.000Z') / INDEX_BUCKET_MS) * INDEX_BUCKET_MS;
const START = FIRST_BUCKET + 7 * 60_000;
const events: AuditEvent[] = Array.from({ length: 480 }, (_, i) => {
  const ms = START + i * 5000;
  return { jobId: `job-${String(i).padStart(3, '0')}`, eventId: eventIdAt(ms), status: 'Queued', message: `event ${i}`, timestamp: new Date(ms).toISOString(), processorId: 'test', attempt: 0 };
});
/** What the index must answer: newest first, by the row key (inverted time, then inverted counter). */
const newestFirst = [...events].sort((a, b) => (indexRowKey(Date.parse(a.timestamp), a.eventId) < indexRowKey(Date.parse(b.timestamp), b.eventId) ? -1 : 1));

beforeAll(async () => {
  await table.createTable();
  // In many small flushes, as events come: 48 batches of 10 (a few split at a bucket's end).
  for (let i = 0; i < events.length; i += 10) {
    index.add(events.slice(i, i + 10));
    await index.flush();
  }
});

afterAll(async () => {
  await table.deleteTable();
});

async function rowsPerPartition(of: typeof table): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for await (const entity of of.listEntities<Record<string, unknown>>({ queryOptions: { select: ['PartitionKey'] } })) {
    counts.set(entity.partitionKey!, (counts.get(entity.partitionKey!) ?? 0) + 1);
  }
  return counts;
}

describe('recent-events index', () => {
  it('spreads every bucket over its sub-partitions instead of one partition', async () => {
    const perPartition = await rowsPerPartition(table);
    expect([...perPartition.values()].reduce((a, b) => a + b, 0)).toBe(events.length);
    const fullBucket = FIRST_BUCKET + INDEX_BUCKET_MS; // a bucket wholly inside the run
    const rowsOfFullBucket = events.filter((e) => Math.floor(Date.parse(e.timestamp) / INDEX_BUCKET_MS) * INDEX_BUCKET_MS === fullBucket).length;
    expect(rowsOfFullBucket).toBe(120);
    const buckets = new Set([...perPartition.keys()].map((key) => key.split('-')[1]));
    expect(buckets.size).toBe(5);
    // 120 events of one bucket, written in 12–13 batches, each to the next sub-partition: none holds more than two batches.
    const bucketKey = [...perPartition.keys()].find((key) => key.endsWith(`-${indexBucket(fullBucket)}`))!.split('-')[1]!;
    const ofFullBucket = [...perPartition].filter(([key]) => key.endsWith(`-${bucketKey}`));
    expect(ofFullBucket.reduce((sum, [, rows]) => sum + rows, 0)).toBe(rowsOfFullBucket);
    expect(ofFullBucket.length).toBeGreaterThanOrEqual(12);
    expect(ofFullBucket.length).toBeLessThanOrEqual(INDEX_SHARDS);
    expect(Math.max(...ofFullBucket.map(([, rows]) => rows))).toBeLessThanOrEqual(20);
  });

  it('writes one flushed batch whole into one sub-partition: spreading costs no extra request', async () => {
    const other = clients.table(`${names.recentTable}b`);
    await other.createTable();
    try {
      const own = new RecentIndex(other, { flushMs: 10 });
      own.add(events.slice(40, 100)); // 60 events of one bucket
      await own.flush();
      const partitions = await rowsPerPartition(other);
      expect([...partitions.values()]).toEqual([60]);
      own.add(events.slice(100, 110));
      await own.flush();
      expect((await rowsPerPartition(other)).size).toBe(2); // the next batch: the next sub-partition
    } finally {
      await other.deleteTable();
    }
  });

  it('reads the newest events first, merged across sub-partitions and buckets', async () => {
    expect((await index.recent(25)).map((e) => e.jobId)).toEqual(newestFirst.slice(0, 25).map((e) => e.jobId));
    const all = await index.recent(1000);
    expect(all.map((e) => e.eventId)).toEqual(newestFirst.map((e) => e.eventId));
    expect(all[0]).toEqual(newestFirst[0]);
  });

  it('reads a time window newest first, cut at its start, at most the limit', async () => {
    const fromMs = START + 17 * 60_000 + 2500; // inside the second bucket, between two events
    const inWindow = newestFirst.filter((e) => Date.parse(e.timestamp) >= fromMs);
    expect(inWindow.length).toBeGreaterThan(200);
    expect((await index.since(fromMs, 1000)).map((e) => e.eventId)).toEqual(inWindow.map((e) => e.eventId));
    expect((await index.since(fromMs, 40)).map((e) => e.eventId)).toEqual(inWindow.slice(0, 40).map((e) => e.eventId));
    expect(await index.since(START + 41 * 60_000, 10)).toEqual([]);
  });
});
