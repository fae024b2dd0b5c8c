/**
 * @module The rate decision, pure: given the stored state of a tenant's rate limit and the time, may one
 * more job start, and if not, when can one? Up to LOG_LIMIT starts per period the state is the log of the
 * last N start times (exact: never more than N starts in any window of the period, and a burst of N at
 * once is allowed). Above that, a GCRA with no burst tolerance (one start per period/N; at most N+1 in a
 * closed window, N in a half-open one), because the log would outgrow a table property.
 */
import type { Rate } from '../contracts/tenant-limits.js';

/** Largest N kept as a log: 1,000 times of ~14 characters stay well below a table string's 32K characters. */
export const LOG_LIMIT = 1000;

export interface RateState {
  /** Start times (ms) within the last period, oldest first (log mode). */
  readonly starts: readonly number[];
  /** Theoretical arrival time (ms) of the next conforming start (GCRA mode). */
  readonly tatMs: number;
}

export const EMPTY_RATE_STATE: RateState = { starts: [], tatMs: 0 };

export type RateDecision =
  | { readonly allowed: true; readonly next: RateState }
  | { readonly allowed: false; readonly retryAtMs: number };

export function decideRate(rate: Rate, state: RateState, nowMs: number): RateDecision {
  if (rate.count > LOG_LIMIT) return decideGcra(rate, state, nowMs);
  const recent = state.starts.filter((at) => at > nowMs - rate.periodMs);
  if (recent.length >= rate.count) {
    // The start N back from the newest leaves the window at its time + period.
    return { allowed: false, retryAtMs: recent[recent.length - rate.count]! + rate.periodMs };
  }
  return { allowed: true, next: { starts: [...recent, nowMs], tatMs: 0 } };
}

function decideGcra(rate: Rate, state: RateState, nowMs: number): RateDecision {
  const intervalMs = rate.periodMs / rate.count;
  const tat = Math.max(state.tatMs, nowMs);
  if (tat > nowMs) return { allowed: false, retryAtMs: tat };
  return { allowed: true, next: { starts: [], tatMs: tat + intervalMs } };
}

/** Starts counted in the window ending now (log mode), or estimated from the GCRA's arrival time. */
export function startsInWindow(rate: Rate, state: RateState, nowMs: number): number {
  if (rate.count > LOG_LIMIT) return Math.max(0, Math.ceil((state.tatMs - nowMs) / (rate.periodMs / rate.count)));
  return state.starts.filter((at) => at > nowMs - rate.periodMs).length;
}
