/**
 * @module BullMQ, the peer the bench compares against. It is not a dependency of the project (its optional
 * native part names platform packages some registries do not serve, which would break the project's own
 * `npm ci`): it is pinned in a package folder of its own, bench/peers (package.json + package-lock.json),
 * installed on first use with `npm ci --prefix bench/peers`, so that a clean clone measures the same
 * BullMQ every time and the project's package.json and lock file are never touched. Its Redis client, ioredis,
 * is pinned beside it: BullMQ 6 made it an optional peer and fails at the first queue without it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

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

/** The peers' package folder, relative to the repository root. */
export const PEERS_DIR = path.join('bench', 'peers');

/** Installs the pinned peers (exactly the lock file's versions) unless they are there already. */
export function ensurePeers(root = repoRoot()): string {
  const peers = path.join(root, PEERS_DIR);
  // Every pinned package must be there: BullMQ 6 loads its Redis client (ioredis) only when used, and fails then.
  const manifest = JSON.parse(readFileSync(path.join(peers, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  if (Object.keys(manifest.dependencies).some((name) => !existsSync(path.join(peers, 'node_modules', name, 'package.json')))) {
    process.stderr.write(`bench: installing the pinned peers (npm ci --prefix ${PEERS_DIR}) for the comparison\n`);
    execFileSync('npm', ['ci', '--prefix', peers, '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' });
  }
  return peers;
}

export async function loadBullmq(): Promise<BullModule> {
  // Resolved from bench/peers, never from the project's node_modules: the version is the lock file's.
  const peers = ensurePeers();
  return createRequire(path.join(peers, 'package.json'))('bullmq') as BullModule;
}

/** The installed BullMQ version, for the report ("not installed" before its first use). */
export function bullmqVersion(readJson: (file: string) => { version?: string }): string {
  try {
    return readJson(path.join(PEERS_DIR, 'node_modules', 'bullmq', 'package.json')).version ?? 'unknown';
  } catch {
    return 'not installed';
  }
}
