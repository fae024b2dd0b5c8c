/** @module Baton's version, from package.json (the same file whether running from src/ or dist/). */
import { readFileSync } from 'node:fs';

let cached: string | undefined;

export function batonVersion(): string {
  if (cached === undefined) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
      cached = typeof pkg.version === 'string' ? pkg.version : 'unknown';
    } catch {
      cached = 'unknown';
    }
  }
  return cached;
}
