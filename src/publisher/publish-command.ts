/**
 * @module `baton publish` without prompting: jobs from flags or an NDJSON file, published with
 * confirms; one jobId (or JSON object) per line on stdout, in input order; problems on stderr.
 */
import os from 'node:os';
import type { Config } from '../core/config.js';
import type { Logger } from '../core/logger.js';
import type { JobRequest } from '../contracts/job-request.js';
import { jobsFromFlags, readJobLines, type InputLine, type JobFlags } from './job-input.js';
import { Publisher, type PublishedJob } from './publisher.js';

/** Jobs in flight at once: enough to keep the broker and the table busy, few enough to bound memory. */
const WINDOW = 256;

export interface PublishRun {
  /** Without `connectTimeoutSeconds`, waits for RabbitMQ for as long as it takes. */
  readonly config: Pick<Config, 'amqpUrl' | 'storageConnectionString' | 'namespace' | 'queueType'> & Partial<Pick<Config, 'actor'>> & { readonly connectTimeoutSeconds?: number };
  readonly logger: Logger;
  readonly flags: JobFlags;
  readonly file?: string;
  readonly json: boolean;
  readonly out?: NodeJS.WritableStream;
  readonly err?: NodeJS.WritableStream;
  /** Called after each confirmed job (progress display). */
  readonly onPublished?: (count: number) => void;
  /** Called as each valid job is handed to the broker (progress display: the total, when read from stdin). */
  readonly onSubmitted?: (count: number) => void;
}

export interface PublishSummary {
  readonly published: number;
  readonly invalid: number;
  readonly failed: number;
  readonly seconds: number;
}

export async function runPublish(run: PublishRun): Promise<PublishSummary> {
  const out = run.out ?? process.stdout;
  const err = run.err ?? process.stderr;
  const { actor: _actor, connectTimeoutSeconds: _seconds, ...connection } = run.config;
  const publisher = new Publisher({ ...connection, publisherId: `publisher-${os.hostname()}-${process.pid}`, logger: run.logger });
  try {
    const seconds = run.config.connectTimeoutSeconds;
    await publisher.start(seconds === undefined ? {} : { brokerTimeoutMs: seconds * 1000 });
  } catch (error) {
    await publisher.close();
    throw error;
  }
  if (run.flags.jobId !== undefined && !run.file) await warnIfKnown(publisher, run.flags.jobId, err);
  const startedAt = performance.now();
  let published = 0;
  let invalid = 0;
  let failed = 0;
  let submitted = 0;
  const window: Array<Promise<PublishedJob | Error>> = [];

  const drainOne = async () => {
    const result = await window.shift();
    if (result instanceof Error) {
      failed++;
      err.write(`error: ${result.message}\n`);
    } else if (result) {
      published++;
      out.write(run.json ? `${JSON.stringify(result)}\n` : `${result.jobId}\n`);
      if (!result.audited) err.write(`warning: job ${result.jobId} was published but its Queued event was not recorded\n`);
      run.onPublished?.(published);
    }
  };
  const submit = async (job: JobRequest) => {
    run.onSubmitted?.(++submitted);
    window.push(publisher.publish(job, run.config.actor !== undefined ? { actor: run.config.actor } : {}).catch((error: unknown) => new Error(`job ${job.jobId} not published: ${(error as Error).message}`)));
    if (window.length >= WINDOW) await drainOne();
  };

  try {
    const inputs: AsyncIterable<InputLine> | Iterable<InputLine> = run.file
      ? readJobLines(run.file)
      : jobsFromFlags(run.flags).map((job, i): InputLine => ({ ok: true, job, line: i + 1 }));
    for await (const input of inputs) {
      if (!input.ok) {
        invalid++;
        err.write(`line ${input.line}: ${input.reason}\n`);
        continue;
      }
      await submit(input.job);
    }
    while (window.length > 0) await drainOne();
  } finally {
    await publisher.close();
  }
  return { published, invalid, failed, seconds: (performance.now() - startedAt) / 1000 };
}

/** Jobs whose later deliveries are acknowledged unrun (`Duplicate`). */
const FINAL = new Set(['Completed', 'DeadLettered', 'Cancelled']);

/**
 * `--job-id` of a job the audit trail already knows: the new copy is a duplicate of it. Said on stderr
 * (the copy is still published: re-sending a job is how an at-least-once producer recovers), never silently.
 */
async function warnIfKnown(publisher: Publisher, jobId: string, err: NodeJS.WritableStream): Promise<void> {
  const history = await publisher.storage.audit.history(jobId).catch(() => []);
  const last = history.at(-1);
  if (!last) return;
  const fate = FINAL.has(last.status)
    ? 'it has ended, so this copy will be acknowledged unrun (Duplicate)'
    : 'both copies share its history, and it runs at most once at a time';
  err.write(`warning: job ${jobId} is a duplicate of a known job (${history.length} events, last ${last.status} at ${last.timestamp}): ${fate}\n`);
}
