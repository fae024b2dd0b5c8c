import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AuditEvent } from '../contracts/audit-event.js';
import { EventFeed, type IndexReader } from './event-feed.js';

/** An index held in memory: what since() would answer from the table, newest first. */
class MemoryIndex implements IndexReader {
  events: AuditEvent[] = [];
  reads = 0;
  async since(fromMs: number, limit: number): Promise<AuditEvent[]> {
    this.reads++;
    return this.events.filter((e) => Date.parse(e.timestamp) >= fromMs).sort((a, b) => (a.timestamp < b.timestamp ? 1 : -1)).slice(0, limit);
  }
  add(id: string, atMs = Date.now()): AuditEvent {
    const event: AuditEvent = { jobId: 'j', eventId: id, status: 'Queued', message: '', timestamp: new Date(atMs).toISOString(), processorId: 'p', attempt: 0 };
    this.events.push(event);
    return event;
  }
}

afterEach(() => vi.useRealTimers());

describe('EventFeed', () => {
  it('delivers only what arrives after the first poll, once, oldest first, including late writes', async () => {
    vi.useFakeTimers();
    const index = new MemoryIndex();
    index.add('before');
    const feed = new EventFeed(index, { pollMs: 1000, lookbackMs: 10_000 });
    const got: string[] = [];
    const unsubscribe = feed.subscribe((events) => got.push(...events.map((e) => e.eventId)));
    await vi.advanceTimersByTimeAsync(0);
    index.add('new-1');
    index.add('new-2', Date.now() + 1);
    await vi.advanceTimersByTimeAsync(1000);
    // Written behind by a slow process: stamped 5 s ago, indexed only now.
    index.add('late', Date.now() - 5000);
    await vi.advanceTimersByTimeAsync(1000);
    await vi.advanceTimersByTimeAsync(1000);
    expect(got).toEqual(['new-1', 'new-2', 'late']);
    unsubscribe();
  });

  it('polls only while someone listens', async () => {
    vi.useFakeTimers();
    const index = new MemoryIndex();
    const feed = new EventFeed(index, { pollMs: 1000 });
    await vi.advanceTimersByTimeAsync(5000);
    expect(index.reads).toBe(0);
    const a = feed.subscribe(() => undefined);
    const b = feed.subscribe(() => undefined);
    await vi.advanceTimersByTimeAsync(3000);
    expect(index.reads).toBe(4); // one shared poller: at 0, 1, 2 and 3 s
    a();
    b();
    await vi.advanceTimersByTimeAsync(5000);
    expect(index.reads).toBe(4);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('keeps polling after a failed read', async () => {
    vi.useFakeTimers();
    let fail = true;
    const index = new MemoryIndex();
    const flaky: IndexReader = { since: (from, limit) => (fail ? Promise.reject(new Error('down')) : index.since(from, limit)) };
    const feed = new EventFeed(flaky, { pollMs: 1000 });
    const got: string[] = [];
    feed.subscribe((events) => got.push(...events.map((e) => e.eventId)));
    await vi.advanceTimersByTimeAsync(2000);
    fail = false;
    await vi.advanceTimersByTimeAsync(1000); // primes
    index.add('after-outage');
    await vi.advanceTimersByTimeAsync(1000);
    expect(got).toEqual(['after-outage']);
    feed.close();
  });
});
