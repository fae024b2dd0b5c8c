/**
 * @module The body of `POST /api/jobs` made into job requests: one object or an array of 1–1,000, each
 * validated with the contract's schema and its handler's `processingParameters` schema, every problem
 * named by its path (`[3].processingParameters.steps`) and reason. Pure: the route publishes what it returns.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { jobRequestSchema, MAX_MESSAGE_BYTES, validateJobRequest, type JobRequest } from '../contracts/job-request.js';

export const MAX_JOBS_PER_REQUEST = 1000;
/** More than this many problems are summed up rather than listed. */
const MAX_ISSUES = 100;

export interface SubmissionIssue {
  readonly path: string;
  readonly reason: string;
}

export type Submission =
  | { readonly ok: true; readonly jobs: JobRequest[]; readonly many: boolean; readonly tenant: string }
  | { readonly ok: false; readonly issues: SubmissionIssue[] };

export interface SubmissionOptions {
  /** The `processingParameters` schema of a job type, when this dashboard knows its handler. */
  readonly paramsFor: (type: string) => z.ZodType | undefined;
  /** Present with an `Idempotency-Key`: ids of jobs without one are derived from it, so a retry names the same jobs. */
  readonly idempotencyKey?: string;
  readonly now?: Date;
}

export function parseSubmission(body: unknown, options: SubmissionOptions): Submission {
  const many = Array.isArray(body);
  const items: unknown[] = many ? (body as unknown[]) : [body];
  if (many && (items.length === 0 || items.length > MAX_JOBS_PER_REQUEST)) {
    return { ok: false, issues: [{ path: 'body', reason: `must hold 1 to ${MAX_JOBS_PER_REQUEST} job requests; it holds ${items.length}` }] };
  }
  const tenant = tenantOf(items);
  const issues: SubmissionIssue[] = [];
  const jobs: JobRequest[] = [];
  const seen = new Map<string, number>();
  items.forEach((item, index) => {
    const prefix = many ? `[${index}]` : '';
    const at = (path: string) => (prefix && path ? `${prefix}.${path}` : prefix || path || 'body');
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      issues.push({ path: at(''), reason: 'must be a JSON object (a job request)' });
      return;
    }
    const value = 'jobId' in item ? item : { ...item, jobId: generatedId(options.idempotencyKey, tenant, index) };
    const parsed = validateJobRequest(value, options.now);
    if (!parsed.ok) {
      for (const issue of jobRequestSchema.safeParse(value).error?.issues ?? []) issues.push({ path: at(issue.path.join('.')), reason: issue.message });
      return;
    }
    const job = parsed.job;
    const params = options.paramsFor(job.type)?.safeParse(job.processingParameters ?? {});
    for (const issue of params && !params.success ? params.error.issues : []) {
      issues.push({ path: at(['processingParameters', ...issue.path].join('.')), reason: issue.message });
    }
    const bytes = Buffer.byteLength(JSON.stringify(job));
    if (bytes > MAX_MESSAGE_BYTES) issues.push({ path: at(''), reason: `is ${bytes} bytes as a message; the limit is ${MAX_MESSAGE_BYTES}` });
    const earlier = seen.get(job.jobId);
    if (earlier !== undefined) issues.push({ path: at('jobId'), reason: `repeats the jobId of [${earlier}]` });
    seen.set(job.jobId, index);
    jobs.push(job);
  });
  if (issues.length > 0) return { ok: false, issues: capped(issues) };
  return { ok: true, jobs, many, tenant };
}

/** One line for the `error` field: the first problems, by path. */
export function describeSubmissionIssues(issues: readonly SubmissionIssue[]): string {
  const shown = issues.slice(0, 5).map((issue) => `${issue.path}: ${issue.reason}`);
  return `invalid job request: ${shown.join('; ')}${issues.length > 5 ? `; and ${issues.length - 5} more` : ''}`;
}

/**
 * The tenant an `Idempotency-Key` belongs to: the `tenantId` every job of the body shares, or "" (no
 * tenant, or several). The fingerprint covers the whole body, so the key still names one request.
 */
function tenantOf(items: readonly unknown[]): string {
  const tenants = new Set(items.map((item) => (item && typeof item === 'object' && typeof (item as { tenantId?: unknown }).tenantId === 'string' ? (item as { tenantId: string }).tenantId : '')));
  return tenants.size === 1 ? [...tenants][0]! : '';
}

/** A random UUID, or (with a key) one derived from tenant, key and position: a retried request names the same jobs. */
export function generatedId(key: string | undefined, tenant: string, index: number): string {
  if (key === undefined) return randomUUID();
  const hex = createHash('sha256').update(`${tenant}\n${key}\n${index}`).digest('hex');
  // Shaped as an RFC 9562 UUID version 8 (custom), variant 10.
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function capped(issues: SubmissionIssue[]): SubmissionIssue[] {
  if (issues.length <= MAX_ISSUES) return issues;
  return [...issues.slice(0, MAX_ISSUES), { path: 'body', reason: `and ${issues.length - MAX_ISSUES} more problems` }];
}
