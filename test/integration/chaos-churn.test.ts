/**
 * Processor churn, short form (`npm run chaos` runs the full one): the busiest processor SIGKILLed twice and
 * replaced while jobs stream in. Checked from the audit trail and the queues only.
 */
import { expect, it } from 'vitest';
import { runScenario } from '../chaos/presets.js';

it('loses nothing, completes each job once and never overlaps a lock key while processors are SIGKILLed', async () => {
  const { figures, violations } = await runScenario('churn', 'short');
  expect(violations).toEqual([]);
  expect(figures.lost).toEqual([]);
  expect(figures.duplicateCompletions).toEqual([]);
  expect(figures.overlaps).toEqual([]);
  expect(figures.incompleteAttempts).toEqual([]);
  // The faults really hit running attempts, and their jobs were taken over once the 15 s lease ran out.
  expect(figures.killedAttempts).toBeGreaterThan(0);
  expect(figures.worstHandoverMs).toBeLessThan(15_000 + 10_000);
}, 110_000);
