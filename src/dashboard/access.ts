/**
 * @module Who may do what on the dashboard: bearer tokens with a role (viewer or operator) from
 * BATON_DASHBOARD_TOKENS (and the older BATON_DASHBOARD_TOKEN, one operator named `operator`), and the
 * one guard every request passes. Writes need an operator (401 without a token, 403 with a viewer's) and a
 * JSON body: a cross-site form can send neither an Authorization header nor `application/json` without a
 * CORS preflight, which this server never grants. Reads are open only while no viewer token is configured.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { parseDashboardTokens, type DashboardRole, type DashboardToken } from '../core/config.js';
import { HttpError } from './http-error.js';

export interface Caller {
  readonly name: string;
  readonly role: DashboardRole;
}

/** Served to anyone: the page shell and its files, supervisors' and Prometheus' endpoints, the API reference. */
const OPEN_PATHS = [/^\/$/, /^\/assets\//, /^\/health$/, /^\/metrics$/, /^\/api\/openapi\.json$/, /^\/api\/docs(\/|$)/, /^\/api\/info$/];
const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export class AccessControl {
  readonly #tokens: ReadonlyArray<{ digest: Buffer; caller: Caller }>;

  constructor(tokens: readonly DashboardToken[]) {
    this.#tokens = tokens.map((token) => ({ digest: digest(token.secret), caller: { name: token.name, role: token.role } }));
  }

  /** Every configured token: BATON_DASHBOARD_TOKENS, plus BATON_DASHBOARD_TOKEN as an operator named `operator`. */
  static fromSettings(tokens: string | undefined, legacyToken: string | undefined): AccessControl {
    const all = tokens ? (parseDashboardTokens(tokens) ?? []) : [];
    if (legacyToken && !all.some((token) => token.secret === legacyToken)) all.push({ name: 'operator', role: 'operator', secret: legacyToken });
    return new AccessControl(all);
  }

  /** True once any viewer token exists: then every read needs a token. */
  get readsNeedToken(): boolean {
    return this.#tokens.some((token) => token.caller.role === 'viewer');
  }

  /** True when some operator token exists; without one, writes are disabled. */
  get writesEnabled(): boolean {
    return this.#tokens.some((token) => token.caller.role === 'operator');
  }

  get anyToken(): boolean {
    return this.#tokens.length > 0;
  }

  /** The caller an `Authorization` header names, or undefined (none, malformed or unknown). Constant time per token. */
  identify(authorization: string | undefined): Caller | undefined {
    const presented = /^Bearer ([\x21-\x7e]+)$/.exec(authorization ?? '')?.[1];
    if (presented === undefined) return undefined;
    const candidate = digest(presented);
    let found: Caller | undefined;
    for (const token of this.#tokens) {
      if (timingSafeEqual(candidate, token.digest)) found = token.caller;
    }
    return found;
  }
}

/** The guard: answers 401/403/415 before any route runs; routes needing the caller's name call `identify`. */
export function accessGuard(access: AccessControl): MiddlewareHandler {
  return async (c, next) => {
    if (OPEN_PATHS.some((pattern) => pattern.test(c.req.path))) return next();
    const caller = access.identify(c.req.header('authorization'));
    if (READ_METHODS.has(c.req.method)) {
      if (access.readsNeedToken && !caller) throw new HttpError(401, 'unauthorized', 'reading needs a viewer or operator token: Authorization: Bearer <token>');
      return next();
    }
    if (!access.writesEnabled) throw new HttpError(403, 'actions_disabled', 'write actions are disabled: start the dashboard with BATON_DASHBOARD_TOKENS (an operator token)');
    if (!caller) throw new HttpError(401, 'unauthorized', 'missing or wrong bearer token: writes need an operator token');
    if (caller.role !== 'operator') throw new HttpError(403, 'forbidden', `token "${caller.name}" is a viewer: writes need an operator`);
    const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/json') throw new HttpError(415, 'unsupported_media_type', 'writes take a JSON body: Content-Type: application/json');
    return next();
  };
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
