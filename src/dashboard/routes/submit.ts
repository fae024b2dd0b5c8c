/**
 * @module POST /api/jobs: jobs over HTTP, through the same Publisher as `baton publish`. 202 only once the
 * broker confirmed every job and its Queued event is recorded; with an `Idempotency-Key`, a retry of the
 * same request gets the first one's answer (200) and publishes nothing. The access guard has already
 * checked the operator token and the JSON content type.
 */
import { createHash } from 'node:crypto';
import type { Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { JobRequest } from '../../contracts/job-request.js';
import type { DashboardDeps } from '../deps.js';
import { HttpError } from '../http-error.js';
import { describeSubmissionIssues, parseSubmission } from '../job-submission.js';
import { blame, unavailable } from '../lazy-publisher.js';

export const MAX_SUBMIT_BYTES = 1024 * 1024;
/** Jobs of one request in flight at once: the broker confirms in batches, the table takes them in parallel. */
const WINDOW = 64;
const IDEMPOTENCY_KEY = /^[\x20-\x7e]{1,128}$/;

export interface Accepted {
  readonly jobId: string;
  readonly statusUrl: string;
}

export function mountSubmitRoute(app: Hono, deps: DashboardDeps): void {
  const limit = bodyLimit({
    maxSize: MAX_SUBMIT_BYTES,
    onError: () => {
      throw new HttpError(413, 'payload_too_large', `request body over ${MAX_SUBMIT_BYTES} bytes (1 MiB): send fewer jobs per request`);
    },
  });

  app.post('/api/jobs', limit, async (c) => {
    const actor = deps.access.identify(c.req.header('authorization'))?.name ?? 'unknown';
    const key = idempotencyKey(c);
    const text = await c.req.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new HttpError(400, 'invalid_request', 'body: not JSON', { issues: [{ path: 'body', reason: 'not JSON' }] });
    }
    const submission = parseSubmission(body, { paramsFor: deps.paramsFor, ...(key !== undefined ? { idempotencyKey: key } : {}) });
    if (!submission.ok) throw new HttpError(400, 'invalid_request', describeSubmissionIssues(submission.issues), { issues: submission.issues });
    const accepted = submission.jobs.map(acceptedOf);
    const answer = submission.many ? accepted : accepted[0];
    if (key === undefined) {
      await publishAll(deps, submission.jobs, actor);
      return c.json(answer, 202);
    }
    const fingerprint = createHash('sha256').update(text).digest('base64');
    const outcome = await deps.idempotency.claim(submission.tenant, key, fingerprint);
    if (outcome.kind === 'mismatch') throw new HttpError(422, 'idempotency_key_reused', 'this Idempotency-Key was already used with a different body');
    if (outcome.kind === 'in-progress') {
      throw new HttpError(409, 'idempotency_in_progress', 'a request with this Idempotency-Key is still in progress; retry shortly', {}, { 'retry-after': '1' });
    }
    if (outcome.kind === 'done') return c.json(answer, 200, { 'idempotent-replayed': 'true' });
    try {
      await publishAll(deps, submission.jobs, actor);
    } catch (error) {
      // Let a retry with the same key try again; jobs already accepted keep their ids, so they are not doubled.
      await deps.idempotency.release(outcome.claim).catch(() => undefined);
      throw error;
    }
    await deps.idempotency.complete(outcome.claim).catch((error: unknown) => {
      // The jobs are in; a retry meets a pending key (409) until it is stale, then republishes the same ids.
      deps.logger.warn('Idempotency-Key not marked done', { error: (error as Error).message });
    });
    return c.json(answer, 202);
  });
}

function idempotencyKey(c: Context): string | undefined {
  const key = c.req.header('idempotency-key');
  if (key === undefined) return undefined;
  if (!IDEMPOTENCY_KEY.test(key)) {
    throw new HttpError(400, 'invalid_request', 'header Idempotency-Key: must be 1 to 128 printable ASCII characters', {
      issues: [{ path: 'header Idempotency-Key', reason: 'must be 1 to 128 printable ASCII characters' }],
    });
  }
  return key;
}

function acceptedOf(job: JobRequest): Accepted {
  return { jobId: job.jobId, statusUrl: `/api/jobs/${encodeURIComponent(job.jobId)}/summary` };
}

/** Publishes every job, WINDOW at a time; stops at the first failure with a 503 naming the service and what got in. */
async function publishAll(deps: DashboardDeps, jobs: readonly JobRequest[], actor: string): Promise<void> {
  const publisher = await deps.publisher.get();
  const done: string[] = [];
  let failure: { what: 'broker' | 'storage'; error: unknown } | undefined;
  let next = 0;
  const worker = async () => {
    while (!failure && next < jobs.length) {
      const job = jobs[next++]!;
      try {
        const result = await publisher.publish(job, { actor });
        if (!result.audited) {
          failure ??= { what: 'storage', error: new Error(`job ${job.jobId} published but its Queued event was not recorded`) };
        }
        done.push(job.jobId);
      } catch (error) {
        failure ??= { what: blame(error), error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(WINDOW, jobs.length) }, worker));
  if (failure) {
    const http = unavailable(failure.what, failure.error, deps.logger);
    // Jobs the broker confirmed before the failure will run: say which, so that nobody resubmits them under new ids.
    const partly = done.length > 0 ? ` (${done.length} of ${jobs.length} were accepted before that: see "published")` : '';
    throw new HttpError(http.status, http.code, `${http.message}${partly}`, { published: done });
  }
}
