/**
 * @module BullMQ, the peer the bench compares against, loaded on first use. It is not a dependency of
 * the project: its optional native part (msgpackr-extract) names platform packages this registry does
 * not serve, so with BullMQ in package.json the lock file can never satisfy `npm ci`. The bench installs
 * it with `npm install --no-save` when it is missing, leaving package.json and the lock file alone.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const BULLMQ_VERSION = '^6.7.0';

export interface BullJob {
  processedOn?: number;
  finishedOn?: number;
  log(line: string): Promise<unknown>;
}

export interface BullQueue {
  addBulk(jobs: Array<{ name: string; data: unknown }>): Promise<unknown>;
  getJobCounts(...types: string[]): Promise<Record<string, number | undefined>>;
  getJobs(types: string[], start: number, end: number): Promise<BullJob[]>;
  obliterate(options: { force: boolean }): Promise<void>;
  close(): Promise<void>;
}

export interface BullWorker {
  on(event: 'error', listener: (error: Error) => void): unknown;
  waitUntilReady(): Promise<unknown>;
  close(): Promise<void>;
}

export interface BullConnection {
  host: string;
  port: number;
  maxRetriesPerRequest: null;
}

export interface BullModule {
  Queue: new (name: string, options: { prefix: string; connection: BullConnection }) => BullQueue;
  Worker: new (
    name: string,
    processor: (job: BullJob) => Promise<void>,
    options: { prefix: string; concurrency: number; connection: BullConnection },
  ) => BullWorker;
}

/** The repository root, from bench/lib (sources) or its compiled copy under node_modules/.cache. */
function repoRoot(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const marker = `${path.sep}node_modules${path.sep}`;
  return here.includes(marker) ? here.slice(0, here.indexOf(marker)) : path.resolve(here, '../..');
}

export async function loadBullmq(): Promise<BullModule> {
  // A specifier in a variable: TypeScript does not resolve it, so the project type-checks without BullMQ.
  const specifier = 'bullmq';
  try {
    return (await import(specifier)) as BullModule;
  } catch {
    process.stderr.write(`bench: installing bullmq@${BULLMQ_VERSION} (--no-save) for the peer comparison\n`);
    execFileSync('npm', ['install', '--no-save', '--no-audit', '--no-fund', `bullmq@${BULLMQ_VERSION}`], { cwd: repoRoot(), stdio: 'inherit' });
    return (await import(specifier)) as BullModule;
  }
}

/** The installed BullMQ version, for the report ("not installed" before its first use). */
export function bullmqVersion(readJson: (file: string) => { version?: string }): string {
  try {
    return readJson('node_modules/bullmq/package.json').version ?? 'unknown';
  } catch {
    return 'not installed';
  }
}
