/**
 * @module The progress bar of bulk publishing (flags or `--file`) on a terminal: one line on stderr,
 * since stdout carries the job ids. Every line written through it (ids when stdout is the same terminal,
 * problems on stderr) first wipes the bar and then redraws it below, synchronously, so the bar always
 * sits at the bottom and nothing is written over. (cli-progress's bar restores a cursor position saved
 * at its start, which lands on the wrong row once other lines have scrolled the terminal.)
 */
import { createReadStream } from 'node:fs';
import { Writable } from 'node:stream';
import { createInterface } from 'node:readline';

const BAR_WIDTH = 30;
const REDRAW_MS = 100;

export interface PublishProgress {
  /** Where job ids go: stdout, through the bar when both share a terminal. */
  readonly out: NodeJS.WritableStream;
  /** Where problems go: stderr, through the bar. */
  readonly err: NodeJS.WritableStream;
  submitted(count: number): void;
  published(count: number): void;
  stop(): void;
}

/** Counts the non-blank lines of an NDJSON file, so the bar knows its total; `undefined` for stdin. */
export async function countJobLines(path: string): Promise<number | undefined> {
  if (path === '-') return undefined;
  let count = 0;
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  for await (const line of lines) if (line.trim() !== '') count++;
  return count;
}

/** "publishing [██████░░░░] 120/400 jobs | 310 jobs/s | eta 1 s"; without a total, the count and rate only. */
export function progressLine(done: number, total: number | undefined, seconds: number): string {
  const rate = seconds > 0 ? Math.round(done / seconds) : 0;
  if (total === undefined || total <= 0) return `publishing ${done} jobs | ${rate} jobs/s`;
  const filled = Math.min(BAR_WIDTH, Math.round((done / total) * BAR_WIDTH));
  const eta = rate > 0 ? `${Math.ceil((total - done) / rate)} s` : '…';
  return `publishing [${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)}] ${done}/${total} jobs | ${rate} jobs/s | eta ${eta}`;
}

/** A bar when stderr is a terminal and there is more than one job; otherwise a no-op. */
export function publishProgress(options: { total: number | undefined; err?: NodeJS.WriteStream; out?: NodeJS.WriteStream }): PublishProgress {
  const err = options.err ?? process.stderr;
  const out = options.out ?? process.stdout;
  if (!err.isTTY || options.total === 1) {
    return { out, err, submitted: () => undefined, published: () => undefined, stop: () => undefined };
  }
  // The clock starts with the first job handed to the broker, as the final "published N jobs in S s" line's
  // does: timing from here would count the connection set-up and show a lower rate than that line.
  let startedAt: number | undefined;
  let total = options.total;
  let done = 0;
  let shown = false;
  let drawnAt = 0;
  const draw = () => {
    const text = progressLine(done, total, startedAt === undefined ? 0 : (performance.now() - startedAt) / 1000);
    err.write(`\r\x1b[2K${text.slice(0, Math.max(20, (err.columns ?? 80) - 1))}`);
    shown = true;
    drawnAt = performance.now();
  };
  const wipe = () => {
    if (shown) err.write('\r\x1b[2K');
    shown = false;
  };
  const through = (target: NodeJS.WriteStream) =>
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        wipe();
        target.write(chunk);
        draw();
        callback();
      },
    });
  draw();
  return {
    out: out.isTTY ? through(out) : out,
    err: through(err),
    submitted(count) {
      startedAt ??= performance.now();
      // Reading stdin, the total is only known as lines arrive.
      if (options.total === undefined) total = Math.max(total ?? 0, count);
    },
    published(count) {
      done = count;
      if (performance.now() - drawnAt >= REDRAW_MS) draw();
    },
    stop() {
      draw();
      err.write('\n');
    },
  };
}
