/**
 * @module The peer a TypeScript user would pick instead: a BullMQ worker on the local Redis, running
 * no-op jobs that call `job.log` twice (a start and an end line, like Baton's Started and Completed).
 *
 * Environment: BULL_QUEUE, BULL_PREFIX, BULL_CONCURRENCY, BULL_REDIS_PORT (default 6379, host 127.0.0.1).
 */
import { loadBullmq } from './lib/bullmq-peer.js';

const { Worker } = await loadBullmq();

const queue = process.env.BULL_QUEUE ?? '';
const prefix = process.env.BULL_PREFIX ?? '';
if (!queue || !prefix) throw new Error('BULL_QUEUE and BULL_PREFIX must be set');

const worker = new Worker(
  queue,
  async (job) => {
    await job.log('started');
    await job.log('completed');
  },
  {
    prefix,
    concurrency: Number(process.env.BULL_CONCURRENCY ?? 16),
    connection: { host: '127.0.0.1', port: Number(process.env.BULL_REDIS_PORT ?? 6379), maxRetriesPerRequest: null },
  },
);
worker.on('error', (error) => process.stderr.write(`worker error: ${error.message}\n`));
void worker.waitUntilReady().then(() => process.stdout.write('ready\n'));

const stop = () => void worker.close().finally(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
