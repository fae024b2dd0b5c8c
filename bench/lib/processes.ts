/**
 * @module Child processes of a benchmark: `baton processor` instances (each with its own /metrics port)
 * and the bench's own workers (seed design, BullMQ). Output is kept in a short ring for error reports.
 */
import { execFileSync, spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { freePort, sleep, trackChild, waitUntil } from './infra.js';

/** The repository root, found from this compiled file (node_modules/.cache/baton-bench/bench/lib). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../..');
export const CLI = path.join(REPO_ROOT, 'dist/cli.js');
/** The compiled bench directory (siblings of this lib). */
export const BENCH_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Imports a module of Baton's own build (dist/), typed by its source: `fromDist<typeof import('…')>('dashboard/app.js')`. */
export async function fromDist<T>(relative: string): Promise<T> {
  return (await import(pathToFileURL(path.join(REPO_ROOT, 'dist', relative)).href)) as T;
}

export class Child {
  readonly lines: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  onLine: ((line: string) => void) | undefined;
  #partial = '';

  constructor(readonly child: ChildProcess, readonly label: string) {
    trackChild(child);
    const collect = (chunk: Buffer) => {
      const text = this.#partial + chunk.toString('utf8');
      const parts = text.split('\n');
      this.#partial = parts.pop() ?? '';
      for (const line of parts) {
        if (!line) continue;
        this.onLine?.(line);
        this.lines.push(line);
        if (this.lines.length > 200) this.lines.shift();
      }
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  signal(signal: NodeJS.Signals): void {
    if (this.running) this.child.kill(signal);
  }

  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    if (!this.running) return;
    this.signal('SIGCONT');
    this.signal('SIGTERM');
    const done = await Promise.race([this.exited.then(() => true), sleep(graceMs).then(() => false)]);
    if (!done) {
      this.signal('SIGKILL');
      await this.exited;
    }
  }

  async kill(): Promise<void> {
    this.signal('SIGCONT');
    this.signal('SIGKILL');
    await this.exited;
  }

  tail(count = 15): string {
    return this.lines.slice(-count).join('\n');
  }
}

export class ProcessorChild extends Child {
  constructor(child: ChildProcess, label: string, readonly metricsPort: number) {
    super(child, label);
  }

  async metrics(): Promise<Metrics> {
    const response = await fetch(`http://127.0.0.1:${this.metricsPort}/metrics`, { signal: AbortSignal.timeout(10_000) });
    return parseMetrics(await response.text());
  }
}

export interface SpawnProcessorOptions {
  readonly env: Record<string, string>;
  readonly label: string;
  readonly nodeArgs?: string[];
  readonly ipc?: boolean;
}

/** Starts `node dist/cli.js processor`; resolves once its /health answers 200. */
export async function spawnProcessor(options: SpawnProcessorOptions): Promise<ProcessorChild> {
  const metricsPort = await freePort();
  const stdio: StdioOptions = options.ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'];
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), CLI, 'processor'], {
    env: { ...process.env, BATON_PROCESSOR_ID: options.label, BATON_METRICS_PORT: String(metricsPort), ...options.env },
    stdio,
    cwd: REPO_ROOT,
  });
  const processor = new ProcessorChild(child, options.label, metricsPort);
  try {
    await waitUntil(async () => {
    if (!processor.running) throw new Error(`processor ${options.label} exited:\n${processor.tail()}`);
    try {
      const response = await fetch(`http://127.0.0.1:${metricsPort}/health`, { signal: AbortSignal.timeout(2000) });
      return response.status === 200;
    } catch {
      return false;
    }
    }, `processor ${options.label} to be healthy`, 30_000, 100);
  } catch (error) {
    await processor.kill();
    throw error;
  }
  return processor;
}

/** Starts a compiled bench script (`seed-design.js`, `bullmq-worker.js`) as a child process. */
export function spawnBenchScript(script: string, env: Record<string, string>, label: string): Child {
  const child = spawn(process.execPath, [path.join(BENCH_DIR, script)], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], cwd: REPO_ROOT });
  return new Child(child, label);
}

/**
 * CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat; 0 when it is gone.
 * Summed over the processes doing the work, it is a figure other people's load barely moves.
 */
export function cpuSeconds(pid: number): number {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

/** sysconf(_SC_CLK_TCK): 100 on Linux unless `getconf CLK_TCK` says otherwise. */
const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

export function pidOf(program: string): number | undefined {
  try {
    return Number(execFileSync('pidof', ['-s', program], { encoding: 'utf8' }).trim()) || undefined;
  } catch {
    return undefined;
  }
}

/** Prometheus text format, flattened: `name{label="v",…}` → value. */
export type Metrics = Map<string, number>;

export function parseMetrics(text: string): Metrics {
  const metrics: Metrics = new Map();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    const value = Number(line.slice(space + 1));
    if (Number.isFinite(value)) metrics.set(line.slice(0, space), value);
  }
  return metrics;
}

/** Sum of every series of `name` whose labels include all of `labels`. */
export function metricSum(metrics: Metrics, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const [series, value] of metrics) {
    const brace = series.indexOf('{');
    const seriesName = brace === -1 ? series : series.slice(0, brace);
    if (seriesName !== name) continue;
    if (Object.entries(labels).every(([key, v]) => series.includes(`${key}="${v}"`))) sum += value;
  }
  return sum;
}

/** `baton_storage_requests_total` by `service.operation`. */
export function storageRequests(metrics: Metrics): Map<string, number> {
  const byOperation = new Map<string, number>();
  for (const [series, value] of metrics) {
    if (!series.startsWith('baton_storage_requests_total{')) continue;
    const service = /service="([^"]*)"/.exec(series)?.[1] ?? '?';
    const operation = /operation="([^"]*)"/.exec(series)?.[1] ?? '?';
    const key = `${service}.${operation}`;
    byOperation.set(key, (byOperation.get(key) ?? 0) + value);
  }
  return byOperation;
}

/** after − before, per key, dropping zeros. */
export function subtractCounts(after: ReadonlyMap<string, number>, before: ReadonlyMap<string, number>): Map<string, number> {
  const delta = new Map<string, number>();
  for (const [key, value] of after) {
    const d = value - (before.get(key) ?? 0);
    if (d !== 0) delta.set(key, d);
  }
  return delta;
}

export function addCounts(into: Map<string, number>, from: ReadonlyMap<string, number> | Record<string, number>): Map<string, number> {
  const entries = from instanceof Map ? [...from.entries()] : Object.entries(from);
  for (const [key, value] of entries) into.set(key, (into.get(key) ?? 0) + value);
  return into;
}
