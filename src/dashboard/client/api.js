/** @module Fetching the dashboard API: JSON in, JSON out, the session's token attached, errors as ApiError. */
import { authHeaders } from './session.js';

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function parse(response) {
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiError(response.status, body.error || `HTTP ${response.status}`);
  return body;
}

export async function getJSON(path, token) {
  return parse(await fetch(path, { headers: { accept: 'application/json', ...authHeaders(token) } }));
}

/** Writes send JSON with the bearer token: the two things a cross-site form cannot. */
export async function postJSON(path, body) {
  return parse(
    await fetch(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...authHeaders() },
      body: JSON.stringify(body),
    }),
  );
}
