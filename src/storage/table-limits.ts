/**
 * @module Table Storage's size limits, and the one function every write uses to fit strings into them.
 *
 * A string property holds at most 64 KiB, 32K UTF-16 characters (Azurite enforces it: 400
 * PropertyValueTooLarge). An over-long string must never cost a write: a refused state row is an attempt
 * whose end is never recorded. So every string Baton stores passes through `fitString`, and the
 * longer-than-useful ones (messages, error details) get tighter limits of their own.
 * https://learn.microsoft.com/en-us/rest/api/storageservices/understanding-the-table-service-data-model
 */

/** Below the service's 32,768 characters, with room for the truncation mark. */
export const MAX_STRING_CHARS = 32_000;
/** Messages and errors are for people: a few thousand characters is plenty (the contract's event `message`). */
export const MAX_MESSAGE_CHARS = 4000;
/** The contract's `detail` of Failed and TimedOut events: at most 4 KB (UTF-8 bytes). */
export const MAX_DETAIL_BYTES = 4096;

const MARK = '…';

/** `text` cut to at most `maxChars` UTF-16 code units (never splitting a surrogate pair), marked with `…` when cut. */
export function fitString(text: string, maxChars = MAX_STRING_CHARS): string {
  if (text.length <= maxChars) return text;
  let end = Math.max(0, maxChars - MARK.length);
  if (end > 0 && isHighSurrogate(text.charCodeAt(end - 1))) end--;
  return text.slice(0, end) + MARK;
}

/** `text` cut to at most `maxBytes` of UTF-8, on a character boundary, marked with `…` when cut. */
export function fitBytes(text: string, maxBytes = MAX_DETAIL_BYTES): string {
  if (Buffer.byteLength(text, 'utf8') <= maxBytes) return text;
  const budget = maxBytes - Buffer.byteLength(MARK, 'utf8');
  let bytes = 0;
  let end = 0;
  for (const char of text) {
    const size = Buffer.byteLength(char, 'utf8');
    if (bytes + size > budget) break;
    bytes += size;
    end += char.length;
  }
  return text.slice(0, end) + MARK;
}

/** Every string property of `entity` fitted to `MAX_STRING_CHARS` (others unchanged). */
export function fitEntity<T extends object>(entity: T): T {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(entity)) out[key] = typeof value === 'string' ? fitString(value) : value;
  return out as T;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
