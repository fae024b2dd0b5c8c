/**
 * Properties of the job-request parser, against an independent model of the contract's schema: it never throws,
 * it accepts exactly the requests the contract describes (with their defaults), it refuses every single-field
 * violation naming that field, and raw bodies go through size, UTF-8 and JSON checks first.
 */
import { isUtf8 } from 'node:buffer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_MESSAGE_BYTES, parseJobRequest, validateJobRequest } from './job-request.js';

/** The contract's jobId rule, written out by hand (not the implementation's regex). */
function isJobId(value: unknown): boolean {
  if (typeof value !== 'string' || value.length < 1 || value.length > 128) return false;
  const alnum = (c: string) => (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
  return alnum(value[0]!) && [...value].every((c) => alnum(c) || c === '.' || c === '_' || c === ':' || c === '-');
}

const hasControl = (s: string) => [...s].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);
/** Lengths are counted in characters (code points), as the schema counts them: an astral character is one. */
const chars = (s: string) => [...s].length;
/** Any text (astral characters, lone surrogates) of min..max characters. */
const text = (min: number, max: number) =>
  fc.string({ unit: 'binary', minLength: min, maxLength: max }).map((s) => [...s].slice(0, max).join('')).filter((s) => chars(s) >= min);
/** Text just over a limit, sometimes with astral characters. */
const over = (limit: number) =>
  fc.tuple(fc.integer({ min: limit + 1, max: limit + 40 }), fc.string({ unit: 'binary', maxLength: 3 })).map(([n, s]) => [...s, ...'x'.repeat(n)].slice(0, n).join(''));
const jobId = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/);
const type = fc.stringMatching(/^[A-Za-z][A-Za-z0-9._-]{0,63}$/);
const isoDate = fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }).map((d) => d.toISOString());

/** A request the contract says is valid, built field by field. */
const validRequest = fc.record(
  {
    jobId,
    jobName: text(1, 200),
    description: text(0, 2000),
    createdAt: isoDate,
    type,
    lockKey: text(1, 256).filter((s) => !hasControl(s)),
    maxAttempts: fc.integer({ min: 1, max: 100 }),
    priority: fc.integer({ min: 0, max: 255 }),
    inputFilePath: text(0, 1024),
    // A "__proto__" key inside processingParameters is dropped by the parser (see docs/RELIABILITY.md): left out here.
    processingParameters: fc.dictionary(fc.string().filter((key) => key !== '__proto__'), fc.jsonValue(), { maxKeys: 5 }),
  },
  { requiredKeys: ['jobId', 'jobName'] },
);

/** One field made invalid, and the field the reason must name. */
const violation: fc.Arbitrary<[string, unknown]> = fc.oneof(
  fc.tuple(fc.constant('jobId'), fc.oneof(fc.string(), fc.integer(), fc.constant(null)).filter((v) => !isJobId(v))),
  fc.tuple(fc.constant('jobName'), fc.oneof(fc.constant(''), over(200), fc.integer(), fc.constant(null), fc.boolean())),
  fc.tuple(fc.constant('description'), fc.oneof(over(2000), fc.integer(), fc.array(fc.string()))),
  fc.tuple(fc.constant('createdAt'), fc.oneof(fc.string({ maxLength: 12 }), fc.integer())),
  fc.tuple(fc.constant('type'), fc.string().filter((s) => !/^[A-Za-z][A-Za-z0-9._-]{0,63}$/.test(s))),
  fc.tuple(fc.constant('lockKey'), fc.oneof(fc.constant(''), over(256), fc.string().map((s) => `${s}\u0000`), fc.integer())),
  fc.tuple(fc.constant('maxAttempts'), fc.oneof(fc.integer({ max: 0 }), fc.integer({ min: 101 }), fc.double({ noNaN: false }).filter((n) => !Number.isInteger(n)), fc.string())),
  fc.tuple(fc.constant('priority'), fc.oneof(fc.integer({ max: -1 }), fc.integer({ min: 256 }), fc.constant(0.5), fc.string())),
  fc.tuple(fc.constant('inputFilePath'), fc.oneof(over(1024), fc.integer())),
  fc.tuple(fc.constant('processingParameters'), fc.oneof(fc.constant(null), fc.array(fc.integer()), fc.string(), fc.integer())),
);

const encode = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8');

