/**
 * @module One child process of `baton dev`: its output prefixed with its name, its last lines kept for
 * error messages, its exit as a promise, and a stop that escalates to SIGKILL when it does not listen.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

const KEPT_LINES = 30;

export interface ChildExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface ChildOptions {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Where its lines go, prefixed with its name; nowhere when absent (its last lines are kept anyway). */
  readonly output?: NodeJS.WritableStream;
  /** Width the name is padded to, so the prefixes line up. */
  readonly nameWidth?: number;
}

export class DevChild {
  readonly name: string;
  readonly exited: Promise<ChildExit>;
  readonly #child: ChildProcess;
  readonly #lines: string[] = [];
  #exit: ChildExit | undefined;

  constructor(options: ChildOptions) {
    this.name = options.name;
    // Its own process group: a Ctrl-C on the terminal reaches `baton dev` alone, which forwards it once.
    // Without this every child would get the terminal's SIGINT and then ours: a processor takes a
    // second signal as "cancel running jobs now".
    this.#child = spawn(options.command, [...options.args], {
      env: options.env ?? process.env,
      cwd: options.cwd,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const prefix = `${options.name.padEnd(options.nameWidth ?? options.name.length)} | `;
    for (const stream of [this.#child.stdout, this.#child.stderr]) {
      if (!stream) continue;
      createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
        this.#lines.push(line);
        if (this.#lines.length > KEPT_LINES) this.#lines.shift();
        options.output?.write(`${prefix}${line}\n`);
      });
    }
    this.exited = new Promise((resolve) => {
      this.#child.once('error', (error) => {
        this.#lines.push(`could not start: ${error.message}`);
        this.#exit ??= { code: null, signal: null };
        resolve(this.#exit);
      });
      this.#child.once('close', (code, signal) => {
        this.#exit ??= { code, signal };
        resolve(this.#exit);
      });
    });
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  get running(): boolean {
    return this.#exit === undefined;
  }

  /** Its last lines of output, for an error message. */
  get lastLines(): readonly string[] {
    return this.#lines;
  }

  signal(signal: NodeJS.Signals): void {
    if (this.running) this.#child.kill(signal);
  }

  /** Sends `signal`, waits up to `timeoutMs`, then SIGKILLs; resolves once the process is gone. */
  async stop(signal: NodeJS.Signals, timeoutMs: number): Promise<ChildExit> {
    this.signal(signal);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), timeoutMs);
    });
    const outcome = await Promise.race([this.exited, late]);
    clearTimeout(timer);
    if (outcome !== 'late') return outcome;
    this.signal('SIGKILL');
    return this.exited;
  }
}

export function describeExit(exit: ChildExit): string {
  if (exit.signal) return `signal ${exit.signal}`;
  return exit.code === null ? 'could not start' : `exit code ${exit.code}`;
}
