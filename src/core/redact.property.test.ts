/**
 * Properties of redaction, the one guard between a secret and a log line: whatever the key or password, it does
 * not survive redact(), inside any text around it, nor inside log metadata.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { redact, redactDeep } from './redact.js';

const base64Key = fc.uint8Array({ minLength: 32, maxLength: 64 }).map((bytes) => Buffer.from(bytes).toString('base64'));
/** Text a secret may sit in: log prose, JSON, other connection-string fields — no characters that end a value. */
const surrounding = fc.string({ maxLength: 30 }).map((s) => s.replace(/[;\s"'=&]/g, ''));
/** Characters RFC 3986 allows unencoded in a URL's userinfo (unreserved and sub-delims), plus percent-encoding. */
const USERINFO = "ABCXYZabcxyz0189-._~!$&'()*+,;=";
const password = fc
  .array(fc.oneof(fc.constantFrom(...USERINFO), fc.constantFrom('%40', '%3A', '%2F', '%20')), { minLength: 8, maxLength: 40 })
  .map((parts) => parts.join(''));
const user = fc.array(fc.constantFrom(...'abcxyz0189-._~'), { minLength: 0, maxLength: 12 }).map((parts) => parts.join(''));

describe('redact (properties)', () => {
  it('hides any account key and any SAS signature in a connection string or URL', () => {
    fc.assert(
      fc.property(base64Key, surrounding, surrounding, (key, before, after) => {
        const connection = `${before} DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=${key};EndpointSuffix=core.windows.net ${after}`;
        expect(redact(connection)).not.toContain(key);
        const sas = `${before} https://acct.blob.core.windows.net/c?sv=2024-01-01&sig=${encodeURIComponent(key)}&se=x ${after}`;
        expect(redact(sas)).not.toContain(encodeURIComponent(key));
        expect(redact(`SharedAccessSignature=sv=2024&sig=${key}`)).not.toContain(key);
      }),
      { numRuns: 500 },
    );
  });

  it('hides the password of an AMQP URL in log metadata, at the depths log calls use', () => {
    fc.assert(
      // A distinctive prefix, so the secret cannot match a file name in the stack trace by chance.
      fc.property(fc.stringMatching(/^[A-Za-z0-9]{8,30}$/).map((s) => `S3cr3t-${s}`), fc.integer({ min: 0, max: 5 }), (secret, depth) => {
        let meta: unknown = { error: `connect failed: amqp://baton:${secret}@rabbit:5672/%2f?heartbeat=3` };
        for (let i = 0; i < depth; i++) meta = { nested: meta };
        expect(JSON.stringify(redactDeep(meta))).not.toContain(secret);
        expect(String(redactDeep(new Error(`amqp://baton:${secret}@rabbit`)))).not.toContain(secret);
      }),
    );
  });

  // Found `amqp://:secret@rabbit` and `amqp://baton:it's-secret@rabbit` passing through untouched (fixed in 0c49559).
  it('hides the password of any URL that RFC 3986 userinfo allows', () => {
    fc.assert(
      fc.property(fc.constantFrom('amqp', 'amqps', 'https'), user, password, surrounding, (scheme, name, secret, before) => {
        const url = `${before} ${scheme}://${name}:${secret}@rabbit.example:5671/vhost`;
        expect(redact(url)).not.toContain(secret);
      }),
      { numRuns: 1000 },
    );
  });
});
