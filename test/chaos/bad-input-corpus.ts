/**
 * @module Hostile and odd message bodies for `<ns>.jobs`, each with what must become of it: `dead` (dead-lettered
 * with a reason matching `reason`, and a Rejected event when its jobId is usable) or `complete` (a legal job,
 * however odd: it runs once and its text is stored as text).
 */

export interface CorpusEntry {
  readonly name: string;
  readonly body: Buffer;
  readonly headers?: Record<string, unknown>;
  readonly expect: 'dead' | 'complete';
  /** For `dead`: what the x-baton-reason header must say. */
  readonly reason?: RegExp;
  /** A jobId the pattern accepts: a `dead` entry gets a Rejected event under it, a `complete` one completes under it. */
  readonly jobId?: string;
}

const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const quick = { steps: 1, stepMs: 0 };

/** Builds the corpus; `prefix` keeps jobIds apart between runs. */
export function badInputCorpus(prefix: string): CorpusEntry[] {
  const id = (suffix: string) => `${prefix}-${suffix}`;
  const dead = (name: string, body: Buffer, reason: RegExp, jobId?: string): CorpusEntry => ({ name, body, expect: 'dead', reason, ...(jobId ? { jobId } : {}) });
  const ok = (name: string, jobId: string, fields: Record<string, unknown>, headers?: Record<string, unknown>): CorpusEntry => ({
    name, expect: 'complete', jobId, body: json({ jobId, jobName: name, processingParameters: quick, ...fields }), ...(headers ? { headers } : {}),
  });
  const entries: CorpusEntry[] = [
    dead('empty body', Buffer.alloc(0), /empty/),
    dead('not JSON', Buffer.from('hello {'), /not JSON/),
    dead('truncated JSON', Buffer.from(`{"jobId":"${id('trunc')}","jobName":"cut`), /not JSON/),
    dead('JSON null', Buffer.from('null'), /body/),
    dead('JSON number', Buffer.from('42'), /body/),
    dead('JSON string', Buffer.from('"a job"'), /body/),
    dead('JSON array of a valid job', json([{ jobId: id('in-array'), jobName: 'x' }]), /body/),
    dead('empty object', json({}), /jobId/),
    dead('missing jobName', json({ jobId: id('no-name') }), /jobName/, id('no-name')),
    dead('missing jobId', json({ jobName: 'no id' }), /jobId/),
    dead('numeric jobId', json({ jobId: 12345, jobName: 'numeric id' }), /jobId/),
    dead('numeric jobName', json({ jobId: id('typed'), jobName: 42 }), /jobName/, id('typed')),
    dead('string maxAttempts', json({ jobId: id('attempts-text'), jobName: 'x', maxAttempts: 'three' }), /maxAttempts/, id('attempts-text')),
    dead('empty jobName', json({ jobId: id('empty-name'), jobName: '' }), /jobName/, id('empty-name')),
    dead('jobName of 201 characters', json({ jobId: id('long-name'), jobName: 'n'.repeat(201) }), /jobName/, id('long-name')),
    dead('2 MB body', json({ jobId: id('2mb'), jobName: 'big', description: 'x'.repeat(2 * 1024 * 1024) }), /limit/),
    dead('20 MB body', json({ jobId: id('20mb'), jobName: 'huge', description: 'x'.repeat(20 * 1024 * 1024) }), /limit/),
    dead('invalid UTF-8', Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), /UTF-8/),
    dead('UTF-16 encoded JSON', Buffer.from(`{"jobId":"${id('utf16')}","jobName":"x"}`, 'utf16le'), /not JSON/),
    dead('OData injection in jobId', json({ jobId: "x' or PartitionKey ne '", jobName: 'odata' }), /jobId/),
    dead('path traversal in jobId', json({ jobId: '../../etc/passwd', jobName: 'path' }), /jobId/),
    dead('slash, hash and question mark in jobId', json({ jobId: 'a/b#c?d', jobName: 'keys' }), /jobId/),
    dead('control character in jobId', json({ jobId: 'a\u0000b', jobName: 'nul' }), /jobId/),
    dead('jobId of 129 characters', json({ jobId: `a${'b'.repeat(128)}`, jobName: 'long id' }), /jobId/),
    dead('jobId starting with a dot', json({ jobId: '.hidden', jobName: 'dot' }), /jobId/),
    dead('markup in jobId', json({ jobId: '<script>alert(1)</script>', jobName: 'x' }), /jobId/),
    dead('huge maxAttempts', json({ jobId: id('attempts-huge'), jobName: 'x', maxAttempts: 1e308 }), /maxAttempts/, id('attempts-huge')),
    dead('negative maxAttempts', json({ jobId: id('attempts-neg'), jobName: 'x', maxAttempts: -1 }), /maxAttempts/, id('attempts-neg')),
    dead('fractional maxAttempts', json({ jobId: id('attempts-frac'), jobName: 'x', maxAttempts: 2.5 }), /maxAttempts/, id('attempts-frac')),
    dead('priority 256', json({ jobId: id('priority'), jobName: 'x', priority: 256 }), /priority/, id('priority')),
    dead('negative steps', json({ jobId: id('steps-neg'), jobName: 'x', processingParameters: { steps: -3 } }), /steps/, id('steps-neg')),
    dead('huge steps', json({ jobId: id('steps-huge'), jobName: 'x', processingParameters: { steps: 1e20 } }), /steps/, id('steps-huge')),
    dead('infinite failTimes (1e400)', Buffer.from(`{"jobId":"${id('inf')}","jobName":"x","processingParameters":{"steps":1,"stepMs":0,"failTimes":1e400}}`), /failTimes/, id('inf')),
    dead('text stepMs', json({ jobId: id('stepms-text'), jobName: 'x', processingParameters: { stepMs: 'fast' } }), /stepMs/, id('stepms-text')),
    // (A type no processor knows is not invalid: it waits for a processor that has the handler; see test/integration/mixed-fleet.test.ts.)
    dead('markup as type', json({ jobId: id('markup-type'), jobName: 'x', type: '<b>steps</b>' }), /type/, id('markup-type')),
    dead('processingParameters as an array', json({ jobId: id('params-array'), jobName: 'x', processingParameters: [1, 2] }), /processingParameters/, id('params-array')),
    dead('processingParameters null', json({ jobId: id('params-null'), jobName: 'x', processingParameters: null }), /processingParameters/, id('params-null')),
    dead('createdAt not a date', json({ jobId: id('created'), jobName: 'x', createdAt: 'yesterday' }), /createdAt/, id('created')),
    // Kept, with a warning: a field of a newer edition must not dead-letter a job during a rolling upgrade.
    ok('unknown field', id('extra'), { extra: true }),
    dead('__proto__ field', Buffer.from(`{"__proto__":{"polluted":true},"jobId":"${id('proto')}","jobName":"x"}`), /__proto__/, id('proto')),
    dead('empty lockKey', json({ jobId: id('lock-empty'), jobName: 'x', lockKey: '' }), /lockKey/, id('lock-empty')),
    dead('control character in lockKey', json({ jobId: id('lock-ctl'), jobName: 'x', lockKey: 'a\u0007b' }), /lockKey/, id('lock-ctl')),
    dead('lockKey of 257 characters', json({ jobId: id('lock-long'), jobName: 'x', lockKey: 'k'.repeat(257) }), /lockKey/, id('lock-long')),
    ok('<img src=x onerror=alert(1)><script>alert(2)</script>', id('markup'), { description: '<svg onload=alert(3)>' }),
    ok('a colon and dots in the jobId', `${prefix}:tenant.42.report-1`, {}),
    ok('lone \ud800 surrogate and \u202e right-to-left 📦', id('unicode'), {}),
    ok('tab\tand\nnewline in the name', id('whitespace'), {}),
    ok('n'.repeat(200), id('name-200'), {}),
    ok('OData and path characters in the lock key', id('odd-lock'), { lockKey: "../x' or 1 eq 1 #?/" }),
    {
      // 40,000 levels (JSON.parse copes; JSON.stringify or any recursive walk would overflow the stack).
      name: 'deeply nested parameters', expect: 'complete', jobId: id('deep'),
      body: Buffer.from(`{"jobId":"${id('deep')}","jobName":"deeply nested parameters","processingParameters":{"steps":1,"stepMs":0,"nested":${'{"a":'.repeat(40_000)}1${'}'.repeat(40_000)}}}`),
    },
    ok('a byte order mark before the JSON', id('bom'), {}),
    ok('hostile headers', id('headers'), {}, { 'x-baton-hops': 'lots', 'x-baton-reason': '<b>forged</b>', 'x-death': 'nonsense' }),
  ];
  return entries.map((entry) => (entry.name === 'a byte order mark before the JSON' ? { ...entry, body: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), entry.body]) } : entry));
}
