/**
 * @module Measure 3: the raw ceilings of the infrastructure, with the plain clients and no Baton code —
 * confirmed persistent publishes and consumes+acks on RabbitMQ, and on Azurite (32 requests in flight,
 * as in PITFALLS.md) blob creates, lease acquire+release cycles, Baton's lock lifecycle (create, acquire,
 * delete with the lease), single-entity inserts, 2-entity transactions and 100-entity transactions.
 */
import { BlobServiceClient } from '@azure/storage-blob';
import { TableClient, type TransactionAction } from '@azure/data-tables';
import amqp from 'amqplib';
import { AMQP_URL, Space } from '../lib/infra.js';

export interface RawRates {
  /** Confirmed persistent publishes per second (window of 1,000 unconfirmed). */
  readonly publish: number;
  /** Deliveries consumed and acked per second (prefetch 1,000). */
  readonly consume: number;
  /** Empty block blobs created per second. */
  readonly blobCreate: number;
  /** Lease acquire + release cycles per second (2 requests each). */
  readonly leaseCycle: number;
  /** Create + acquire + delete-with-lease cycles per second: a Baton job's blob requests. */
  readonly lockLifecycle: number;
  /** Single-entity inserts per second. */
  readonly insert: number;
  /** Transactions of 2 entities per second (a state row and an event, like Baton's Started). */
  readonly tx2: number;
  /** Entities per second in transactions of 100 (how the recent-events index is written). */
  readonly batchEntities: number;
}

const IN_FLIGHT = 32;

/**
 * Runs `op` from `workers` concurrent loops for a 300 ms warm-up (connections, JIT; not counted) and
 * then about `ms`; returns completions per second over the counted part.
 */
async function rate(ms: number, workers: number, op: (worker: number, i: number) => Promise<void>): Promise<number> {
  let done = 0;
  const countFrom = performance.now() + 300;
  const deadline = countFrom + ms;
  await Promise.all(
    Array.from({ length: workers }, async (_, worker) => {
      for (let i = 0; performance.now() < deadline; i++) {
        await op(worker, i);
        if (performance.now() >= countFrom) done++;
      }
    }),
  );
  return done / ((performance.now() - countFrom) / 1000);
}

function eventEntity(partitionKey: string, rowKey: string): { partitionKey: string; rowKey: string } & Record<string, string | number> {
  return {
    partitionKey, rowKey, jobId: partitionKey, eventId: rowKey, status: 'Step', message: 'Processing step 1/1',
    at: new Date().toISOString(), processorId: 'bench-processor-1', attempt: 1, jobName: 'bench job',
  };
}

export async function measureRabbit(space: Space, messages: number): Promise<{ publish: number; consume: number }> {
  const queue = `${space.namespace}.raw`;
  space.extraQueues.push(queue);
  const connection = await amqp.connect(AMQP_URL);
  try {
    const confirm = await connection.createConfirmChannel();
    await confirm.assertQueue(queue, { durable: true });
    const body = Buffer.from(JSON.stringify({ jobId: crypto.randomUUID(), jobName: 'raw', type: 'steps', processingParameters: { steps: 1, stepMs: 0 } }));
    const window = 1000;
    const publishStarted = performance.now();
    await new Promise<void>((resolve, reject) => {
      let sent = 0;
      let confirmed = 0;
      const pump = () => {
        while (sent < messages && sent - confirmed < window) {
          sent++;
          confirm.sendToQueue(queue, body, { persistent: true, contentType: 'application/json' }, (error: unknown) => {
            if (error) return reject(error instanceof Error ? error : new Error(String(error)));
            confirmed++;
            if (confirmed === messages) resolve();
            else pump();
          });
        }
      };
      pump();
    });
    const publish = messages / ((performance.now() - publishStarted) / 1000);
    await confirm.close();

    const channel = await connection.createChannel();
    await channel.prefetch(1000);
    const consumeStarted = performance.now();
    await new Promise<void>((resolve) => {
      let consumed = 0;
      void channel.consume(queue, (message) => {
        if (!message) return;
        channel.ack(message);
        if (++consumed === messages) resolve();
      });
    });
    const consume = messages / ((performance.now() - consumeStarted) / 1000);
    await channel.close();
    return { publish, consume };
  } finally {
    await connection.close().catch(() => undefined);
  }
}

export async function measureAzurite(space: Space, ms: number): Promise<Omit<RawRates, 'publish' | 'consume'>> {
  const container = BlobServiceClient.fromConnectionString(space.connectionString).getContainerClient(`${space.namespace}-raw`);
  space.extraContainers.push(`${space.namespace}-raw`);
  await container.createIfNotExists();
  const tableName = `${space.namespace}raw`;
  space.extraTables.push(tableName);
  const table = TableClient.fromConnectionString(space.connectionString, tableName, { allowInsecureConnection: true });
  await table.createTable();

  const blobCreate = await rate(ms, IN_FLIGHT, (w, i) => container.getBlockBlobClient(`create-${w}-${i}`).upload('', 0, { conditions: { ifNoneMatch: '*' } }).then(() => undefined));
  for (let w = 0; w < IN_FLIGHT; w++) await container.getBlockBlobClient(`lease-${w}`).upload('', 0);
  const leaseCycle = await rate(ms, IN_FLIGHT, async (w) => {
    const lease = container.getBlockBlobClient(`lease-${w}`).getBlobLeaseClient();
    await lease.acquireLease(15);
    await lease.releaseLease();
  });
  const lockLifecycle = await rate(ms, IN_FLIGHT, async (w, i) => {
    const blob = container.getBlockBlobClient(`lock-${w}-${i}`);
    await blob.upload('', 0, { conditions: { ifNoneMatch: '*' } });
    const { leaseId } = await blob.getBlobLeaseClient().acquireLease(60);
    await blob.delete({ conditions: { leaseId: leaseId ?? '' } });
  });
  const insert = await rate(ms, IN_FLIGHT, (w, i) => table.createEntity(eventEntity(`ins-${w}`, String(i).padStart(8, '0'))).then(() => undefined));
  const tx2 = await rate(ms, IN_FLIGHT, async (w, i) => {
    const partition = `tx-${w}-${i}`;
    await table.submitTransaction([
      ['create', { partitionKey: partition, rowKey: 'state', status: 'Started', attempts: 1, updatedAt: new Date().toISOString() }],
      ['create', eventEntity(partition, '0001')],
    ]);
  });
  const batches = await rate(ms, IN_FLIGHT, async (w, i) => {
    const partition = `batch-${w}-${i}`;
    const actions: TransactionAction[] = Array.from({ length: 100 }, (_, k) => ['create', eventEntity(partition, String(k).padStart(4, '0'))]);
    await table.submitTransaction(actions);
  });
  return { blobCreate, leaseCycle, lockLifecycle, insert, tx2, batchEntities: batches * 100 };
}

/** One round of every raw ceiling, in a namespace of its own that is deleted afterwards. */
export async function measureLimits(connectionString: string, options: { messages: number; azuriteMs: number }): Promise<RawRates> {
  const space = new Space(connectionString, 'raw');
  try {
    const rabbit = await measureRabbit(space, options.messages);
    const azurite = await measureAzurite(space, options.azuriteMs);
    return { ...rabbit, ...azurite };
  } finally {
    await space.cleanup();
  }
}
