/**
 * A lossy network to storage, short form: processors reach the shared Azurite through the fault proxy, which
 * loses a few percent of the answers after the service applied the request, delays some, and holds some past
 * the per-try timeout. Nothing is lost or run twice, no attempts overlap, and every attempt has one end.
 */
import { expect, it } from 'vitest';
import { runScenario } from '../chaos/presets.js';

it('rides out lost and late storage answers: nothing lost, nothing twice, no overlaps', async () => {
  const { figures, violations } = await runScenario('lossy', 'short');
  expect(violations).toEqual([]);
  expect(figures.lost).toEqual([]);
  expect(figures.duplicateCompletions).toEqual([]);
  expect(figures.overlaps).toEqual([]);
  expect(figures.malformedAttempts).toEqual([]);
}, 180_000);
