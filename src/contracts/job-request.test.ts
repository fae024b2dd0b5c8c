import { describe, expect, it } from 'vitest';
import { MAX_MESSAGE_BYTES, parseJobRequest } from './job-request.js';

const encode = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));

describe('parseJobRequest', () => {
  it('applies defaults: createdAt at receipt, type steps, lockKey = jobId', () => {
    const now = new Date('2026-11-22T10:00:00.000Z');
    const result = parseJobRequest(encode({ jobId: 'a1', jobName: 'n' }), now);
    expect(result).toEqual({ ok: true, job: { jobId: 'a1', jobName: 'n', type: 'steps', createdAt: now.toISOString(), lockKey: 'a1' } });
  });

  it.each([
    ['empty', Buffer.alloc(0), /empty/],
    ['not JSON', encode('{'), /not JSON/],
    ['invalid UTF-8', Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), /UTF-8/],
    ['too large', Buffer.alloc(MAX_MESSAGE_BYTES + 1, 0x20), /limit/],
    ['an array', encode([1, 2]), /body/],
    ['missing jobName', encode({ jobId: 'a' }), /jobName/],
    ['a bad jobId', encode({ jobId: "x' or 1 eq 1", jobName: 'n' }), /jobId/],
    ['an unknown field', encode({ jobId: 'a', jobName: 'n', extra: 1 }), /extra|Unrecognized/],
    ['a control character in the lock key', encode({ jobId: 'a', jobName: 'n', lockKey: 'a\u0000b' }), /lockKey/],
  ])('refuses %s with a reason', (_what, body, reason) => {
    const result = parseJobRequest(body);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(reason);
  });

  it('keeps unknown top-level fields when asked (a processor), and names them', () => {
    const now = new Date('2026-11-22T10:00:00.000Z');
    // Fields a later version may add (tenantId and runAt, once the examples here, are known now).
    const result = parseJobRequest(encode({ jobId: 'a1', jobName: 'n', region: 'eu', deadline: '2027-01-01T00:00:00Z' }), now, { unknownFields: 'keep' });
    expect(result).toEqual({
      ok: true,
      job: { jobId: 'a1', jobName: 'n', type: 'steps', createdAt: now.toISOString(), lockKey: 'a1', region: 'eu', deadline: '2027-01-01T00:00:00Z' },
      unknownFields: ['region', 'deadline'],
    });
    // Never kept: a field that would reach object prototypes.
    expect(parseJobRequest(encode('{"jobId":"a1","jobName":"n","__proto__":{"x":1}}'), now, { unknownFields: 'keep' }).ok).toBe(false);
    // A known field's rules still apply.
    expect(parseJobRequest(encode({ jobId: 'a1', jobName: 5, region: 'eu' }), now, { unknownFields: 'keep' }).ok).toBe(false);
    // The rule across fields too.
    expect(parseJobRequest(encode({ jobId: 'a1', jobName: 'n', region: 'eu', runAt: '2027-01-01T00:00:00Z', delayMs: 5 }), now, { unknownFields: 'keep' }).ok).toBe(false);
  });

  it('keeps a usable jobId from an otherwise invalid request, for the Rejected event', () => {
    const result = parseJobRequest(encode({ jobId: 'ok-id', jobName: 5 }));
    expect(result).toMatchObject({ ok: false, jobId: 'ok-id' });
  });
});
