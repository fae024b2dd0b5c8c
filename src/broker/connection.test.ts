import { describe, expect, it } from 'vitest';
import { amqpUrls } from './connection.js';

describe('amqpUrls', () => {
  it('reads one URL or a comma-separated list of cluster nodes, spaces allowed', () => {
    expect(amqpUrls('amqp://guest:guest@127.0.0.1:5672')).toEqual(['amqp://guest:guest@127.0.0.1:5672']);
    expect(amqpUrls('amqp://a:5672, amqp://b:5673,amqp://c:5674')).toEqual(['amqp://a:5672', 'amqp://b:5673', 'amqp://c:5674']);
  });
});
