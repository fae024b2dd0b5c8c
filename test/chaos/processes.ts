/**
 * @module Baton processes as a chaos run sees them: `node dist/cli.js processor|dashboard` children that can be
 * SIGKILLed, frozen (SIGSTOP/SIGCONT) and SIGTERMed, with their output kept for the secret and crash checks.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, portOpen as hostPortOpen } from '../../src/dev/ports.js';

export { freePort };

export function portOpen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return hostPortOpen(host, port);
}

/** The repository root: the nearest directory above this module whose package.json is Baton's (works from src and from a build). */
export function repoRoot(): string {
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'baton') return dir;
    if (path.dirname(dir) === dir) throw new Error('baton repository root not found');
  }
}

export const CLI = path.join(repoRoot(), 'dist', 'cli.js');

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function waitUntil<T>(probe: () => Promise<T | undefined | false> | T | undefined | false, what: string, timeoutMs: number, intervalMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** One `baton` child process; every line it writes (stdout and stderr) is kept. */
export class BatonProcess {
  readonly lines: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly startedAt = Date.now();
  exitedAt: number | undefined;
  #partial = '';

  constructor(
    readonly child: ChildProcess,
    readonly name: string,
  ) {
    const collect = (chunk: Buffer) => {
      const text = this.#partial + chunk.toString('utf8');
      const parts = text.split('\n');
      this.#partial = parts.pop() ?? '';
      this.lines.push(...parts.filter(Boolean));
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        this.exitedAt = Date.now();
        if (this.#partial) this.lines.push(this.#partial);
        resolve({ code, signal });
      }),
    );
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  logged(fragment: string): boolean {
    return this.lines.some((line) => line.includes(fragment));
  }

  signal(signal: NodeJS.Signals): void {
    if (this.running) this.child.kill(signal);
  }

  /**
   * Attempts it says it is running, from its own log lines. Only used to aim a fault at a busy processor; the
   * invariants never take a processor's word.
   */
  inFlight(): number {
    let count = 0;
    for (const line of this.lines) {
      if (line.includes('"message":"attempt started"')) count++;
      else if (line.includes('"message":"attempt ended') || line.includes('"message":"attempt stopped')) count--;
    }
    return count;
  }

  /** Lines that are errors or crashes: a stack trace, an `error` level, an unhandled rejection. */
  troubles(): string[] {
    return this.lines.filter((line) => /"level":"error"|Unhandled|uncaught|^\s+at /i.test(line));
  }
}

/** The busiest of `processors` (ties broken by `random`). */
export function busiest(processors: readonly BatonProcess[], random: () => number): BatonProcess {
  const ranked = processors.map((p) => ({ p, load: p.inFlight() + random() / 2 })).sort((a, b) => b.load - a.load);
  const chosen = ranked[0];
  if (!chosen) throw new Error('no processor to choose from');
  return chosen.p;
}

export function spawnBaton(command: 'processor' | 'dashboard', name: string, env: Record<string, string>): BatonProcess {
  const child = spawn(process.execPath, [CLI, command], {
    env: { ...process.env, BATON_LOG_FORMAT: 'json', BATON_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new BatonProcess(child, name);
}
