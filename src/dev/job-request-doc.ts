/**
 * @module The README's "Job request" reference, rendered from the zod schema (src/contracts/job-request.ts)
 * so that it cannot drift: every field with what it accepts, its default and its meaning, and an example
 * that the unit test validates. `npm run docs:config` rewrites it between its markers.
 */
import { z } from 'zod';
import { jobRequestSchema, validateJobRequest } from '../contracts/job-request.js';

export const JOB_REQUEST_START = '<!-- job-request:start — generated from src/contracts/job-request.ts by `npm run docs:config`; edit the schema, not this text -->';
export const JOB_REQUEST_END = '<!-- job-request:end -->';

/** A full request, every optional field set: the README shows it, and the unit test proves it valid. */
export const EXAMPLE_JOB_REQUEST = {
  jobId: 'report-2026-10',
  jobName: 'Monthly report',
  description: 'Sales report for October',
  createdAt: '2026-11-22T10:00:00.000Z',
  type: 'steps',
  lockKey: 'report:monthly',
  maxAttempts: 3,
  priority: 0,
  inputFilePath: 'reports/oct.csv',
  processingParameters: { steps: 10, stepMs: 5000, failTimes: 0 },
  timeoutSeconds: 300,
  tenantId: 'acme',
  partition: 'eu',
  runAt: '2026-11-22T10:05:00.000Z',
} as const;

/** Fields the example leaves out because it sets their alternative (`delayMs` is `runAt` made relative). */
export const EXAMPLE_LEAVES_OUT = ['delayMs'] as const;

/** What the schema says about one field (JSON Schema, plus our `accepts` and `defaultText` metadata). */
interface FieldSchema {
  readonly type?: string;
  readonly pattern?: string;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly enum?: readonly unknown[];
  readonly default?: unknown;
  readonly description?: string;
  readonly accepts?: string;
  readonly defaultText?: string;
}

export interface FieldDoc {
  readonly field: string;
  readonly required: boolean;
  readonly accepts: string;
  readonly defaultText: string;
  readonly description: string;
}

/** One entry per field of the schema, in its order; throws when a field has no description. */
export function jobRequestFields(schema: z.ZodType = jobRequestSchema): FieldDoc[] {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as { properties?: Record<string, FieldSchema>; required?: string[] };
  const required = new Set(json.required ?? []);
  return Object.entries(json.properties ?? {}).map(([field, spec]) => {
    if (!spec.description) throw new Error(`job request field "${field}" has no description: add .meta({ description }) in the schema`);
    return {
      field,
      required: required.has(field),
      accepts: spec.accepts ?? acceptsOf(spec),
      defaultText: spec.defaultText ?? (spec.default !== undefined ? `\`${JSON.stringify(spec.default)}\`` : required.has(field) ? '—' : 'none'),
      description: spec.description,
    };
  });
}

function acceptsOf(spec: FieldSchema): string {
  if (spec.enum) return `one of ${spec.enum.map((value) => `\`${JSON.stringify(value)}\``).join(', ')}`;
  if (spec.type === 'integer') return `an integer from ${spec.minimum ?? '…'} to ${spec.maximum ?? '…'}`;
  if (spec.type === 'number') return `a number from ${spec.minimum ?? '…'} to ${spec.maximum ?? '…'}`;
  if (spec.type === 'boolean') return '`true` or `false`';
  if (spec.type === 'object') return 'a JSON object';
  if (spec.type === 'string') {
    if (spec.pattern) return `a string matching \`${spec.pattern}\``;
    if (spec.minLength !== undefined && spec.maxLength !== undefined) return `${spec.minLength} to ${spec.maxLength} characters`;
    if (spec.maxLength !== undefined) return `up to ${spec.maxLength} characters`;
    return 'a string';
  }
  return 'any JSON value';
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function renderJobRequestDoc(fields: readonly FieldDoc[] = jobRequestFields()): string {
  const parsed = validateJobRequest(EXAMPLE_JOB_REQUEST);
  if (!parsed.ok) throw new Error(`the README's example job request is invalid: ${parsed.reason}`);
  const rows = fields.map(
    (f) => `| \`${f.field}\` | ${f.required ? 'yes' : 'no'} | ${cell(f.accepts)} | ${cell(f.defaultText)} | ${cell(f.description)} |`,
  );
  return [
    '| field | required | accepts | default | meaning |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    '',
    'No other field is accepted: a request with an unknown field (a misspelt `name` for `jobName`, say) is refused',
    'with the field named, by `baton publish` (the line is reported and not published) and by a processor',
    '(the message is dead-lettered with the reason). An example with every field set:',
    '',
    '```json',
    JSON.stringify(EXAMPLE_JOB_REQUEST, null, 2),
    '```',
  ].join('\n');
}

export function jobRequestBlock(body = renderJobRequestDoc()): string {
  return `${JOB_REQUEST_START}\n${body}\n${JOB_REQUEST_END}`;
}

/** Replaces what lies between the markers (markers included); throws without markers. */
export function withJobRequestDoc(readme: string, body = renderJobRequestDoc()): string {
  const start = readme.indexOf(JOB_REQUEST_START);
  const end = readme.indexOf(JOB_REQUEST_END);
  if (start < 0 || end < start) throw new Error(`README.md has no job request markers: put ${JOB_REQUEST_START} and ${JOB_REQUEST_END} where it goes`);
  return `${readme.slice(0, start)}${jobRequestBlock(body)}${readme.slice(end + JOB_REQUEST_END.length)}`;
}
