/** A fresh BATON_NAMESPACE per test file, so files run in parallel without meeting. */
import { randomBytes } from 'node:crypto';

export function freshNamespace(prefix = 't'): string {
  return `${prefix}${randomBytes(5).toString('hex')}`.slice(0, 20);
}
