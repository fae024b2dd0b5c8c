/**
 * @module The seed's design, written plainly, to compare Baton against: one job at a time per process;
 * per job create the lock blob if absent, acquire a 60 s lease, insert Started, one Step row and
 * Completed into a table, release, ack. No duplicate check, no fencing, no index, no renewal, no retry.
 * Six storage requests per job. Prints `done` per job on stdout so the bench can count.
 *
 * Environment: SEED_AMQP_URL, SEED_STORAGE (connection string), SEED_QUEUE, SEED_CONTAINER, SEED_TABLE.
 */
import { BlobServiceClient } from '@azure/storage-blob';
import { TableClient } from '@azure/data-tables';
import amqp from 'amqplib';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

const container = BlobServiceClient.fromConnectionString(env('SEED_STORAGE')).getContainerClient(env('SEED_CONTAINER'));
const table = TableClient.fromConnectionString(env('SEED_STORAGE'), env('SEED_TABLE'), { allowInsecureConnection: true });
const worker = `seed-${process.pid}`;
let row = 0;

async function record(jobId: string, status: string, message: string): Promise<void> {
  row++;
  await table.createEntity({ partitionKey: jobId, rowKey: `${Date.now()}-${worker}-${row}`, status, message, at: new Date().toISOString(), worker });
}

async function runJob(job: { jobId: string; lockKey?: string }): Promise<void> {
  const blob = container.getBlockBlobClient(`lock-${encodeURIComponent(job.lockKey ?? job.jobId)}`);
  try {
    await blob.upload('', 0, { conditions: { ifNoneMatch: '*' } });
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode !== 409) throw error;
  }
  const lease = blob.getBlobLeaseClient();
  await lease.acquireLease(60);
  try {
    await record(job.jobId, 'Started', 'started');
    await record(job.jobId, 'Step', 'Processing step 1/1');
    await record(job.jobId, 'Completed', 'Job completed');
  } finally {
    await lease.releaseLease();
  }
}

async function main(): Promise<void> {
  const connection = await amqp.connect(env('SEED_AMQP_URL'));
  const channel = await connection.createChannel();
  await channel.prefetch(1);
  const queue = env('SEED_QUEUE');
  await channel.assertQueue(queue, { durable: true });
  await channel.consume(queue, (message) => {
    if (!message) return;
    runJob(JSON.parse(message.content.toString('utf8')) as { jobId: string })
      .then(() => {
        channel.ack(message);
        process.stdout.write('done\n');
      })
      .catch((error: unknown) => {
        process.stderr.write(`job failed: ${(error as Error).message}\n`);
        channel.nack(message, false, true);
      });
  });
  const stop = () => void connection.close().finally(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdout.write('ready\n');
}

void main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
