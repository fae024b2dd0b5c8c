/**
 * The publisher console through a real pseudo-terminal: `baton publish` runs in a tmux pane of its own
 * tmux server; keys go in with send-keys, the screen comes back with capture-pane. Checked against the
 * real broker and audit trail: jobs in the queue, lock keys shared, live statuses, a clean exit on q.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { TestSystem, waitFor } from '../helpers/system.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = path.join(ROOT, 'dist/cli.js');
const UUID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/;

/** One tmux server (its own socket) with one pane running one command. */
class Pane {
  readonly socket: string;
  constructor(readonly namespace: string) {
    this.socket = `baton-test-${namespace}`;
  }

  #tmux(...args: string[]): string {
    return execFileSync('tmux', ['-f', '/dev/null', '-L', this.socket, ...args], { encoding: 'utf8' });
  }

  /** Runs `command` in a 120×40 pane that stays (dead) after it exits, so its last screen and status can be read. */
  start(command: string): void {
    this.#tmux('new-session', '-d', '-s', 'main', '-x', '120', '-y', '40', command, ';', 'set-option', '-t', 'main', 'remain-on-exit', 'on');
  }

  /** The whole pane, scroll-back included, wrapped lines joined. */
  screen(): string {
    return this.#tmux('capture-pane', '-p', '-J', '-S', '-1000', '-t', 'main');
  }

  keys(...keys: string[]): void {
    this.#tmux('send-keys', '-t', 'main', ...keys);
  }

  /**
   * The command's exit status once it ended; `undefined` while it runs. Read from the screen (see
   * consoleCommand): tmux 3.3 sometimes marks a pane dead without ever recording its exit status.
   */
  exitStatus(): number | undefined {
    const match = /\[exit status (\d+)\]/.exec(this.screen());
    return match ? Number(match[1]) : undefined;
  }

  /** Process state and terminal mode of the pane's command, for failure messages. */
  diagnose(): string {
    try {
      const [pid, tty] = this.#tmux('display-message', '-p', '-t', 'main', '#{pane_pid} #{pane_tty}').trim().split(' ');
      const state = execFileSync('ps', ['-o', 'stat=,wchan=', '-p', pid!], { encoding: 'utf8' }).trim();
      const mode = execFileSync('stty', ['-a', '-F', tty!], { encoding: 'utf8' }).match(/-?icanon/)?.[0];
      return `pid ${pid} state ${state}, terminal ${mode}`;
    } catch (error) {
      return `no process (${(error as Error).message.split('\n')[0]})`;
    }
  }

  async waitForScreen(predicate: (screen: string) => boolean, what: string, timeoutMs = 20_000, context = () => ''): Promise<string> {
    try {
      return await waitFor(() => {
        const screen = this.screen();
        return predicate(screen) ? screen : undefined;
      }, what, timeoutMs, 100);
    } catch (error) {
      throw new Error(`${(error as Error).message}; ${this.diagnose()}; the screen was:\n${this.screen()}${context()}`, { cause: error });
    }
  }

  /** Waits for the command to exit; a failure shows the screen and the process state. */
  async waitForExit(timeoutMs = 20_000): Promise<number> {
    try {
      return await waitFor(() => this.exitStatus(), 'the command to exit', timeoutMs, 100);
    } catch (error) {
      throw new Error(`${(error as Error).message}; ${this.diagnose()}; the screen was:\n${this.screen()}`, { cause: error });
    }
  }

  kill(): void {
    try {
      this.#tmux('kill-server');
    } catch {
      // already gone
    }
    // kill-server leaves its socket file behind.
    rmSync(path.join(process.env.TMUX_TMPDIR ?? '/tmp', `tmux-${process.getuid?.() ?? 0}`, this.socket), { force: true });
  }
}

/** `baton publish` in the pane, then its exit status printed where exitStatus() finds it. */
function consoleCommand(namespace: string, args = ''): string {
  return `cd ${ROOT} && env BATON_NAMESPACE=${namespace} BATON_LOG_FORMAT=pretty ${process.execPath} ${CLI} publish ${args}; echo "[exit status $?]"`;
}

