/**
 * Properties of the config loader over every numeric setting and the namespace: in-range values are accepted
 * (from the environment or a flag, the flag winning), out-of-range and non-numeric ones are refused with a
 * ConfigError naming the variable and its flag, and a refused secret is never echoed.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadConfig, SETTINGS, type SettingKey } from './config.js';
import { ConfigError } from './errors.js';

/** The contract's ranges, written out here (not read from SETTINGS), so a drift in config.ts shows. */
const RANGES: ReadonlyArray<{ key: SettingKey; env: string; min: number; max: number; others?: Record<string, string> }> = [
  { key: 'concurrency', env: 'BATON_CONCURRENCY', min: 1, max: 1000 },
  { key: 'leaseSeconds', env: 'BATON_LEASE_SECONDS', min: 15, max: 60 },
  { key: 'deferSeconds', env: 'BATON_DEFER_SECONDS', min: 1, max: 3600 },
  { key: 'maxAttempts', env: 'BATON_MAX_ATTEMPTS', min: 1, max: 100 },
  { key: 'shutdownGraceSeconds', env: 'BATON_SHUTDOWN_GRACE_SECONDS', min: 0, max: 3600 },
  { key: 'retryBaseMs', env: 'BATON_RETRY_BASE_MS', min: 100, max: 600_000, others: { BATON_RETRY_MAX_MS: '3600000' } },
  { key: 'retryMaxMs', env: 'BATON_RETRY_MAX_MS', min: 1000, max: 3_600_000, others: { BATON_RETRY_BASE_MS: '100' } },
  { key: 'dashboardPort', env: 'BATON_DASHBOARD_PORT', min: 1, max: 65_535 },
  { key: 'metricsPort', env: 'BATON_METRICS_PORT', min: 1, max: 65_535 },
];

function refusal(env: Record<string, string>): ConfigError | undefined {
  try {
    loadConfig({ env, isTerminal: false });
    return undefined;
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error; // anything else is a crash, not a refusal
  }
}

const setting = fc.constantFrom(...RANGES);

describe('loadConfig (properties)', () => {
  it('accepts every in-range integer of every numeric setting, from the environment or a flag (the flag wins)', () => {
    fc.assert(
      fc.property(setting, fc.nat(), fc.nat(), (s, a, b) => {
        const inRange = (n: number) => s.min + (n % (s.max - s.min + 1));
        const fromEnv = loadConfig({ env: { ...s.others, [s.env]: String(inRange(a)) }, isTerminal: false });
        expect(fromEnv[s.key]).toBe(inRange(a));
        const withFlag = loadConfig({ env: { ...s.others, [s.env]: String(inRange(a)) }, flags: { [s.key]: String(inRange(b)) }, isTerminal: false });
        expect(withFlag[s.key]).toBe(inRange(b));
      }),
      { numRuns: 500 },
    );
  });

  it('refuses every out-of-range or non-integer value with a ConfigError naming the variable and the flag', () => {
    const outside = (s: (typeof RANGES)[number]) =>
      fc.oneof(
        fc.integer({ min: -1_000_000, max: s.min - 1 }).map(String),
        fc.integer({ min: s.max + 1, max: s.max + 1_000_000 }).map(String),
        fc.double({ min: s.min, max: s.max, noNaN: true }).filter((n) => !Number.isInteger(n)).map(String),
        fc.stringMatching(/^[a-zA-Z][a-zA-Z_ -]{0,12}$/).filter((t) => t !== 'off' && t !== 'Infinity'),
      );
    fc.assert(
      fc.property(setting.chain((s) => fc.tuple(fc.constant(s), outside(s))), ([s, value]) => {
        const error = refusal({ ...s.others, [s.env]: value });
        expect(error, `${s.env}=${value}`).toBeInstanceOf(ConfigError);
        expect(error!.message).toContain(s.env);
        expect(error!.message).toContain(SETTINGS[s.key].flag);
      }),
      { numRuns: 1000 },
    );
  });

  it('takes a renewal period exactly when it is below the lease', () => {
    fc.assert(
      fc.property(fc.integer({ min: 15, max: 60 }), fc.integer({ min: 1, max: 59 }), (lease, renew) => {
        const error = refusal({ BATON_LEASE_SECONDS: String(lease), BATON_RENEW_SECONDS: String(renew) });
        if (renew < lease) expect(error).toBeUndefined();
        else expect(error?.message).toMatch(/BATON_RENEW_SECONDS/);
      }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 15, max: 60 }), (lease) => {
        const config = loadConfig({ env: { BATON_LEASE_SECONDS: String(lease) } });
        expect(config.renewSeconds).toBeLessThan(lease);
        expect(config.renewSeconds).toBeGreaterThanOrEqual(1);
      }),
    );
  });

  it('accepts a namespace exactly when the contract does', () => {
    const isNamespace = (s: string) =>
      s.length >= 3 && s.length <= 20 && s[0]! >= 'a' && s[0]! <= 'z' && [...s].every((c) => (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'));
    fc.assert(
      fc.property(fc.oneof(fc.stringMatching(/^[a-z][a-z0-9]{2,19}$/), fc.string({ minLength: 1, maxLength: 24 })), (namespace) => {
        const error = refusal({ BATON_NAMESPACE: namespace });
        expect(error === undefined, namespace).toBe(isNamespace(namespace));
        if (error) expect(error.message).toContain('BATON_NAMESPACE');
      }),
      { numRuns: 1000 },
    );
  });

  it('never echoes a refused secret', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9]{12,40}$/), fc.constantFrom('http://', 'amqp:/', 'ftp://', ''), (secret, scheme) => {
        const error = refusal({ BATON_AMQP_URL: `${scheme}baton:${secret}@rabbit:5672` });
        expect(error?.message).toContain('BATON_AMQP_URL');
        expect(error?.message).not.toContain(secret);
        const tooShort = secret.slice(0, 9);
        const storage = refusal({ BATON_STORAGE_CONNECTION_STRING: tooShort });
        expect(storage?.message).toContain('BATON_STORAGE_CONNECTION_STRING');
        expect(storage?.message).not.toContain(tooShort);
        const token = refusal({ BATON_DASHBOARD_TOKEN: tooShort });
        expect(token?.message).not.toContain(tooShort);
      }),
    );
  });
});
