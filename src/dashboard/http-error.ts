/** @module HttpError: the one error type handlers throw for a 4xx/5xx answer, and the zod check that raises it. */
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { z } from 'zod';

export type HttpErrorCode =
  | 'invalid_request'
  | 'not_found'
  | 'conflict'
  | 'unauthorized'
  | 'forbidden'
  | 'actions_disabled'
  | 'unsupported_media_type'
  | 'payload_too_large'
  | 'idempotency_in_progress'
  | 'idempotency_key_reused'
  | 'conflict'
  | 'storage_unavailable'
  | 'broker_unavailable'
  | 'internal';

export class HttpError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: HttpErrorCode,
    message: string,
    /** More of the answer's body, e.g. `issues` naming every bad field. */
    readonly details?: Readonly<Record<string, unknown>>,
    /** Response headers, e.g. Retry-After. */
    readonly headers?: Readonly<Record<string, string>>,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** Parses `value` with `schema`, or throws a 400 naming the offending field (never echoing its value). */
export function validated<S extends z.ZodType>(schema: S, value: unknown, where: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue && issue.path.length > 0 ? `${where} ${issue.path.join('.')}` : where;
  throw new HttpError(400, 'invalid_request', `${field}: ${issue?.message ?? 'invalid'}`);
}
