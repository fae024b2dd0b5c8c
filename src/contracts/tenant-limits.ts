/**
 * @module Tenant limits as users write them: a concurrency (1–10,000) and a rate "N/s", "N/min" or
 * "N/h", or with a multiple of the unit, "N/10s", "N/5min" (an extension of the contract's forms). A
 * rate of N per period allows at most N starts in any window of that period's length.
 */
import { z } from 'zod';

export const RATE_PATTERN = /^([1-9]\d{0,5})\/([1-9]\d{0,3})?(s|min|h)$/;
const PERIOD_MS = { s: 1000, min: 60_000, h: 3_600_000 } as const;

export interface Rate {
  /** Starts allowed in any window of `periodMs`. */
  readonly count: number;
  readonly periodMs: number;
  /** As written, e.g. "10/min". */
  readonly text: string;
}

export interface TenantLimits {
  readonly concurrency: number | null;
  readonly rate: Rate | null;
}

/** Parses "N/s", "N/min" or "N/h" (N from 1 to 999,999); undefined when the text is not one. */
export function parseRate(text: string): Rate | undefined {
  const match = RATE_PATTERN.exec(text.trim());
  if (!match) return undefined;
  return { count: Number(match[1]), periodMs: Number(match[2] ?? 1) * PERIOD_MS[match[3] as keyof typeof PERIOD_MS], text: text.trim() };
}

export const concurrencySchema = z.number().int().min(1).max(10_000);
export const rateTextSchema = z.string().regex(RATE_PATTERN, 'must be "N/s", "N/min" or "N/h" (or "N/10s", "N/5min"…) with N from 1 to 999999');

/** The body of `PUT /api/tenants/{id}`: a field left out keeps its value, null removes the override. */
export const tenantLimitsUpdateSchema = z
  .object({
    concurrency: concurrencySchema.nullable().optional(),
    rate: rateTextSchema.nullable().optional(),
  })
  .strict();

export type TenantLimitsUpdate = z.infer<typeof tenantLimitsUpdateSchema>;
