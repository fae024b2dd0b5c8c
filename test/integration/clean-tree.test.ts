/**
 * `.ci/run` fails when `npm test` changed the work tree: scripts/tree-unchanged.sh, run in a scratch git
 * repository, passes for an untouched tree and fails, naming the file, for a rewritten or a new one.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SCRIPT = path.join(ROOT, 'scripts/tree-unchanged.sh');
const repo = mkdtempSync(path.join(os.tmpdir(), 'baton-tree-'));
const snapshot = path.join(os.tmpdir(), `${path.basename(repo)}.status`);

const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, stdio: 'pipe' });
const tree = (mode: 'save' | 'check') => spawnSync('bash', [SCRIPT, mode, snapshot], { cwd: repo, encoding: 'utf8' });

afterAll(() => {
  rmSync(repo, { recursive: true, force: true });
  rmSync(snapshot, { force: true });
});

describe('the clean-tree check of .ci/run', () => {
  it('passes when the tests left the tree alone, fails naming what they changed or added', () => {
    git('init', '-q');
    writeFileSync(path.join(repo, 'picture.png'), 'v1');
    git('add', '.');
    git('-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'one');

    expect(tree('save').status).toBe(0);
    expect(tree('check').status).toBe(0);

    writeFileSync(path.join(repo, 'picture.png'), 'v2'); // a test rewrote a tracked file
    const rewritten = tree('check');
    expect(rewritten.status).toBe(1);
    expect(rewritten.stdout).toContain('picture.png');

    git('checkout', '--', 'picture.png');
    writeFileSync(path.join(repo, 'left-behind.txt'), 'x'); // a test left a file behind
    const added = tree('check');
    expect(added.status).toBe(1);
    expect(added.stdout).toContain('left-behind.txt');
  });

  it('is what .ci/run runs around npm test', () => {
    const ci = readFileSync(path.join(ROOT, '.ci/run'), 'utf8');
    const save = ci.indexOf('scripts/tree-unchanged.sh save');
    const test = ci.indexOf('\nnpm test\n');
    const check = ci.indexOf('scripts/tree-unchanged.sh check');
    expect(save).toBeGreaterThan(0);
    expect(test).toBeGreaterThan(save);
    expect(check).toBeGreaterThan(test);
  });
});
