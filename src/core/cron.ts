/**
 * @module Cron expressions in IANA time zones (croner): validation with a clear error, due times, and
 * which missed due times a scheduler fires. Pure.
 *
 * Daylight-saving changes, as croner computes them: a time that does not exist on the day clocks go
 * forward (02:30 in Europe/Berlin on the last Sunday of March) fires once, an hour later by the wall
 * clock (03:30); a time that happens twice on the day clocks go back fires once.
 */
import { Cron } from 'croner';

/** Missed due times this recent are fired one by one (a scheduler's handover); older ones collapse into one late fire. */
export const CATCH_UP_WINDOW_MS = 60_000;

export class CronError extends RangeError {}

/** A compiled schedule; throws CronError naming the bad expression or zone. */
export function compileCron(expression: string, timeZone?: string): Cron {
  const fields = expression.trim().split(/\s+/).length;
  if (fields !== 5 && fields !== 6) throw new CronError(`cron "${expression}": 5 fields (minute hour day month weekday), or 6 with seconds first; got ${fields}`);
  if (timeZone !== undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone });
    } catch {
      throw new CronError(`time zone "${timeZone}" is not an IANA zone name (like Europe/Berlin or UTC)`);
    }
  }
  try {
    return new Cron(expression, { paused: true, ...(timeZone ? { timezone: timeZone } : {}) });
  } catch (error) {
    throw new CronError(`cron "${expression}": ${(error as Error).message}`);
  }
}

/** The next `count` due times strictly after `afterMs`. */
export function nextRuns(cron: Cron, afterMs: number, count: number): Date[] {
  return cron.nextRuns(count, new Date(afterMs));
}

/** Due times in (afterMs, untilMs], oldest first, at most `limit` (the newest are kept). */
export function dueTimesBetween(cron: Cron, afterMs: number, untilMs: number, limit = 1000): number[] {
  const found: number[] = [];
  for (let next = cron.nextRun(new Date(afterMs)); next && next.getTime() <= untilMs; next = cron.nextRun(next)) {
    found.push(next.getTime());
    if (found.length > limit) found.shift();
  }
  return found;
}

/**
 * The due times to fire now, given the last one fired: when every missed due time lies within the
 * catch-up window (a handover between processors), each of them; when some are older (every processor
 * was down), only the latest, once, late — not once per missed tick.
 */
export function dueTimesToFire(cron: Cron, lastFiredMs: number, nowMs: number): number[] {
  const missed = dueTimesBetween(cron, lastFiredMs, nowMs);
  if (missed.length === 0) return [];
  return nowMs - missed[0]! <= CATCH_UP_WINDOW_MS ? missed : [missed.at(-1)!];
}
