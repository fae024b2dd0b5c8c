/** The fault proxies themselves, against the real Azurite and RabbitMQ: each action does what it says. */
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TableClient, AzureNamedKeyCredential } from '@azure/data-tables';
import { namesFor } from '../../src/contracts/names.js';
import { AZURITE_CONNECTION_STRING } from '../../src/core/config.js';
import { createStorageClients, parseConnectionString } from '../../src/storage/clients.js';
import { startStorageProxies, TcpFaultProxy, toxic, transactionWith } from '../helpers/fault-proxy.js';
import { freshNamespace } from '../helpers/namespace.js';
import { AMQP_URL, waitFor } from '../helpers/system.js';

const names = namesFor(freshNamespace('fp'));
const direct = createStorageClients(AZURITE_CONNECTION_STRING);
let proxies: Awaited<ReturnType<typeof startStorageProxies>>;

/** A table client through the proxy with the SDK's own retries off, to see each request's fate. */
function rawTable(connectionString: string): TableClient {
  const account = parseConnectionString(connectionString);
  return new TableClient(account.tableEndpoint, names.auditTable, new AzureNamedKeyCredential(account.accountName, account.accountKey!), {
    allowInsecureConnection: true,
    retryOptions: { maxRetries: 0 },
  });
}

beforeAll(async () => {
  proxies = await startStorageProxies({ seed: 42 });
  await direct.table(names.auditTable).createTable();
});

afterAll(async () => {
  await proxies.close();
  await direct.table(names.auditTable).deleteTable().catch(() => undefined);
  await direct.blobService.getContainerClient(names.locksContainer).deleteIfExists();
});

