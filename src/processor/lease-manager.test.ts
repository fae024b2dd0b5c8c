import { describe, expect, it, vi } from 'vitest';
import { LeaseLostError } from '../core/errors.js';
import type { LeaseStore, RenewOutcome } from '../storage/blob-lease-store.js';
import { LeaseManager } from './lease-manager.js';

/** A LeaseStore whose renew answers are scripted by the test. */
function fakeStore(answer: () => Promise<RenewOutcome>) {
  const renewals: string[] = [];
  const store: LeaseStore = {
    tryAcquire: async () => null,
    renew: async (lockKey, _leaseId, signal) => {
      // The real store passes this signal to the SDK; it must be a valid one (AbortSignal.timeout takes integers only).
      if (!(signal instanceof AbortSignal)) throw new Error('renew needs an AbortSignal');
      renewals.push(lockKey);
      return answer();
    },
    release: async () => undefined,
    isHeld: async () => false,
  };
  return { store, renewals };
}

function setup(answer: () => Promise<RenewOutcome>, leaseMs = 15_000, renewMs = 5_000) {
  let now = 0;
  const { store, renewals } = fakeStore(answer);
  const manager = new LeaseManager(store, { leaseMs, renewMs, safetyMs: 1000, now: () => now });
  return { manager, renewals, advance: (ms: number) => (now += ms), at: () => now };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('LeaseManager', () => {
  it('renews every lease once it is due, and not before', async () => {
    const { manager, renewals, advance } = setup(async () => 'Renewed');
    manager.track({ lockKey: 'a', leaseId: '1', acquiredAt: 0.25 });
    manager.track({ lockKey: 'b', leaseId: '2', acquiredAt: 0 });
    advance(4_999.5);
    manager.tick();
    expect(renewals).toEqual([]);
    advance(1);
    manager.tick();
    await flush();
    expect(renewals.sort()).toEqual(['a', 'b']);
    manager.close();
  });

  it('keeps a lease through transient renewal errors while its deadline lasts', async () => {
    let fail = true;
    const { manager, renewals, advance } = setup(async () => {
      if (fail) throw Object.assign(new Error('ECONNRESET'), { statusCode: undefined });
      return 'Renewed';
    });
    const held = manager.track({ lockKey: 'a', leaseId: '1', acquiredAt: 0 });
    for (let t = 0; t < 8; t++) {
      advance(1000);
      manager.tick();
      await flush();
    }
    expect(renewals.length).toBeGreaterThan(1); // retried on later ticks
    expect(held.isValid()).toBe(true);
    fail = false;
    advance(1000);
    manager.tick();
    await flush();
    expect(held.lastRenewedAt).toBe(9000);
    expect(held.signal.aborted).toBe(false);
    manager.close();
  });

  it('aborts the job when the service says the lease is lost', async () => {
    const { manager, advance } = setup(async () => 'Lost');
    const held = manager.track({ lockKey: 'a', leaseId: '1', acquiredAt: 0 });
    advance(5000);
    manager.tick();
    await flush();
    expect(held.signal.aborted).toBe(true);
    expect(held.signal.reason).toBeInstanceOf(LeaseLostError);
    manager.close();
  });

  it('declares a lease lost once its local deadline passes, as after a long pause', () => {
    const { manager, advance } = setup(async () => new Promise<RenewOutcome>(() => undefined));
    const held = manager.track({ lockKey: 'a', leaseId: '1', acquiredAt: 0 });
    advance(20_000); // frozen past the 15 s lease
    expect(held.isValid()).toBe(false);
    manager.tick();
    expect(held.signal.aborted).toBe(true);
    // The recorded end is the lease's last valid instant, not the moment the loss was noticed.
    expect((held.signal.reason as LeaseLostError).endedAt.getTime()).toBeLessThan(Date.now() - 4_000);
    manager.close();
  });

  it('uses one timer for any number of leases', () => {
    vi.useFakeTimers();
    try {
      const { manager } = setup(async () => 'Renewed');
      for (let i = 0; i < 500; i++) manager.track({ lockKey: `k${i}`, leaseId: `${i}`, acquiredAt: 0 });
      expect(vi.getTimerCount()).toBe(1);
      manager.close();
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('a released lease is invalid at once, and a renewal that answers after the release is no loss (defects 5, 10)', async () => {
    let answer: (outcome: RenewOutcome) => void = () => undefined;
    let now = 0;
    const { store } = fakeStore(() => new Promise<RenewOutcome>((resolve) => (answer = resolve)));
    const onLost = vi.fn();
    const onRenewal = vi.fn();
    const manager = new LeaseManager(store, { leaseMs: 15_000, renewMs: 5_000, safetyMs: 1000, now: () => now, onLost, onRenewal });
    const held = manager.track({ lockKey: 'a', leaseId: '1', acquiredAt: 0 });
    now = 5_000;
    manager.tick(); // the renewal is sent and waits for its answer
    await manager.release(held);
    expect(held.isValid()).toBe(false);
    answer('Lost'); // the service no longer knows the lease id we just gave up
    await flush();
    expect(onLost).not.toHaveBeenCalled();
    expect(onRenewal).not.toHaveBeenCalled();
    expect(held.lost).toBeUndefined();
    manager.close();
  });

  it('gives a lease up behind: invalid at once; an acquire of its key and drain wait for the answer', async () => {
    let answer: () => void = () => undefined;
    const released: string[] = [];
    const store: LeaseStore = {
      tryAcquire: async () => null,
      renew: async () => 'Renewed',
      release: (lockKey) =>
        new Promise<void>((resolve) => {
          answer = () => {
            released.push(lockKey);
            resolve();
          };
        }),
      isHeld: async () => false,
    };
    const manager = new LeaseManager(store, { leaseMs: 15_000, renewMs: 5_000, now: () => 0 });
    const held = manager.track({ lockKey: 'k', leaseId: '1', acquiredAt: 0 });
    manager.releaseBehind(held);
    expect(held.isValid()).toBe(false);
    expect(manager.size).toBe(0);
    let acquirable = false;
    let drained = false;
    void manager.released('k').then(() => (acquirable = true));
    void manager.drain().then(() => (drained = true));
    await flush();
    expect([acquirable, drained]).toEqual([false, false]);
    await expect(manager.released('other')).resolves.toBeUndefined();
    answer();
    await flush();
    expect([acquirable, drained, released]).toEqual([true, true, ['k']]);
    manager.close();
  });
});
