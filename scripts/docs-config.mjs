#!/usr/bin/env node
// `npm run docs:config`: rewrites README.md's generated sections: the configuration table from SETTINGS
// (src/core/config.ts) and the "Job request" reference from the zod schema (src/contracts/job-request.ts).
// `npm run docs:config -- --check` only says whether they are current (exit 1 when not), for CI.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { withConfigTable } from '../dist/dev/config-table.js';
import { withJobRequestDoc } from '../dist/dev/job-request-doc.js';

const readmePath = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'README.md');
const current = readFileSync(readmePath, 'utf8');
const updated = withJobRequestDoc(withConfigTable(current));
if (process.argv.includes('--check')) {
  if (updated !== current) {
    process.stderr.write('README.md: a generated section (configuration table, job request) is out of date; run `npm run docs:config`\n');
    process.exit(1);
  }
  process.stdout.write('README.md: the generated sections are current\n');
} else if (updated === current) {
  process.stdout.write('README.md: the generated sections were already current\n');
} else {
  writeFileSync(readmePath, updated);
  process.stdout.write('README.md: generated sections rewritten (configuration table from SETTINGS, job request from its schema)\n');
}
