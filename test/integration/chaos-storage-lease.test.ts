/**
 * A storage outage longer than the lease (20 s against 15 s), short form. Running attempts lose their leases
 * while nothing can be written; each must still end with exactly one end event (LeaseLost, dated at the lease's
 * end) once storage is back, and the jobs must be taken over and completed once.
 *
 * Today the LeaseLost event is attempted once, while storage is still down, and dropped (delivery-outcomes.ts
 * appendQuietly from handle-delivery.ts leaseLost): those attempts are left with a Started and no end.
 */
import { expect, it } from 'vitest';
import { runScenario } from '../chaos/presets.js';

it('records the end of every attempt whose lease ran out during a storage outage', async () => {
  const { figures } = await runScenario('storageLong', 'short');
  expect(figures.lost).toEqual([]);
  expect(figures.duplicateCompletions).toEqual([]);
  expect(figures.overlaps).toEqual([]);
  expect(figures.incompleteAttempts).toEqual([]);
}, 110_000);