function jobLines(screen: string): Array<{ jobId: string; label: string }> {
  return screen
    .split('\n')
    .map((line) => /^([0-9a-f-]{36}) {2}(?!Queued|Started|Retrying|Completed|DeadLettered|Interrupted|LeaseLost)[^[\n]*?(?: {2}\[(.+)\])?\s*$/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => ({ jobId: match[1]!, label: match[2] ?? '' }));
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function system(): Promise<TestSystem> {
  const sys = await new TestSystem().start();
  cleanups.push(() => sys.stop());
  return sys;
}

function pane(namespace: string): Pane {
  const created = new Pane(namespace);
  cleanups.push(() => created.kill());
  return created;
}

describe('the publisher console on a terminal', () => {
  it('publishes on keys, prints job ids, shows live statuses from the audit trail and quits on q', async () => {
    const sys = await system();
    const tty = pane(sys.namespace);
    tty.start(consoleCommand(sys.namespace));
    await tty.waitForScreen((screen) => screen.includes('q/Ctrl-C = quit') && screen.includes('no jobs yet'), 'the help line');

    tty.keys('x');
    await tty.waitForScreen((screen) => jobLines(screen).length === 1, 'one job id');
    tty.keys('b');
    await tty.waitForScreen((screen) => jobLines(screen).length === 11, 'a burst of ten more');
    // Sent back to back, these may reach the console in one read: each still counts.
    tty.keys('l');
    tty.keys('f');
    tty.keys('d');
    const screen = await tty.waitForScreen((text) => jobLines(text).length === 15 && text.includes('15 jobs: 15 queued'), 'fifteen jobs, all queued');

    const jobs = jobLines(screen);
    expect(new Set(jobs.map((job) => job.jobId)).size).toBe(15);
    expect(jobs.filter((job) => job.label === 'burst')).toHaveLength(10);
    const locked = jobs.filter((job) => job.label.startsWith('lock key '));
    expect(locked).toHaveLength(2);
    expect(locked[0]!.label).toBe(locked[1]!.label);
    // Published for real: every job waits in the queue (no processor yet), each with its Queued event.
    expect(await sys.messageCount(sys.names.jobsQueue)).toBe(15);
    const lockKey = locked[0]!.label.slice('lock key '.length);
    for (const job of locked) {
      const [queued] = await sys.history(job.jobId);
      expect(queued?.status).toBe('Queued');
      expect(queued?.message).toContain(`lock key "${lockKey}"`);
    }

    // A processor comes: the console sees, from the audit trail, jobs start, the failing one fail and
    // run again (its retry may start before the next poll: the attempt and failure counts tell), and
    // the hopeless one reach the dead-letter queue.
    const processor = await sys.startProcessor({ BATON_CONCURRENCY: '20' });
    const failing = jobs.find((job) => job.label === 'fails once')!;
    const hopeless = jobs.find((job) => job.label === 'dead-lettered')!;
    const live = await tty.waitForScreen(
      (text) => new RegExp(`${failing.jobId}  \\w+ on \\S+ \\(attempt 2, 1 failed\\)`).test(text) &&
        text.includes(`${hopeless.jobId}  DeadLettered on ${processor.processorId} (attempt 2, 2 failed): simulated failure`),
      "the failing job's second attempt and the hopeless job's DeadLettered line",
      30_000,
      () => `\nprocessor output:\n${processor.lines.slice(-30).join('\n')}`,
    );
    // Polled once a second, a short job may go from Queued to Completed unseen; most are seen running.
    const seenRunning = jobs.filter((job) => live.includes(`${job.jobId}  Started on ${processor.processorId} (attempt 1)`));
    expect(seenRunning.length).toBeGreaterThan(0);
    expect(live).toMatch(/15 jobs: .*(running|completed)/);

    tty.keys('q');
    expect(await tty.waitForExit()).toBe(0);
    expect(tty.screen()).toContain('published 15 jobs; bye');
  });

  it('quits on Ctrl-C, restoring the terminal', async () => {
    const sys = await system();
    const tty = pane(sys.namespace);
    tty.start(consoleCommand(sys.namespace));
    await tty.waitForScreen((screen) => screen.includes('no jobs yet'), 'the console');
    tty.keys('h');
    await tty.waitForScreen((screen) => screen.split('q/Ctrl-C = quit').length === 3, 'the help line again');
    tty.keys('Enter');
    await tty.waitForScreen((screen) => jobLines(screen).length === 1, 'one job');
    tty.keys('C-c');
    expect(await tty.waitForExit()).toBe(0);
    expect(tty.screen()).toContain('published 1 job; bye');
    expect(await sys.messageCount(sys.names.jobsQueue)).toBe(1);
  });

  it('bulk publishing on a terminal shows a progress bar and the rate', async () => {
    const sys = await system();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'baton-console-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const ids = path.join(dir, 'ids.txt');
    const tty = pane(sys.namespace);
    tty.start(consoleCommand(sys.namespace, `--count 300 --steps 1 --step-ms 1 > ${ids}`));
    expect(await tty.waitForExit(30_000)).toBe(0);
    const screen = tty.screen();
    expect(screen).toMatch(/publishing \[[^\]]+\] 300\/300 jobs \| \d+ jobs\/s/);
    expect(screen).toMatch(/published 300 jobs in \d+\.\d\d s \(\d+ jobs\/s\)/);
    const lines = readFileSync(ids, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(300);
    expect(lines.every((line) => UUID.test(line))).toBe(true);
    expect(await sys.messageCount(sys.names.jobsQueue)).toBe(300);
  });
  it('with the ids on the same terminal, the bar stays below them and overwrites none', async () => {
    const sys = await system();
    const tty = pane(sys.namespace);
    tty.start(consoleCommand(sys.namespace, '--count 60 --steps 1 --step-ms 1'));
    expect(await tty.waitForExit(30_000)).toBe(0);
    const lines = tty.screen().split('\n').filter((line) => line.trim() !== '');
    const ids = lines.filter((line) => new RegExp(`^${UUID.source}$`).test(line));
    expect(ids).toHaveLength(60);
    const lastId = lines.lastIndexOf(ids.at(-1)!);
    const bar = lines.findIndex((line) => line.startsWith('publishing ['));
    const rate = lines.findIndex((line) => /^published 60 jobs in/.test(line));
    expect(bar).toBeGreaterThan(lastId);
    expect(lines[bar]).toContain('60/60 jobs');
    expect(rate).toBe(bar + 1);
    expect(lines[rate + 1]).toBe('[exit status 0]');
  });
});

describe('baton publish without a terminal', () => {
  it('never waits for a key: with stdin an open pipe it publishes one job and exits', async () => {
    const sys = await system();
    const child = spawn(process.execPath, [CLI, 'publish'], { env: { ...process.env, BATON_NAMESPACE: sys.namespace }, stdio: ['pipe', 'pipe', 'pipe'] });
    cleanups.push(() => void child.kill('SIGKILL'));
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(0);
    expect(out.trim()).toMatch(new RegExp(`^${UUID.source}$`));
    expect(await sys.messageCount(sys.names.jobsQueue)).toBe(1);
  });
});
