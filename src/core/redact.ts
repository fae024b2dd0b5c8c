/** @module Secret redaction: every string that may hold a connection string passes through here before it is logged. */

const PATTERNS: ReadonlyArray<[RegExp, string]> = [
  // Azure connection strings: AccountKey=…; SharedAccessSignature=…
  [/(AccountKey|SharedAccessSignature|SharedAccessKey)=[^;\s"']+/gi, '$1=[redacted]'],
  // SAS query parameters.
  [/([?&]sig=)[^&\s"']+/gi, '$1[redacted]'],
  // Credentials in URLs: amqp://user:password@host
  [/(\b[a-z][a-z0-9+.-]*:\/\/[^:/\s"@?#]*:)[^@\s"/?#]+@/gi, '$1[redacted]@'],
];

export function redact(text: string): string {
  // Every pattern needs an "=" or an "@": most log strings (ids, messages) have neither and skip the three scans.
  if (!text.includes('=') && !text.includes('@')) return text;
  let result = text;
  for (const [pattern, replacement] of PATTERNS) result = result.replace(pattern, replacement);
  return result;
}

/** Redacts every string inside a log record, however deep (bounded, to survive cycles). */
export function redactDeep(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redact(value);
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return redact(value.stack ?? value.message);
  if (Array.isArray(value)) return value.map((item) => redactDeep(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[key] = redactDeep(item, depth + 1);
  return out;
}
