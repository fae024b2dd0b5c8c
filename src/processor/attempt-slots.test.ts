import { describe, expect, it } from 'vitest';
import { AttemptSlots } from './attempt-slots.js';

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('AttemptSlots', () => {
  it('grants at most `capacity` slots; the next waits until one is released, in order', async () => {
    const slots = new AttemptSlots(2);
    const a = await slots.take();
    const b = await slots.take();
    const granted: string[] = [];
    void slots.take().then((slot) => granted.push(slot ? 'c' : 'none'));
    void slots.take().then((slot) => granted.push(slot ? 'd' : 'none'));
    await flush();
    expect(slots.taken).toBe(2);
    expect(granted).toEqual([]);
    a!.release();
    a!.release(); // idempotent: frees one slot, not two
    await flush();
    expect(granted).toEqual(['c']);
    expect(slots.taken).toBe(2);
    b!.release();
    await flush();
    expect(granted).toEqual(['c', 'd']);
  });

  it('interrupts the attempts holding slots, and after close gives no slot to anyone waiting', async () => {
    const slots = new AttemptSlots(1);
    const slot = await slots.take();
    const stopped: string[] = [];
    slot!.hold({ stop: (reason) => stopped.push(reason.message) });
    const waiting = slots.take();
    slots.interruptAll(new Error('shutting down'));
    expect(stopped).toEqual(['shutting down']);
    slots.close();
    expect(await waiting).toBeUndefined();
    expect(await slots.take()).toBeUndefined();
    slot!.release();
    expect(slots.taken).toBe(0);
  });

  it('gives up a wait after `waitMs` without losing the slot that comes free later', async () => {
    const slots = new AttemptSlots(1);
    const held = await slots.take();
    const gaveUp = await slots.take(20);
    expect(gaveUp).toBeUndefined();
    const next = slots.take(10_000);
    held!.release();
    const granted = await next;
    expect(granted).toBeDefined();
    expect(slots.taken).toBe(1);
    granted!.release();
    expect(slots.taken).toBe(0);
  });
});
