import { describe, expect, it } from 'vitest';
import { ConfigError } from '../core/errors.js';
import { declareQueue, explainDeclareError, queueOptions } from './queue-type.js';

describe('queueOptions', () => {
  it('declares classic queues exactly as earlier Baton did (no x-queue-type), so existing queues re-declare cleanly', () => {
    expect(queueOptions('classic', { role: 'jobs' })).toEqual({ durable: true });
    expect(queueOptions('classic', { role: 'dead-letter' })).toEqual({ durable: true });
    expect(queueOptions('classic', { role: 'delay', messageTtlMs: 500, deadLetterExchange: 'ns.delay.next' })).toEqual({
      durable: true,
      arguments: { 'x-message-ttl': 500, 'x-dead-letter-exchange': 'ns.delay.next' },
    });
  });

  it('makes every role a quorum queue when asked', () => {
    for (const role of [{ role: 'jobs' }, { role: 'dead-letter' }, { role: 'delay', messageTtlMs: 100, deadLetterExchange: 'ns.delay.next' }] as const) {
      expect(queueOptions('quorum', role).arguments?.['x-queue-type']).toBe('quorum');
      expect(queueOptions('quorum', role).durable).toBe(true);
    }
  });

  it('dead-letters at least once from quorum delay queues (which needs reject-publish overflow)', () => {
    const args = queueOptions('quorum', { role: 'delay', messageTtlMs: 1000, deadLetterExchange: 'ns.delay.next' }).arguments;
    expect(args).toMatchObject({
      'x-message-ttl': 1000,
      'x-dead-letter-exchange': 'ns.delay.next',
      'x-dead-letter-strategy': 'at-least-once',
      'x-overflow': 'reject-publish',
    });
    expect(queueOptions('classic', { role: 'delay', messageTtlMs: 1000, deadLetterExchange: 'ns.delay.next' }).arguments).not.toHaveProperty('x-dead-letter-strategy');
  });

  it('gives priority levels to classic jobs queues only: quorum queues refuse x-max-priority before RabbitMQ 4.0', () => {
    expect(queueOptions('classic', { role: 'jobs', maxPriority: 9 }).arguments).toEqual({ 'x-max-priority': 9 });
    expect(queueOptions('quorum', { role: 'jobs', maxPriority: 9 }).arguments).not.toHaveProperty('x-max-priority');
  });
});

describe('explainDeclareError', () => {
  const mismatch = new Error(
    "Operation failed: QueueDeclare; 406 (PRECONDITION-FAILED) with message \"PRECONDITION_FAILED - inequivalent arg 'x-queue-type' for queue 'ns.jobs' in vhost '/': received the value 'quorum' of type 'longstr' but current is none\"",
  );

  it('turns a queue-type mismatch into a ConfigError naming BATON_QUEUE_TYPE, the queue and the way out', () => {
    const explained = explainDeclareError(mismatch, 'ns.jobs', 'quorum');
    expect(explained).toBeInstanceOf(ConfigError);
    expect((explained as Error).message).toMatch(/BATON_QUEUE_TYPE/);
    expect((explained as Error).message).toMatch(/"ns\.jobs" already exists as a classic queue/);
    expect((explained as Error).message).toMatch(/BATON_QUEUE_TYPE=classic/);
  });

  it('recognises a classic jobs queue with priorities met by a quorum declaration (RabbitMQ names x-max-priority first)', () => {
    const priority = new Error("PRECONDITION_FAILED - inequivalent arg 'x-max-priority' for queue 'ns.jobs' in vhost '/': received none but current is the value '10' of type 'byte'");
    expect(explainDeclareError(priority, 'ns.jobs', 'quorum')).toBeInstanceOf(ConfigError);
    // For a classic declaration the same words mean a first edition's queue: the probe handles it, not this.
    expect(explainDeclareError(priority, 'ns.jobs', 'classic')).toBe(priority);
  });

  it('leaves every other error alone', () => {
    const other = new Error("PRECONDITION_FAILED - inequivalent arg 'x-message-ttl' for queue 'ns.delay.1000ms'");
    expect(explainDeclareError(other, 'ns.delay.1000ms', 'quorum')).toBe(other);
    const closed = new Error('Channel closed');
    expect(explainDeclareError(closed, 'ns.jobs', 'classic')).toBe(closed);
  });

  it('is applied by declareQueue', async () => {
    const channel = { assertQueue: () => Promise.reject(mismatch) };
    await expect(declareQueue(channel, 'ns.jobs', 'quorum', { role: 'jobs' })).rejects.toBeInstanceOf(ConfigError);
    const ok = { assertQueue: () => Promise.resolve({}) };
    await expect(declareQueue(ok, 'ns.jobs', 'quorum', { role: 'jobs' })).resolves.toBe('ns.jobs');
  });
});
