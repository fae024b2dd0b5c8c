/** The `baton` command as scripts use it: publish from flags and files, exit codes, bad input, handler modules, logs. */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestSystem } from '../helpers/system.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const CLI = path.resolve(here, '../../dist/cli.js');
const system = new TestSystem();

function run(args: string[], options: { env?: Record<string, string>; stdin?: string } = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...process.env, BATON_NAMESPACE: system.namespace, BATON_LOG_FORMAT: 'json', ...options.env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdin.end(options.stdin ?? '');
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

beforeAll(() => system.start());
afterAll(() => system.stop());

describe('baton publish', () => {
  it('prints one jobId per confirmed job and records Queued for each', async () => {
    const before = await system.messageCount(system.names.jobsQueue);
    const result = await run(['publish', '--count', '3', '--steps', '1', '--step-ms', '0']);
    expect(result.code).toBe(0);
    const ids = result.stdout.trim().split('\n');
    expect(ids).toHaveLength(3);
    for (const id of ids) expect(await system.statuses(id)).toEqual(['Queued']);
    expect(await system.messageCount(system.names.jobsQueue)).toBe(before + 3);
  });

  it('prints JSON objects with --json, honouring --job-id and --lock-key', async () => {
    const result = await run(['publish', '--job-id', 'cli-json-1', '--name', 'json one', '--lock-key', 'k1', '--json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ jobId: 'cli-json-1', jobName: 'json one', lockKey: 'k1', type: 'steps' });
  });

  it('publishes the valid lines of a file, reports the invalid ones by number, and exits 1', async () => {
    const lines = [
      JSON.stringify({ jobId: 'file-ok-1', jobName: 'first' }),
      '{ not json',
      JSON.stringify({ jobName: 'no id: one is generated' }),
      JSON.stringify({ jobId: 'file-bad-4', jobName: '' }),
      '',
      JSON.stringify({ jobId: 'file-ok-6', jobName: 'sixth', processingParameters: { steps: 2 } }),
    ].join('\n');
    const result = await run(['publish', '--file', '-'], { stdin: lines });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/line 2: not JSON/);
    expect(result.stderr).toMatch(/line 4: jobName/);
    const ids = result.stdout.trim().split('\n');
    expect(ids).toHaveLength(3);
    expect(ids[0]).toBe('file-ok-1');
    expect(ids[2]).toBe('file-ok-6');
    expect(await system.statuses('file-bad-4')).toEqual([]);
  });

  it.each([
    [['publish', '--count', 'abc'], /--count.*must be an integer from 1 to 1000000/],
    [['publish', '--count', '2', '--job-id', 'x'], /--job-id .* only with --count 1/],
    [['publish', '--bogus'], /unknown option '--bogus'/],
    [['processor', '--lease-seconds', '90'], /BATON_LEASE_SECONDS \(--lease-seconds\) must be an integer from 15 to 60; got "90"/],
  ])('stops on bad input %j with a clear message', async (args, message) => {
    const result = await run(args);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });
});

describe('baton processor', () => {
  it('loads BATON_HANDLERS, logs job lines with jobId, processorId and attempt, and never logs the storage key', async () => {
    // The publish tests above left slow demo jobs queued; this test is about one job of its own.
    await system.channel.purgeQueue(system.names.jobsQueue);
    const processor = await system.startProcessor({
      BATON_HANDLERS: path.resolve(here, '../fixtures/handlers.mjs'),
      BATON_STORAGE_CONNECTION_STRING:
        'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;TableEndpoint=http://127.0.0.1:10002/devstoreaccount1;',
      BATON_LOG_LEVEL: 'debug',
    });
    const job = system.job({ type: 'echo', jobName: 'echo job', processingParameters: { text: 'hi' } });
    await system.publish([job]);
    await system.waitForAll([job.jobId], 'Completed');
    expect(await system.statuses(job.jobId)).toEqual(['Queued', 'Started', 'Step', 'Completed']);
    const jobLines = processor.lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((l) => l.jobId === job.jobId);
    expect(jobLines.length).toBeGreaterThan(1);
    for (const line of jobLines.filter((l) => l.message !== 'message rejected')) {
      expect(line).toMatchObject({ processorId: processor.processorId, attempt: 1 });
    }
    expect(processor.lines.join('\n')).not.toContain('Eby8vdM02x');
  });
});
