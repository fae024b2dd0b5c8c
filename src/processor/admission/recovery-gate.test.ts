import { describe, expect, it } from 'vitest';
import { recoveryAnswer, type RecoveryReads } from './recovery-gate.js';

/** Reads answering from fixed values, counting the lease reads (a blob request each). */
function reads(state: Awaited<ReturnType<RecoveryReads['state']>>, leaseHeld: boolean) {
  const asked = { lease: 0 };
  const value: RecoveryReads = {
    state: async () => state,
    leaseHeld: async () => {
      asked.lease++;
      return leaseHeld;
    },
  };
  return { value, asked };
}

describe('recoveryAnswer', () => {
  it('sends the copy round again while its attempt runs and holds the lease', async () => {
    expect(await recoveryAnswer(3, reads({ status: 'Started', attempts: 3 }, true).value)).toBe('rearm');
  });

  it('runs the job when its attempt never ended and nobody holds the lease (the processor died)', async () => {
    expect(await recoveryAnswer(3, reads({ status: 'Started', attempts: 3 }, false).value)).toBe('run');
  });

  it.each(['Completed', 'DeadLettered', 'Retrying', 'Interrupted', 'Cancelled'] as const)('drops the copy once its attempt ended (%s), without asking the lease', async (status) => {
    const { value, asked } = reads({ status, attempts: 3 }, true);
    expect(await recoveryAnswer(3, value)).toBe('drop');
    expect(asked.lease).toBe(0);
  });

  it('drops the copy of an earlier attempt once a later one began, even while that one runs', async () => {
    expect(await recoveryAnswer(3, reads({ status: 'Started', attempts: 4 }, true).value)).toBe('drop');
    expect(await recoveryAnswer(3, reads({ status: 'Started', attempts: 4 }, false).value)).toBe('drop');
  });

  it('lets the lease decide when the job has no state row at all', async () => {
    expect(await recoveryAnswer(1, reads(undefined, true).value)).toBe('rearm');
    expect(await recoveryAnswer(1, reads(undefined, false).value)).toBe('run');
  });

  it('fails (the caller holds the message back) when storage does', async () => {
    const failing: RecoveryReads = { state: async () => ({ status: 'Started', attempts: 1 }), leaseHeld: () => Promise.reject(new Error('no answer')) };
    await expect(recoveryAnswer(1, failing)).rejects.toThrow('no answer');
  });
});
