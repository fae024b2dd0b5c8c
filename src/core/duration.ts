/** @module Durations as people write them on a command line: `90s`, `15m`, `2h`, `3d`, `1h30m`, `250ms`. */

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const SEGMENT = /(\d+)(ms|s|m|h|d)/gy;

/** Milliseconds in `text`; a RangeError naming the accepted forms for anything else. */
export function parseDuration(text: string): number {
  const trimmed = text.trim();
  let total = 0;
  let end = 0;
  SEGMENT.lastIndex = 0;
  for (let match = SEGMENT.exec(trimmed); match; match = SEGMENT.exec(trimmed)) {
    total += Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
    end = SEGMENT.lastIndex;
  }
  if (trimmed === '' || end !== trimmed.length || !Number.isSafeInteger(total)) {
    throw new RangeError(`"${text}" is not a duration: write a number with a unit, like 90s, 15m, 2h, 3d or 1h30m`);
  }
  return total;
}
