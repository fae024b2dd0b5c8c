import { describe, expect, it } from 'vitest';
import { AZURITE_CONNECTION_STRING } from './config.js';
import { redact, redactDeep } from './redact.js';

describe('redact', () => {
  it('hides account keys, SAS signatures and URL passwords', () => {
    const text = `${AZURITE_CONNECTION_STRING} https://a.blob.core.windows.net/c?sv=1&sig=abc%2Fdef amqp://baton:s3cret@rabbit:5672`;
    const out = redact(text);
    expect(out).not.toContain('Eby8vdM02x');
    expect(out).not.toContain('abc%2Fdef');
    expect(out).not.toContain('s3cret');
    expect(out).toContain('AccountKey=[redacted]');
    expect(out).toContain('amqp://baton:[redacted]@rabbit:5672');
  });

  it('reaches into nested log metadata', () => {
    expect(redactDeep({ a: [{ url: 'amqp://u:p@h' }] })).toEqual({ a: [{ url: 'amqp://u:[redacted]@h' }] });
  });
});
