/**
 * The examples a new user copies, run as they are: a processor with BATON_HANDLERS=examples/handlers.mjs,
 * `baton publish --file examples/jobs.ndjson`, every job completes; and the README shows the real handler file.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestSystem } from '../helpers/system.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const system = new TestSystem();

beforeAll(() => system.start());
afterAll(() => system.stop());

function publishFile(file: string) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    // From the repository's root, as the README's commands run.
    const child = spawn(process.execPath, ['dist/cli.js', 'publish', '--file', file, '--json'], {
      cwd: ROOT,
      env: { ...process.env, BATON_NAMESPACE: system.namespace, BATON_LOG_FORMAT: 'json' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('examples/', () => {
  it('runs examples/jobs.ndjson to completion on a processor with BATON_HANDLERS=examples/handlers.mjs', async () => {
    // Vitest runs from the repository's root and the processor inherits it: examples/ paths resolve as in the README.
    expect(process.cwd()).toBe(ROOT);
    await system.startProcessor({ BATON_HANDLERS: 'examples/handlers.mjs', BATON_CONCURRENCY: '2' });
    const result = await publishFile('examples/jobs.ndjson');
    expect(result.code, result.stderr).toBe(0);
    const published = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as { jobId: string; type: string });
    const lines = readFileSync(path.join(ROOT, 'examples/jobs.ndjson'), 'utf8').trim().split('\n');
    expect(published).toHaveLength(lines.length);
    await system.waitForAll(published.map((job) => job.jobId), 'Completed', 60_000);
    const wordCount = published.find((job) => job.type === 'word-count')!;
    const steps = (await system.history(wordCount.jobId)).filter((event) => event.status === 'Step');
    expect(steps.at(-1)?.message).toMatch(/distinct words; most frequent: the \(\d+\)/);
  });

  it('the README shows the handler module exactly as examples/handlers.mjs has it', () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const handlers = readFileSync(path.join(ROOT, 'examples/handlers.mjs'), 'utf8');
    expect(readme).toContain(`\`\`\`js\n${handlers}\`\`\``);
  });
});
