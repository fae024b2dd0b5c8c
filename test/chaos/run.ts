/**
 * @module `npm run chaos`: runs the fault scenarios one after another at full size, prints each one's figures,
 * writes them to docs/RELIABILITY.md, and exits 1 if any promise broke.
 *
 *   npm run chaos                          every scenario (about 20 minutes; restarts RabbitMQ's application)
 *   npm run chaos -- --only churn,pauses   some of them
 *   npm run chaos -- --size short          the short forms that `npm test` runs
 *   npm run chaos -- --queue-type quorum   on quorum queues (BATON_QUEUE_TYPE); figures go to their own sections
 *   npm run chaos -- --no-write            leave docs/RELIABILITY.md alone
 *   npm run chaos -- --size short --write  write the short forms' figures too
 */
import { execFileSync } from 'node:child_process';
import { QUEUE_TYPES, type QueueType } from '../../src/core/config.js';
import path from 'node:path';
import { brokerStopped } from './broker-faults.js';
import { violations } from './invariants.js';
import { runScenario, SCENARIOS, type ScenarioKey } from './presets.js';
import { repoRoot } from './processes.js';
import { renderSection, writeSections } from './report.js';
import type { ScenarioResult } from './settle.js';

interface RunArgs {
  only: ScenarioKey[];
  size: 'full' | 'short';
  /** Undefined: write full runs only. */
  write: boolean | undefined;
  queueType: QueueType;
}

function parseArgs(argv: string[]): RunArgs {
  let only: ScenarioKey[] = [...SCENARIOS];
  let size: 'full' | 'short' = 'full';
  let write: boolean | undefined;
  let queueType: QueueType = 'classic';
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--only') {
      only = (argv[++i] ?? '').split(',').filter(Boolean) as ScenarioKey[];
      const unknown = only.filter((key) => !SCENARIOS.includes(key));
      if (unknown.length > 0) throw new Error(`unknown scenario ${unknown.join(', ')}; known: ${SCENARIOS.join(', ')}`);
    } else if (arg === '--size') {
      const value = argv[++i];
      if (value !== 'full' && value !== 'short') throw new Error('--size takes full or short');
      size = value;
    } else if (arg === '--queue-type') {
      const value = argv[++i];
      if (!QUEUE_TYPES.includes(value as QueueType)) throw new Error(`--queue-type takes ${QUEUE_TYPES.join(' or ')}`);
      queueType = value as QueueType;
    } else if (arg === '--no-write') {
      write = false;
    } else if (arg === '--write') {
      write = true;
    } else {
      throw new Error(`unknown argument ${arg}`);
    }
  }
  return { only, size, write, queueType };
}

/** Quorum runs get sections of their own beside the classic ones. */
function labelled(result: ScenarioResult, queueType: QueueType): ScenarioResult {
  return queueType === 'classic' ? result : { ...result, key: `${result.key}-${queueType}`, title: `${result.title}, ${queueType} queues` };
}

/** An interrupted broker restart must not leave RabbitMQ stopped for everyone else on the machine. */
function onInterrupt(): void {
  if (brokerStopped) {
    process.stderr.write('interrupted while RabbitMQ was stopped: starting it again\n');
    execFileSync('rabbitmqctl', ['start_app'], { stdio: 'inherit' });
  }
  process.exit(130);
}

async function main(): Promise<number> {
  const { only, size, write, queueType } = parseArgs(process.argv.slice(2));
  process.on('SIGINT', onInterrupt);
  process.on('SIGTERM', onInterrupt);
  const args = [
    ...(only.length < SCENARIOS.length ? ['--only', only.join(',')] : []),
    ...(size === 'short' ? ['--size', 'short'] : []),
    ...(queueType !== 'classic' ? ['--queue-type', queueType] : []),
    ...(write && size === 'short' ? ['--write'] : []),
  ];
  const command = ['npm run chaos', ...(args.length > 0 ? ['--', ...args] : [])].join(' ');
  const results: ScenarioResult[] = [];
  for (const key of only) {
    process.stderr.write(`\n== ${key} (${size}, ${queueType} queues) ==\n`);
    const result = labelled(await runScenario(key, size, queueType), queueType);
    results.push(result);
    process.stdout.write(`${renderSection(result, command, new Date())}\n`);
    if (result.violations.length > 0) process.stderr.write(`details:\n${JSON.stringify(result.figures, null, 2)}\n`);
    if (write ?? size === 'full') writeSections(path.join(repoRoot(), 'docs', 'RELIABILITY.md'), [result], command, new Date());
  }
  const broken = results.filter((r) => r.violations.length > 0 || violations(r.figures).length > 0);
  process.stderr.write(`\n${results.length - broken.length} of ${results.length} scenarios held every promise\n`);
  return broken.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`chaos run failed: ${(error as Error).stack ?? String(error)}\n`);
    if (brokerStopped) execFileSync('rabbitmqctl', ['start_app'], { stdio: 'inherit' });
    process.exit(2);
  },
);
