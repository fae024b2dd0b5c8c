/**
 * @module Turning flags and NDJSON lines into job requests. Flags and file lines share one vocabulary
 * (the job request); a missing jobId is generated, and every line is validated with the contract's schema.
 */
import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { validateJobRequest, type JobRequest } from '../contracts/job-request.js';
import { demoJob } from './demo-job.js';
import { ConfigError } from '../core/errors.js';

export interface JobFlags {
  readonly count: number;
  readonly name?: string;
  readonly description?: string;
  readonly type?: string;
  readonly steps?: number;
  readonly stepMs?: number;
  readonly failTimes?: number;
  readonly lockKey?: string;
  readonly jobId?: string;
  readonly maxAttempts?: number;
  /** `--params JSON`: the job's processingParameters (merged over --steps, --step-ms and --fail-times). */
  readonly params?: Record<string, unknown>;
  /** `--input PATH`: the job's inputFilePath. */
  readonly inputFilePath?: string;
  readonly runAt?: string;
  readonly delayMs?: number;
  readonly priority?: number;
  readonly timeoutSeconds?: number;
  readonly tenant?: string;
  readonly partition?: string;
}

export type InputLine = { readonly ok: true; readonly job: JobRequest; readonly line: number } | { readonly ok: false; readonly reason: string; readonly line: number };

/** Jobs described by flags; `--job-id` only goes with a count of 1 (checked by the caller). */
export function jobsFromFlags(flags: JobFlags): JobRequest[] {
  const jobs: JobRequest[] = [];
  for (let i = 0; i < flags.count; i++) {
    const demo = demoJob();
    const params = {
      ...(flags.steps !== undefined ? { steps: flags.steps } : {}),
      ...(flags.stepMs !== undefined ? { stepMs: flags.stepMs } : {}),
      ...(flags.failTimes !== undefined ? { failTimes: flags.failTimes } : {}),
      ...flags.params,
    };
    const request = {
      jobId: flags.jobId ?? randomUUID(),
      jobName: flags.name ?? demo.jobName,
      description: flags.description ?? demo.description,
      type: flags.type ?? 'steps',
      ...(flags.lockKey !== undefined ? { lockKey: flags.lockKey } : {}),
      ...(flags.maxAttempts !== undefined ? { maxAttempts: flags.maxAttempts } : {}),
      ...(flags.inputFilePath !== undefined ? { inputFilePath: flags.inputFilePath } : {}),
      ...(flags.runAt !== undefined ? { runAt: flags.runAt } : {}),
      ...(flags.delayMs !== undefined ? { delayMs: flags.delayMs } : {}),
      ...(flags.priority !== undefined ? { priority: flags.priority } : {}),
      ...(flags.timeoutSeconds !== undefined ? { timeoutSeconds: flags.timeoutSeconds } : {}),
      ...(flags.tenant !== undefined ? { tenantId: flags.tenant } : {}),
      ...(flags.partition !== undefined ? { partition: flags.partition } : {}),
      processingParameters: flags.type && flags.type !== 'steps' ? params : { ...demo.processingParameters, ...params },
    };
    const parsed = validateJobRequest(request);
    // Flags are configuration: a bad one is a message naming the field, not a stack trace.
    if (!parsed.ok) throw new ConfigError(`job flags: ${parsed.reason}`);
    jobs.push(parsed.job);
  }
  return jobs;
}

/** Parses one NDJSON line; blank lines are skipped by the reader. */
export function parseJobLine(text: string, line: number): InputLine {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, line, reason: `not JSON: ${(error as Error).message}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, line, reason: 'not a JSON object' };
  }
  const withId = 'jobId' in value ? value : { ...value, jobId: randomUUID() };
  const parsed = validateJobRequest(withId);
  return parsed.ok ? { ok: true, line, job: parsed.job } : { ok: false, line, reason: parsed.reason };
}

/** Reads NDJSON job requests from a path, or stdin for `-`. */
export async function* readJobLines(path: string): AsyncGenerator<InputLine> {
  const input = path === '-' ? process.stdin : createReadStream(path, { encoding: 'utf8' });
  const lines = createInterface({ input, crlfDelay: Infinity });
  let number = 0;
  for await (const text of lines) {
    number++;
    if (text.trim() === '') continue;
    yield parseJobLine(text, number);
  }
}
