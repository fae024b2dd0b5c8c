import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { jobRequestSchema, validateJobRequest } from '../contracts/job-request.js';
import { EXAMPLE_JOB_REQUEST, EXAMPLE_LEAVES_OUT, jobRequestBlock, jobRequestFields, renderJobRequestDoc, withJobRequestDoc } from './job-request-doc.js';

const README = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../README.md');

describe('the README job request reference', () => {
  it('is exactly the reference rendered from the schema (run `npm run docs:config` after changing it)', () => {
    expect(readFileSync(README, 'utf8')).toContain(jobRequestBlock());
  });

  it('has one row per schema field, saying whether it is required', () => {
    const doc = renderJobRequestDoc();
    const keys = Object.keys(jobRequestSchema.shape);
    for (const key of keys) expect(doc, key).toMatch(new RegExp(`^\\| \`${key}\` \\| (yes|no) \\|`, 'm'));
    expect(doc).toMatch(/^\| `jobId` \| yes \|/m);
    expect(doc).toMatch(/^\| `lockKey` \| no \| .* \| the jobId/m);
    expect(jobRequestFields()).toHaveLength(keys.length);
  });

  it('derives ranges and defaults from the schema', () => {
    const fields = jobRequestFields(
      z.object({
        n: z.number().int().min(2).max(9).meta({ description: 'a count' }),
        kind: z.string().default('plain').meta({ description: 'a kind' }),
        note: z.string().max(10).optional().meta({ description: 'a | note' }),
      }),
    );
    expect(fields).toEqual([
      { field: 'n', required: true, accepts: 'an integer from 2 to 9', defaultText: '—', description: 'a count' },
      { field: 'kind', required: false, accepts: 'a string', defaultText: '`"plain"`', description: 'a kind' },
      { field: 'note', required: false, accepts: 'up to 10 characters', defaultText: 'none', description: 'a | note' },
    ]);
    expect(renderJobRequestDoc(fields)).toContain('a \\| note');
  });

  it('refuses a field without a description, so a new field cannot go undocumented', () => {
    expect(() => jobRequestFields(z.object({ bare: z.string() }))).toThrow(/"bare" has no description/);
  });

  it('shows an example that the schema accepts, with every field set (but the alternatives of those set)', () => {
    expect(validateJobRequest(EXAMPLE_JOB_REQUEST).ok).toBe(true);
    expect([...Object.keys(EXAMPLE_JOB_REQUEST), ...EXAMPLE_LEAVES_OUT].sort()).toEqual(Object.keys(jobRequestSchema.shape).sort());
  });

  it('rewrites only what lies between its markers', () => {
    const readme = `before\n${jobRequestBlock('old')}\nafter\n`;
    expect(withJobRequestDoc(readme, 'new')).toBe(`before\n${jobRequestBlock('new')}\nafter\n`);
    expect(() => withJobRequestDoc('no markers', 'new')).toThrow(/markers/);
  });
});
