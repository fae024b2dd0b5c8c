/**
 * @module `baton jobs purge`: empties the namespace's job, delay and dead-letter queues after a
 * confirmation that states the count (`--yes` for scripts). Jobs being processed right now are not
 * in a queue and are not affected; purged jobs keep their history, which ends at its last event.
 */
import { createInterface } from 'node:readline/promises';
import { namesFor } from '../contracts/names.js';
import type { Config } from '../core/config.js';
import { ConfigError } from '../core/errors.js';
import { describeCounts, NamespaceQueues, type QueueCounts } from './namespace-queues.js';

export interface PurgeRun {
  readonly config: Pick<Config, 'amqpUrl' | 'namespace' | 'connectTimeoutSeconds'>;
  readonly yes: boolean;
  readonly json: boolean;
  readonly out?: NodeJS.WritableStream;
  /** Asks the question on a terminal; undefined when there is no terminal to ask on. */
  readonly ask?: ((question: string) => Promise<string>) | undefined;
}

export async function runPurge(run: PurgeRun): Promise<QueueCounts | undefined> {
  const out = run.out ?? process.stdout;
  const { namespace } = run.config;
  const queues = await NamespaceQueues.open(run.config.amqpUrl, namesFor(namespace), run.config.connectTimeoutSeconds * 1000);
  try {
    const before = await queues.counts();
    if (!run.yes) {
      if (before.total === 0) {
        out.write(run.json ? `${JSON.stringify({ namespace, purged: before })}\n` : `namespace ${namespace}: nothing to purge\n`);
        return before;
      }
      if (!run.ask) {
        throw new ConfigError(`namespace ${namespace} holds ${describeCounts(before)}; baton jobs purge asks for confirmation on a terminal: pass --yes (BATON_PURGE_YES) to purge from a script`);
      }
      const answer = await run.ask(
        `Purge ${describeCounts(before)} from namespace "${namespace}"? Jobs running now are not affected. Type yes to confirm: `,
      );
      if (answer.trim().toLowerCase() !== 'yes') {
        out.write('not purged\n');
        return undefined;
      }
    }
    const purged = await queues.purge();
    out.write(run.json ? `${JSON.stringify({ namespace, purged })}\n` : `purged ${describeCounts(purged)} from namespace ${namespace}\n`);
    return purged;
  } finally {
    await queues.close();
  }
}

/** A question on the terminal, when stdin and stdout are one. */
export function terminalQuestion(): ((question: string) => Promise<string>) | undefined {
  if (!process.stdin.isTTY || !process.stdout.isTTY) return undefined;
  return async (question) => {
    const rl = createInterface({ input: process.stdin, output: process.stdout });
    try {
      return await rl.question(question);
    } finally {
      rl.close();
    }
  };
}
