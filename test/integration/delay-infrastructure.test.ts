/** The binary-level delay infrastructure on the real RabbitMQ: never early, and a fixed number of queues. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import amqp, { type Channel, type ChannelModel, type ConfirmChannel } from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { namesFor } from '../../src/contracts/names.js';
import { DELAY_LEVELS, sendDelayed, withoutDeathHeaders } from '../../src/broker/delay-infrastructure.js';
import { assertTopology, deleteTopology } from '../../src/broker/topology.js';
import { freshNamespace } from '../helpers/namespace.js';
import { AMQP_URL, waitFor } from '../helpers/system.js';

const names = namesFor(freshNamespace('d'));
let connection: ChannelModel;
let channel: Channel;
let confirm: ConfirmChannel;

beforeAll(async () => {
  connection = await amqp.connect(AMQP_URL);
  channel = await connection.createChannel();
  confirm = await connection.createConfirmChannel();
  await assertTopology(channel, names);
  // Declaring it all again must not fail (every start-up does it).
  await assertTopology(channel, names);
});

afterAll(async () => {
  await deleteTopology(channel, names).catch(() => undefined);
  await connection.close().catch(() => undefined);
});

/** The namespace's queues as the broker lists them, with their message counts. */
async function brokerQueues(): Promise<Map<string, number>> {
  const { stdout } = await promisify(execFile)('rabbitmqctl', ['list_queues', 'name', 'messages', '--no-table-headers', '--quiet']);
  const queues = new Map<string, number>();
  for (const line of stdout.split('\n')) {
    const [name, messages] = line.trim().split(/\s+/);
    if (name?.startsWith(`${names.namespace}.`)) queues.set(name, Number(messages));
  }
  return queues;
}

describe('delay infrastructure', () => {
  it('delivers each message to its destination, never before its delay', async () => {
    const delays = [0, 150, 700, 1_300, 2_600, 4_100];
    const sentAt = new Map<string, number>();
    const arrivedAt = new Map<string, number>();
    const { consumerTag } = await channel.consume(names.jobsQueue, (message) => {
      if (!message) return;
      arrivedAt.set(message.content.toString(), Date.now());
      channel.ack(message);
    });
    try {
      // Reverse order: the long delays go first, so arrival order alone proves the waits happened.
      for (const delayMs of [...delays].reverse()) {
        const id = `delay-${delayMs}`;
        sentAt.set(id, Date.now());
        await sendDelayed(confirm, names, names.jobsQueue, delayMs, Buffer.from(id));
      }
      await waitFor(() => arrivedAt.size === delays.length, 'every delayed message', 30_000);
    } finally {
      await channel.cancel(consumerTag);
    }
    for (const delayMs of delays) {
      const id = `delay-${delayMs}`;
      const waited = arrivedAt.get(id)! - sentAt.get(id)!;
      expect(waited, id).toBeGreaterThanOrEqual(delayMs);
      expect(waited, id).toBeLessThan(delayMs + 10_000);
    }
    const order = [...arrivedAt.entries()].sort((a, b) => a[1] - b[1]).map(([id]) => id);
    expect(order).toEqual(delays.map((d) => `delay-${d}`));
  });

  it('delays a message again through the same levels once its dead-lettering history is stripped', async () => {
    // 0.7 s and 0.3 s share levels 1 and 0: a second trip with x-death kept would be dropped as a cycle.
    const take = async (): Promise<amqp.GetMessage> =>
      waitFor(async () => (await channel.get(names.jobsQueue, { noAck: true })) || undefined, 'the delayed message', 15_000, 50);
    await sendDelayed(confirm, names, names.jobsQueue, 700, Buffer.from('again'));
    const first = await take();
    expect(first.properties.headers?.['x-death']).toBeDefined();
    const resentAt = Date.now();
    await sendDelayed(confirm, names, names.jobsQueue, 300, first.content, { headers: withoutDeathHeaders(first.properties.headers ?? {}) });
    const second = await take();
    expect(Date.now() - resentAt).toBeGreaterThanOrEqual(300);
    expect(second.content.toString()).toBe('again');
  });

  it('keeps the queue count fixed with 1,000 messages of random delays from 1 s to 30 days', async () => {
    const before = await brokerQueues();
    expect(before.size).toBe(2 + DELAY_LEVELS);
    const dayMs = 86_400_000;
    const delays = Array.from({ length: 1000 }, () => 1_000 + Math.floor(Math.random() * 30 * dayMs));
    for (let i = 0; i < delays.length; i += 100) {
      await Promise.all(delays.slice(i, i + 100).map((delayMs, j) => sendDelayed(confirm, names, names.jobsQueue, delayMs, Buffer.from(`m${i + j}`))));
    }
    const after = await brokerQueues();
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    // Every message is somewhere in the namespace: in a level queue (or, for the shortest, already delivered).
    const held = [...after.values()].reduce((sum, n) => sum + n, 0);
    expect(held).toBe(1000);
    await channel.purgeQueue(names.jobsQueue);
  });
});