describe('HttpFaultProxy', () => {
  it('passes table requests, transactions (multipart bodies) and blob leases through, over kept-alive connections', async () => {
    const clients = createStorageClients(proxies.connectionString);
    const table = clients.table(names.auditTable);
    const before = proxies.table.counters.passed;
    await table.createEntity({ partitionKey: 'pass', rowKey: 'a', value: 1 });
    await table.submitTransaction([
      ['create', { partitionKey: 'pass', rowKey: 'b', value: 2 }],
      ['create', { partitionKey: 'pass', rowKey: 'c', value: 'x'.repeat(20_000) }],
    ]);
    const rows = [];
    for await (const row of direct.table(names.auditTable).listEntities({ queryOptions: { filter: "PartitionKey eq 'pass'" } })) rows.push(row.rowKey);
    expect(rows).toEqual(['a', 'b', 'c']);
    expect(proxies.table.counters.passed - before).toBe(2);

    const container = clients.blobService.getContainerClient(names.locksContainer);
    await container.createIfNotExists();
    const blob = container.getBlockBlobClient('lock');
    await blob.upload('', 0);
    const lease = await blob.getBlobLeaseClient().acquireLease(15);
    expect(lease.leaseId).toBeTruthy();
    await blob.getBlobLeaseClient(lease.leaseId).releaseLease();
    expect(proxies.blob.counters.passed).toBeGreaterThanOrEqual(4);
  });

  it('dropAnswer: the service applies the write, the client sees no answer (and the SDK retry meets its own row)', async () => {
    const rule = proxies.table.addRule({ method: 'POST', when: (r) => r.text.includes('"dropped"'), times: 1, action: toxic.dropAnswer });
    await expect(rawTable(proxies.connectionString).createEntity({ partitionKey: 'drop', rowKey: 'dropped' })).rejects.toThrow();
    expect(rule.hits).toBe(1);
    expect((await direct.table(names.auditTable).getEntity('drop', 'dropped')).rowKey).toBe('dropped');

    // With Baton's clients (the SDK retries), the retry of a lost create meets the row its first try wrote.
    proxies.table.addRule({ url: /\$batch/, when: transactionWith('Lost'), times: 1, action: toxic.dropAnswer });
    const table = createStorageClients(proxies.connectionString).table(names.auditTable);
    const error = await table.submitTransaction([['create', { partitionKey: 'drop', rowKey: 'tx', status: 'Lost' }]]).catch((e: unknown) => e);
    expect((error as { statusCode?: number }).statusCode).toBe(409);
    expect((await direct.table(names.auditTable).getEntity('drop', 'tx')).status).toBe('Lost');
  });

  it('hold keeps a request unforwarded until release; reset cuts it off unapplied', async () => {
    const table = rawTable(proxies.connectionString);
    proxies.table.addRule({ method: 'POST', when: (r) => r.text.includes('"held"'), times: 1, action: toxic.hold });
    const pending = table.createEntity({ partitionKey: 'hold', rowKey: 'held' });
    await waitFor(() => proxies.table.heldCount === 1, 'the request to be held', 10_000, 20);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await expect(direct.table(names.auditTable).getEntity('hold', 'held')).rejects.toMatchObject({ statusCode: 404 });
    proxies.table.release();
    await pending;
    expect((await direct.table(names.auditTable).getEntity('hold', 'held')).rowKey).toBe('held');

    proxies.table.addRule({ method: 'POST', when: (r) => r.text.includes('"reset"'), times: 1, action: toxic.reset });
    await expect(table.createEntity({ partitionKey: 'hold', rowKey: 'reset' })).rejects.toThrow();
    await expect(direct.table(names.auditTable).getEntity('hold', 'reset')).rejects.toMatchObject({ statusCode: 404 });
  });

  it('latency delays; times limits a rule to the next N matches; probability follows the seeded RNG', async () => {
    const table = rawTable(proxies.connectionString);
    proxies.table.addRule({ method: 'GET', url: /latency/, times: 1, action: toxic.latency(400) });
    await table.createEntity({ partitionKey: 'latency', rowKey: 'x' });
    const started = performance.now();
    await table.getEntity('latency', 'x');
    expect(performance.now() - started).toBeGreaterThanOrEqual(390);

    const two = proxies.table.addRule({ method: 'GET', url: /twice/, times: 2, action: toxic.reset });
    await table.createEntity({ partitionKey: 'twice', rowKey: 'x' });
    await expect(table.getEntity('twice', 'x')).rejects.toThrow();
    await expect(table.getEntity('twice', 'x')).rejects.toThrow();
    await table.getEntity('twice', 'x');
    expect(two.hits).toBe(2);

    const some = proxies.table.addRule({ method: 'GET', url: /coin/, probability: 0.5, action: toxic.latency(1) });
    await table.createEntity({ partitionKey: 'coin', rowKey: 'x' });
    for (let i = 0; i < 40; i++) await table.getEntity('coin', 'x');
    expect(some.hits).toBeGreaterThan(5);
    expect(some.hits).toBeLessThan(35);
    some.remove();
  });
});

describe('TcpFaultProxy', () => {
  it('carries AMQP, resets every connection, and blackholes traffic until resume', async () => {
    const proxy = await TcpFaultProxy.start({ port: Number(new URL(AMQP_URL).port || 5672) });
    try {
      const connection = await amqp.connect(proxy.amqpUrl());
      const closed = new Promise((resolve) => connection.on('close', resolve));
      connection.on('error', () => undefined);
      const channel = await connection.createConfirmChannel();
      const queue = (await channel.assertQueue('', { exclusive: true })).queue;
      await new Promise<void>((resolve, reject) => channel.sendToQueue(queue, Buffer.from('a'), {}, (error) => (error ? reject(error) : resolve())));

      proxy.blackhole();
      let confirmed = false;
      channel.sendToQueue(queue, Buffer.from('b'), {}, () => (confirmed = true));
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(confirmed).toBe(false);
      proxy.resume();
      await waitFor(() => confirmed, 'the confirm after resume', 10_000, 20);

      proxy.reset();
      await closed;
      expect(proxy.counters.resets).toBe(1);
      expect(proxy.connectionCount).toBe(0);
    } finally {
      await proxy.close();
    }
  });
});