describe('parseJobRequest and validateJobRequest (properties)', () => {
  it('never throw, whatever the bytes; a refusal always has a reason', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        const result = parseJobRequest(bytes);
        if (!result.ok) expect(result.reason.length).toBeGreaterThan(0);
      }),
      { numRuns: 2000 },
    );
  });

  it('never throw, whatever the value', () => {
    fc.assert(
      fc.property(fc.anything({ withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true, withNullPrototype: true }), (value) => {
        const result = validateJobRequest(value);
        expect(typeof result.ok).toBe('boolean');
      }),
      { numRuns: 2000 },
    );
  });

  it('accept every request the contract describes, applying its defaults', () => {
    const now = new Date('2026-11-22T10:00:00.000Z');
    fc.assert(
      fc.property(validRequest, (request) => {
        const result = parseJobRequest(encode(request), now);
        expect(result.ok, JSON.stringify(result)).toBe(true);
        if (!result.ok) return;
        // The request as it travels: through JSON (so -0 arrives as 0).
        const sent = JSON.parse(JSON.stringify(request)) as typeof request;
        expect(result.job).toEqual({
          ...sent,
          type: request.type ?? 'steps',
          lockKey: request.lockKey ?? request.jobId,
          createdAt: request.createdAt ?? now.toISOString(),
        });
        // What a processor parsed, serialized again, parses to the same job.
        expect(parseJobRequest(encode(result.job), now)).toEqual(result);
      }),
      { numRuns: 500 },
    );
  });

  it('refuse a request with any one field made invalid, naming the field; a usable jobId is kept for Rejected', () => {
    fc.assert(
      fc.property(validRequest, violation, (request, [field, bad]) => {
        const result = validateJobRequest({ ...request, [field]: bad });
        expect(result.ok).toBe(false);
        if (result.ok) return;
        expect(result.reason).toContain(field);
        if (field !== 'jobId') expect(result.jobId).toBe(request.jobId);
      }),
      { numRuns: 1000 },
    );
  });

  it('refuse unknown fields and accept a jobId exactly when the contract does', () => {
    fc.assert(
      fc.property(jobId, fc.string({ minLength: 1 }).filter((k) => !['jobId', 'jobName', 'description', 'createdAt', 'type', 'lockKey', 'maxAttempts', 'priority', 'inputFilePath', 'processingParameters'].includes(k)), (id, key) => {
        expect(validateJobRequest({ jobId: id, jobName: 'n', [key]: 1 }).ok).toBe(false);
      }),
    );
    const nearlyIds = fc.array(fc.oneof(fc.constantFrom(...'aZ09._:-/\\#?\'" <>%\u0000\u00e9'), fc.string({ maxLength: 2 })), { maxLength: 140 }).map((parts) => parts.join(''));
    fc.assert(
      fc.property(fc.oneof(nearlyIds, fc.string({ unit: 'binary' }), jobId), (id) => {
        expect(validateJobRequest({ jobId: id, jobName: 'n' }).ok).toBe(isJobId(id));
      }),
      { numRuns: 2000 },
    );
  });

  it('refuse raw bodies that are empty, too large, not UTF-8 or not JSON, before the schema', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4096 }), (extra) => {
        const result = parseJobRequest(Buffer.alloc(MAX_MESSAGE_BYTES + extra, 0x20));
        expect(result).toMatchObject({ ok: false, reason: expect.stringMatching(/limit/) });
      }),
      { numRuns: 20 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 256 }).filter((bytes) => !isUtf8(bytes)), (bytes) => {
        expect(parseJobRequest(bytes)).toMatchObject({ ok: false, reason: expect.stringMatching(/UTF-8/) });
      }),
    );
    fc.assert(
      fc.property(fc.string({ unit: 'binary', minLength: 1 }), (body) => {
        let isJson = true;
        try {
          JSON.parse(body.replace(/^\uFEFF/, ''));
        } catch {
          isJson = false;
        }
        const result = parseJobRequest(Buffer.from(body, 'utf8'));
        if (!isJson && isUtf8(Buffer.from(body, 'utf8'))) expect(result).toMatchObject({ ok: false, reason: expect.stringMatching(/not JSON/) });
      }),
    );
    expect(parseJobRequest(new Uint8Array(0))).toMatchObject({ ok: false, reason: expect.stringMatching(/empty/) });
  });
});
