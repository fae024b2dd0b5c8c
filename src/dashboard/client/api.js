/** @module Fetching the dashboard API: JSON in, JSON out, errors as Error with the server's message. */

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

export async function getJSON(path) {
  return parse(await fetch(path, { headers: { accept: 'application/json' } }));
}

export async function postJSON(path, body, token) {
  return parse(
    await fetch(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    }),
  );
}
