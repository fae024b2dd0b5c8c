/**
 * Pauses, short form (`npm run chaos` runs the full one): the busiest processor frozen (SIGSTOP) past its 15 s
 * lease, with a 3 s heartbeat so that the broker notices, then woken. The fencing must hold: one Completed per
 * job, no overlap, and the woken processor's attempts end LeaseLost with nothing recorded after that moment.
 */
import { expect, it } from 'vitest';
import { runScenario } from '../chaos/presets.js';

it('fences processors paused past their lease: nothing lost, nothing twice, no overlap', async () => {
  const { figures, violations } = await runScenario('pauses', 'short');
  expect(violations).toEqual([]);
  expect(figures.lost).toEqual([]);
  expect(figures.duplicateCompletions).toEqual([]);
  expect(figures.overlaps).toEqual([]);
  expect(figures.incompleteAttempts).toEqual([]);
  expect(figures.malformedAttempts).toEqual([]);
  expect(figures.counts.leaseLost).toBeGreaterThan(0);
}, 110_000);
