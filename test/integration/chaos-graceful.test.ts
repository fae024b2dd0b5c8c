/**
 * Graceful churn, short form: processors SIGTERMed one after another (each replaced first) while jobs run, with
 * a 1 s grace period and a 60 s lease. Running jobs are cancelled, their leases released and their messages
 * returned, so no job waits for a lease to expire: no Deferred, and each handover takes seconds, not a lease.
 */
import { expect, it } from 'vitest';
import { runScenario } from '../chaos/presets.js';

it('hands running jobs over at once when processors stop gracefully', async () => {
  const { figures, violations } = await runScenario('graceful', 'short');
  expect(violations).toEqual([]);
  expect(figures.lost).toEqual([]);
  expect(figures.duplicateCompletions).toEqual([]);
  expect(figures.overlaps).toEqual([]);
  expect(figures.incompleteAttempts).toEqual([]);
  expect(figures.counts.interrupted).toBeGreaterThan(0);
  expect(figures.counts.deferred).toBe(0);
  expect(figures.worstHandoverMs).toBeLessThan(10_000);
}, 110_000);
