/**
 * @module The progress bar of bulk publishing (flags or `--file`) on a terminal: drawn on stderr, since
 * stdout carries the job ids; when stdout is the same terminal each id line first wipes the bar, which
 * the next redraw puts back below it.
 */
import { createReadStream } from 'node:fs';
import { Writable } from 'node:stream';
import { createInterface } from 'node:readline';
import cliProgress from 'cli-progress';

export interface PublishProgress {
  /** Where job ids go: stdout, wrapped to keep the bar from tearing them when both share a terminal. */
  readonly out: NodeJS.WritableStream;
  /** Where problems go: stderr, each line wiping the bar first. */
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

/** A bar when stderr is a terminal and there is more than one job; otherwise a no-op. */
export function publishProgress(options: { total: number | undefined; err?: NodeJS.WriteStream; out?: NodeJS.WriteStream }): PublishProgress {
  const err = options.err ?? process.stderr;
  const out = options.out ?? process.stdout;
  if (!err.isTTY || options.total === 1) {
    return { out, err, submitted: () => undefined, published: () => undefined, stop: () => undefined };
  }
  const startedAt = performance.now();
  const bar = new cliProgress.SingleBar(
    { stream: err, format: 'publishing [{bar}] {value}/{total} jobs | {rate} jobs/s | eta {eta_formatted}', hideCursor: true, fps: 10 },
    cliProgress.Presets.shades_classic,
  );
  let total = options.total ?? 0;
  bar.start(total, 0, { rate: 0 });
  const wipingBar = (target: NodeJS.WriteStream) =>
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        err.write('\r\x1b[2K');
        target.write(chunk, callback);
      },
    });
  return {
    out: out.isTTY ? wipingBar(out) : out,
    err: wipingBar(err),
    submitted(count) {
      // Reading stdin, the total is only known as lines arrive.
      if (options.total === undefined && count > total) bar.setTotal((total = count));
    },
    published(count) {
      const seconds = (performance.now() - startedAt) / 1000;
      bar.update(count, { rate: seconds > 0 ? Math.round(count / seconds) : 0 });
    },
    stop() {
      bar.stop();
    },
  };
}
