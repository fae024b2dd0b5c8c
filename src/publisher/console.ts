/**
 * @module The interactive publisher console (`baton publish` on a terminal with no job flags): a key
 * publishes demo jobs and prints their ids once the broker confirmed them; a live line at the bottom
 * tallies the statuses of this console's jobs, read from the audit trail; `q` or Ctrl-C quits.
 */
import os from 'node:os';
import type { Config } from '../core/config.js';
import type { Logger } from '../core/logger.js';
import { validateJobRequest } from '../contracts/job-request.js';
import { actionForKey, HELP_LINE, splitKeys, type ConsoleAction } from './console-keys.js';
import { changeLine, JobStatusBoard, tallyLine } from './console-status.js';
import { demoJob, type DemoOptions } from './demo-job.js';
import { Publisher } from './publisher.js';

export interface ConsoleRun {
  readonly config: Pick<Config, 'amqpUrl' | 'storageConnectionString' | 'namespace' | 'queueType'>;
  readonly logger: Logger;
  readonly input?: NodeJS.ReadStream;
  readonly output?: NodeJS.WriteStream;
  /** How often job statuses are read from the audit trail. */
  readonly pollMs?: number;
}

export interface ConsoleSummary {
  readonly published: number;
  readonly failed: number;
}

/** Printed lines scroll above one status line that is redrawn in place. */
class StatusLine {
  #text = '';
  constructor(private readonly out: NodeJS.WriteStream) {}

  print(line: string): void {
    this.out.write(`\r\x1b[2K${line}\n${this.#text}`);
  }

  set(text: string): void {
    const width = Math.max(20, (this.out.columns ?? 120) - 1);
    const fitted = text.length > width ? `${text.slice(0, width - 1)}…` : text;
    if (fitted === this.#text) return;
    this.#text = fitted;
    this.out.write(`\r\x1b[2K${fitted}`);
  }

  /** Leaves the status line as it is, as the last line of the console's output. */
  finish(): void {
    if (this.#text) this.out.write('\n');
    this.#text = '';
  }
}

export async function runConsole(run: ConsoleRun): Promise<ConsoleSummary> {
  const input = run.input ?? process.stdin;
  const out = run.output ?? process.stdout;
  const publisher = new Publisher({ ...run.config, publisherId: `console-${os.hostname()}-${process.pid}`, logger: run.logger });
  out.write(`connecting to RabbitMQ and storage (namespace ${run.config.namespace})…\n`);
  await publisher.start();

  const screen = new StatusLine(out);
  const board = new JobStatusBoard({
    readSummary: (jobId) => publisher.storage.audit.summary(jobId),
    onChange: (job) => screen.print(changeLine(job)),
    intervalMs: run.pollMs ?? 1000,
  });
  const refresh = () => screen.set(`${tallyLine(board.jobs)}${board.unreachable ? ' · audit trail unreachable' : ''}  (h = help)`);
  const redraw = setInterval(refresh, 250);
  const inFlight = new Set<Promise<void>>();
  let published = 0;
  let failed = 0;

  const publishOne = async (options: DemoOptions, label: string) => {
    const parsed = validateJobRequest(demoJob(options));
    if (!parsed.ok) throw new RangeError(parsed.reason); // demo jobs are valid by construction
    try {
      const job = await publisher.publish(parsed.job);
      published++;
      board.add(job);
      screen.print(`${job.jobId}  ${job.jobName}${label ? `  [${label}]` : ''}`);
    } catch (error) {
      failed++;
      screen.print(`error: job ${parsed.job.jobId} not published: ${(error as Error).message}`);
    }
  };
  const perform = (action: Exclude<ConsoleAction, { kind: 'quit' }>) => {
    if (action.kind === 'help') return screen.print(HELP_LINE);
    for (const options of action.jobs) {
      const task = publishOne(options, action.label).finally(() => inFlight.delete(task));
      inFlight.add(task);
    }
  };

  out.write(`Baton publisher console (namespace ${run.config.namespace})\n${HELP_LINE}\n`);
  refresh();
  await untilQuit(input, perform);

  // Quitting waits for what is in flight: a job whose key was pressed is confirmed (and printed) or reported.
  await Promise.allSettled([...inFlight]);
  clearInterval(redraw);
  await board.close();
  refresh();
  screen.finish();
  out.write(`published ${published} job${published === 1 ? '' : 's'}${failed > 0 ? `, ${failed} failed` : ''}; bye\n`);
  await publisher.close();
  return { published, failed };
}

/** Reads raw key presses until `q`, Ctrl-C, Ctrl-D, the end of input or a signal; restores the terminal. */
function untilQuit(input: NodeJS.ReadStream, perform: (action: Exclude<ConsoleAction, { kind: 'quit' }>) => void): Promise<void> {
  return new Promise((resolve) => {
    const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
    const stop = () => {
      input.off('data', onData);
      input.off('end', stop);
      for (const signal of signals) process.off(signal, stop);
      if (input.isTTY) input.setRawMode(false);
      input.pause();
      resolve();
    };
    const onData = (chunk: string) => {
      for (const key of splitKeys(chunk)) {
        const action = actionForKey(key);
        if (action.kind === 'quit') return stop(); // keys after q are not acted on
        perform(action);
      }
    };
    // Raw mode turns Ctrl-C into a key (handled above) instead of SIGINT; signals from elsewhere still quit.
    if (input.isTTY) input.setRawMode(true);
    input.setEncoding('utf8');
    input.on('data', onData);
    input.once('end', stop);
    for (const signal of signals) process.once(signal, stop);
    input.resume();
  });
}
