#!/usr/bin/env node
// `npm run docs:config`: rewrites the configuration table in README.md from SETTINGS (src/core/config.ts).
// `npm run docs:config -- --check` only says whether it is current (exit 1 when not), for CI.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { withConfigTable } from '../dist/dev/config-table.js';

const readmePath = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'README.md');
const current = readFileSync(readmePath, 'utf8');
const updated = withConfigTable(current);
if (process.argv.includes('--check')) {
  if (updated !== current) {
    process.stderr.write('README.md: the configuration table is out of date; run `npm run docs:config`\n');
    process.exit(1);
  }
  process.stdout.write('README.md: the configuration table is current\n');
} else if (updated === current) {
  process.stdout.write('README.md: the configuration table was already current\n');
} else {
  writeFileSync(readmePath, updated);
  process.stdout.write('README.md: configuration table rewritten from SETTINGS\n');
}
