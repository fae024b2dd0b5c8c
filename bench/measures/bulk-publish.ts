/**
 * @module Measure 8: bulk publish rate — `baton publish --count N` as the command runs it (runPublish:
 * 256 in flight, each job confirmed by the broker, then its Queued event inserted), without processors.
 */
import { Writable } from 'node:stream';
import { silentLogger } from '../../src/core/logger.js';
import { runPublish } from '../../src/publisher/publish-command.js';
import { AMQP_URL, Space } from '../lib/infra.js';

export async function runBulkPublish(connectionString: string, count: number): Promise<number> {
  const space = new Space(connectionString, 'pub');
  const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
  const errors: string[] = [];
  const err = new Writable({
    write: (chunk: Buffer, _encoding, done) => {
      errors.push(chunk.toString());
      done();
    },
  });
  try {
    const summary = await runPublish({
      config: { amqpUrl: AMQP_URL, queueType: 'classic', storageConnectionString: connectionString, namespace: space.namespace },
      logger: silentLogger(),
      flags: { count, name: 'bench bulk', steps: 0, stepMs: 0 },
      json: false,
      out: sink,
      err,
    });
    if (summary.published !== count) throw new Error(`published ${summary.published} of ${count}: ${errors.slice(0, 3).join('')}`);
    return count / summary.seconds;
  } finally {
    await space.cleanup();
  }
}
