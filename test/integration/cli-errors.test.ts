/**
 * "One clear line, never a stack trace": bad publish values, a refused RabbitMQ login, a broker that does not
 * answer (a one-shot publish gives up; a processor keeps trying and says so once), and the small CLI promises
 * a new user reads in --help: --version, defaults, --params/--input, a duplicate --job-id.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/dev/ports.js';
import { TestSystem, waitFor } from '../helpers/system.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const CLI = path.resolve(here, '../../dist/cli.js');
const system = new TestSystem();

function run(args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string; ms: number }>((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...process.env, BATON_NAMESPACE: system.namespace, BATON_LOG_FORMAT: 'json', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdin.end('');
    child.on('exit', (code) => resolve({ code, stdout, stderr, ms: Date.now() - started }));
  });
}

/** The lines a person reads: the json log lines (at most one warning) are not part of the message. */
const messageLines = (stderr: string) => stderr.trim().split('\n').filter((line) => line !== '' && !line.startsWith('{'));

beforeAll(() => system.start());
afterAll(() => system.stop());

describe('bad publish values', () => {
  it.each([
    [['publish', '--count', 'five'], {}, 'BATON_PUBLISH_COUNT (--count) must be an integer from 1 to 1000000; got "five"'],
    [['publish'], { BATON_PUBLISH_COUNT: 'abc' }, 'BATON_PUBLISH_COUNT (--count) must be an integer from 1 to 1000000; got "abc"'],
    [['publish', '--steps', '-1'], {}, 'BATON_PUBLISH_STEPS (--steps) must be an integer from 0 to 10000; got "-1"'],
    [['publish', '--params', '[1,2]'], {}, 'BATON_PUBLISH_PARAMS (--params) must be a JSON object; got "[1,2]"'],
    [['processor', '--lease-seconds', '90'], {}, 'BATON_LEASE_SECONDS (--lease-seconds) must be an integer from 15 to 60; got "90"'],
  ])('%j %j: one line in the settings format, exit 2', async (args, env, message) => {
    const result = await run(args, env);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`baton: ${message}`);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('RabbitMQ problems', () => {
  it('a wrong password is one line naming it, for publish, processor and dev alike', async () => {
    for (const command of [['publish', '--count', '1'], ['processor'], ['dev', '--in-memory']]) {
      const result = await run(command, { BATON_AMQP_URL: 'amqp://guest:not-the-password@127.0.0.1:5672' });
      expect(result.code, command[0]).toBe(1);
      const lines = messageLines(result.stderr);
      expect(lines, result.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(/^baton: RabbitMQ at amqp:\/\/guest:\[redacted\]@127\.0\.0\.1:5672 refused the user name or password/);
      expect(result.stderr).not.toContain('not-the-password');
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('a one-shot publish to a broker that does not answer gives up after BATON_CONNECT_TIMEOUT_SECONDS with advice', async () => {
    const port = await freePort();
    const result = await run(['publish', '--count', '1', '--connect-timeout-seconds', '2'], { BATON_AMQP_URL: `amqp://guest:guest@127.0.0.1:${port}` });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`RabbitMQ is not reachable at amqp://guest:[redacted]@127.0.0.1:${port} (no connection within 2 s`);
    expect(result.stderr).toContain('sudo rabbitmq-server -detached');
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.ms).toBeLessThan(60_000);
    // The retry warning is said once, not once per attempt.
    expect(result.stderr.match(/cannot reach RabbitMQ/g)).toHaveLength(1);
  });

  it('a processor keeps trying and says so once, with how long it has been trying', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [CLI, 'processor'], {
      env: { ...process.env, BATON_NAMESPACE: system.namespace, BATON_LOG_FORMAT: 'json', BATON_AMQP_URL: `amqp://guest:guest@127.0.0.1:${port}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    try {
      await waitFor(() => output.includes('cannot reach RabbitMQ'), 'the first warning', 30_000);
      // 0.5 + 1 + 2 + 4 s of backoff: several more attempts, none of them another warning.
      await new Promise((resolve) => setTimeout(resolve, 6000));
      expect(child.exitCode).toBeNull();
      const warnings = output.split('\n').filter((line) => line.includes('cannot reach RabbitMQ'));
      expect(warnings).toHaveLength(1);
      expect(JSON.parse(warnings[0]!)).toMatchObject({ level: 'warn', triedSeconds: expect.any(Number) });
    } finally {
      child.kill('SIGKILL');
    }
  });
});

describe('what --help and --version promise', () => {
  it('--version prints the package version', async () => {
    const { version } = JSON.parse(readFileSync(path.resolve(here, '../../package.json'), 'utf8')) as { version: string };
    const result = await run(['--version']);
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe(version);
  });

  it('publish --help shows the defaults and the variables', async () => {
    const result = await run(['publish', '--help']);
    expect(result.code).toBe(0);
    const help = result.stdout.replace(/\s+/g, ' ');
    expect(help).toMatch(/--count <n> number of jobs to publish \(default: 1\) \(env: BATON_PUBLISH_COUNT\)/);
    expect(help).toContain('handler type (default: steps)');
    expect(help).toContain('--params <json>');
    expect(help).toContain('--input <path>');
    expect(help).toContain('[BATON_CONNECT_TIMEOUT_SECONDS; default: 30]');
  });

  it('--params and --input become processingParameters and inputFilePath', async () => {
    const jobId = `params-${system.namespace}`;
    const result = await run(['publish', '--job-id', jobId, '--type', 'resize', '--params', '{"width":200}', '--input', 'images/a.png']);
    expect(result.code, result.stderr).toBe(0);
    const body = await waitFor(async () => {
      const message = await system.channel.get(system.names.jobsQueue, { noAck: true });
      if (!message) return undefined;
      const job = JSON.parse(message.content.toString()) as { jobId: string };
      return job.jobId === jobId ? job : undefined;
    }, 'the published job', 10_000);
    expect(body).toMatchObject({ jobId, type: 'resize', inputFilePath: 'images/a.png', processingParameters: { width: 200 } });
  });

  it('a --job-id the audit trail knows is published with a warning that it is a duplicate', async () => {
    const jobId = `dup-${system.namespace}`;
    const first = await run(['publish', '--job-id', jobId, '--steps', '1']);
    expect(first.code).toBe(0);
    expect(first.stderr).not.toContain('duplicate');
    const second = await run(['publish', '--job-id', jobId, '--steps', '1']);
    expect(second.code).toBe(0);
    expect(second.stdout.trim()).toBe(jobId);
    expect(second.stderr).toContain(`warning: job ${jobId} is a duplicate of a known job`);
  });
});
