/** @module `baton jobs run-now ID…`: starts scheduled jobs at once, as `POST /api/jobs/{id}/run-now` does. */
import os from 'node:os';
import type { Config } from '../core/config.js';
import { ConfigError } from '../core/errors.js';
import { silentLogger } from '../core/logger.js';
import { Publisher } from '../publisher/publisher.js';

/** Who the CLI records for operator actions: BATON_ACTOR, or user@host. */
export function cliActor(): string {
  return process.env.BATON_ACTOR ?? `${os.userInfo().username}@${os.hostname()}`;
}

export async function runNow(config: Pick<Config, 'amqpUrl' | 'storageConnectionString' | 'namespace'>, jobIds: readonly string[], out: NodeJS.WritableStream = process.stdout): Promise<void> {
  const actor = cliActor();
  const publisher = new Publisher({ ...config, publisherId: actor, logger: silentLogger() });
  await publisher.start();
  const problems: string[] = [];
  try {
    for (const jobId of jobIds) {
      const result = await publisher.runNow(jobId, actor);
      if (result.kind === 'started') out.write(`${jobId}: starting now\n`);
      else problems.push(result.kind === 'unknown' ? `${jobId}: no such job` : `${jobId}: not waiting for its due time (${result.status})`);
    }
  } finally {
    await publisher.close();
  }
  if (problems.length > 0) throw new ConfigError(problems.join('\n'));
}
