/**
 * `npm run bench` compares against BullMQ from a clean clone, reproducibly: the peer is pinned to one exact
 * version in bench/peers (package.json and its lock file agree), outside the project's own dependencies,
 * and the bench reads it from there.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { bullmqVersion, PEERS_DIR } from '../../bench/lib/bullmq-peer.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
interface Manifest {
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  packages: Record<string, { version?: string; dependencies?: Record<string, string> }>;
}
const json = (file: string) => JSON.parse(readFileSync(path.join(ROOT, file), 'utf8')) as Manifest;

describe('the bench peers', () => {
  it('pin BullMQ to one exact version, in a lock file that npm ci can install', () => {
    const manifest = json(`${PEERS_DIR}/package.json`);
    const lock = json(`${PEERS_DIR}/package-lock.json`);
    const wanted = manifest.dependencies?.bullmq ?? '';
    expect(wanted).toMatch(/^\d+\.\d+\.\d+$/);
    expect(lock.packages['node_modules/bullmq']?.version).toBe(wanted);
    expect(lock.packages['']?.dependencies).toEqual(manifest.dependencies);
    // BullMQ 6 needs its Redis client at the first queue, and no longer installs it: pinned beside it.
    expect(manifest.dependencies?.ioredis).toMatch(/^\d+\.\d+\.\d+$/);
    expect(lock.packages['node_modules/ioredis']?.version).toBe(manifest.dependencies?.ioredis);
  });

  it('stay out of the project: neither its package.json nor its lock file names BullMQ', () => {
    const project = json('package.json');
    expect({ ...project.dependencies, ...project.devDependencies }).not.toHaveProperty('bullmq');
    expect(json('package-lock.json').packages).not.toHaveProperty('node_modules/bullmq');
  });

  it('are what the bench report names', () => {
    const read = (file: string) => (file === path.join(PEERS_DIR, 'node_modules', 'bullmq', 'package.json') ? { version: '9.9.9' } : {});
    expect(bullmqVersion(read)).toBe('9.9.9');
    const source = readFileSync(path.join(ROOT, 'bench/lib/bullmq-peer.ts'), 'utf8');
    expect(source).toContain("'ci', '--prefix'");
    expect(source).not.toContain("'install'");
  });
});
