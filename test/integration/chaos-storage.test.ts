/**
 * A storage outage, short form: a private, persistent Azurite (its own ports and data, so the shared one is
 * never touched) stopped for 8 s mid-run and started again. Processors hold back and retry; nothing is lost or
 * run twice; the dashboard's /health answers 503 during the outage and 200 after it.
 */
import { expect, it } from 'vitest';
import { runScenario } from '../chaos/presets.js';

it('rides out a storage outage: nothing lost, nothing twice, /health 503 then 200', async () => {
  const { figures, violations, notes } = await runScenario('storage', 'short');
  expect(violations).toEqual([]);
  expect(figures.lost).toEqual([]);
  expect(figures.duplicateCompletions).toEqual([]);
  expect(figures.overlaps).toEqual([]);
  expect(figures.incompleteAttempts).toEqual([]);
  expect(notes.join('\n')).toMatch(/503 \d+ ms after the stop; 200 again \d+ ms after the restart/);
}, 110_000);
