import { describe, expect, it } from 'vitest';
import { ConfigError } from './errors.js';
import { loadConfig, parseDashboardTokens } from './config.js';

describe('loadConfig', () => {
  it('applies the contract defaults', () => {
    const config = loadConfig({ env: {}, isTerminal: false });
    expect(config).toMatchObject({
      amqpUrl: 'amqp://guest:guest@127.0.0.1:5672', namespace: 'baton', concurrency: 1, leaseSeconds: 60, renewSeconds: 20,
      deferSeconds: 10, maxAttempts: 5, shutdownGraceSeconds: 30, dashboardHost: '127.0.0.1', dashboardPort: 5002,
      logLevel: 'info', logFormat: 'json', metricsPort: undefined, handlers: undefined, queueType: 'classic',
    });
  });

  it('takes flags over the environment', () => {
    const config = loadConfig({ env: { BATON_CONCURRENCY: '3' }, flags: { concurrency: '7' } });
    expect(config.concurrency).toBe(7);
  });

  it('derives the renewal period from a short lease', () => {
    expect(loadConfig({ env: { BATON_LEASE_SECONDS: '15' } }).renewSeconds).toBe(5);
  });

  it.each([
    ['BATON_LEASE_SECONDS', '90', /BATON_LEASE_SECONDS \(--lease-seconds\) must be an integer from 15 to 60; got "90"/],
    ['BATON_CONCURRENCY', 'many', /BATON_CONCURRENCY \(--concurrency\) must be an integer from 1 to 1000/],
    ['BATON_NAMESPACE', 'Bad-Name', /BATON_NAMESPACE/],
    ['BATON_METRICS_PORT', '70000', /"off" or a port/],
    ['BATON_LOG_LEVEL', 'loud', /error, warn, info or debug/],
    ['BATON_QUEUE_TYPE', 'stream', /BATON_QUEUE_TYPE \(--queue-type\) must be classic or quorum; got "stream"/],
    ['BATON_AMQP_URL', 'amqp://a:5672,,amqp://b:5672', /BATON_AMQP_URL \(--amqp-url\) must be an amqp:\/\/ or amqps:\/\/ URL, or several/],
  ])('refuses %s=%s with a message naming it and the range', (name, value, message) => {
    expect(() => loadConfig({ env: { [name]: value } })).toThrow(ConfigError);
    expect(() => loadConfig({ env: { [name]: value } })).toThrow(message);
  });

  it('refuses a renewal period not below the lease', () => {
    expect(() => loadConfig({ env: { BATON_LEASE_SECONDS: '20', BATON_RENEW_SECONDS: '20' } })).toThrow(/must be below BATON_LEASE_SECONDS/);
  });

  it('takes quorum queues and a list of cluster nodes', () => {
    const config = loadConfig({ env: { BATON_QUEUE_TYPE: 'quorum', BATON_AMQP_URL: 'amqp://u:p@node-a:5672,amqp://u:p@node-b:5672, amqps://u:p@node-c:5671' } });
    expect(config.queueType).toBe('quorum');
    expect(config.amqpUrl.split(',')).toHaveLength(3);
  });

  it('never echoes a secret it refuses', () => {
    const secret = 'amqp-bad://user:hunter2@host';
    expect(() => loadConfig({ env: { BATON_AMQP_URL: secret } })).toThrow(/got \(hidden\)/);
  });

  it('reads BATON_DASHBOARD_TOKENS as name:role:secret entries and refuses a bad one without echoing it', () => {
    expect(parseDashboardTokens('ann:operator:0123456789abcdef, vic:viewer:fedcba9876543210:x')).toEqual([
      { name: 'ann', role: 'operator', secret: '0123456789abcdef' },
      { name: 'vic', role: 'viewer', secret: 'fedcba9876543210:x' },
    ]);
    for (const bad of ['ann:admin:0123456789abcdef', 'ann:viewer:short', 'a/b:viewer:0123456789abcdef', 'ann:viewer:0123456789abcdef,ann:operator:fedcba9876543210']) {
      expect(parseDashboardTokens(bad), bad).toBeUndefined();
      expect(() => loadConfig({ env: { BATON_DASHBOARD_TOKENS: bad } })).toThrow(/BATON_DASHBOARD_TOKENS .*got \(hidden\)/);
    }
  });
});
