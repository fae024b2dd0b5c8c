import { describe, expect, it } from 'vitest';
import type { AuditEvent, NewAuditEvent } from '../contracts/audit-event.js';
import { BackgroundEvents, MAX_PENDING } from './background-events.js';

const evt = (jobId: string): Omit<NewAuditEvent, 'timestamp'> => ({ jobId, status: 'Throttled', attempt: 0, processorId: 'p', message: 'm' });

describe('BackgroundEvents', () => {
  it('writes every event, dated when it was recorded, a few at a time, and counts failures', async () => {
    const written: Array<{ jobId: string; atMs: number | undefined }> = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const events = new BackgroundEvents(async (event, atMs) => {
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      await new Promise((resolve) => setTimeout(resolve, 2));
      inFlight--;
      if (event.jobId === 'bad') throw new Error('storage down');
      written.push({ jobId: event.jobId, atMs });
      return {} as AuditEvent;
    });
    for (let i = 0; i < 20; i++) events.record(evt(`j${i}`), 1000 + i);
    events.record(evt('bad'));
    await events.flush();
    expect(written.map((w) => w.jobId).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `j${i}`).sort());
    expect(written.find((w) => w.jobId === 'j3')?.atMs).toBe(1003);
    expect(maxInFlight).toBeLessThanOrEqual(4);
    expect(events.failed).toBe(1);
  });

  it('drops beyond its bound instead of growing without limit', async () => {
    let release: () => void = () => undefined;
    const blocked = new Promise<void>((resolve) => (release = resolve));
    const events = new BackgroundEvents(async () => {
      await blocked;
      return {} as AuditEvent;
    });
    for (let i = 0; i < MAX_PENDING + 10; i++) events.record(evt(`j${i}`));
    expect(events.dropped).toBe(6); // 4 taken by the writers, MAX_PENDING waiting, the rest dropped
    release();
    await events.flush();
  });
});
