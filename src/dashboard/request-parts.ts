/** @module What the write routes read off a request: its JSON body and who sent it. */
import type { Context } from 'hono';
import type { DashboardDeps } from './deps.js';
import { HttpError } from './http-error.js';

/** The body as JSON; an empty body is `{}` (the route's schema then names what is missing). */
export async function jsonBody(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(400, 'invalid_request', 'body: not JSON');
  }
}

/** Who asked: the name of the token the access guard accepted (recorded in the job's history, never the token). */
export function actorName(c: Context, deps: DashboardDeps): string {
  return deps.access.identify(c.req.header('authorization'))?.name ?? 'operator';
}
