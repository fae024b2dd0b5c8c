/**
 * A lossy network to storage, short form: processors reach the shared Azurite through the fault proxy, which
 * loses a few percent of the answers after the service applied the request, delays some, and holds some past
 * the per-try timeout. Nothing is lost, nothing completes twice, no attempts overlap, nothing is left in the
 * queues and no job ends the wrong way. (An attempt whose Started landed after the start gate gave up on it
 * can still be left without an end: docs/RELIABILITY.md, "Network faults", what remains for the delivery path.)
 */
import { expect, it } from 'vitest';
import { runScenario } from '../chaos/presets.js';

it('rides out lost and late storage answers: nothing lost, nothing twice, no overlaps', async () => {
  const { figures } = await runScenario('lossy', 'short');
  expect(figures.lost).toEqual([]);
  expect(figures.duplicateCompletions).toEqual([]);
  expect(figures.wrongEnding).toEqual([]);
  expect(figures.overlaps).toEqual([]);
  expect(figures.queues.deadUnexpected).toEqual([]);
  expect(figures.queues.doomedNotInDead).toEqual([]);
  expect(figures.queues.jobs + figures.queues.delays).toBe(0);
  expect(figures.completed + figures.deadLettered).toBe(figures.confirmed);
}, 180_000);
