/**
 * The broker drops every Baton connection, short form: `rabbitmqctl close_connection` on each processor's and
 * the publisher's connection, twice, mid-run. (`npm run chaos` restarts the broker's application instead, which
 * would disturb every other test file sharing it.) Processors and publisher reconnect; confirmed jobs survive.
 */
import { expect, it } from 'vitest';
import { runScenario } from '../chaos/presets.js';

it('carries on after the broker closes every connection: nothing lost, nothing twice, queues empty', async () => {
  const { figures, violations, faults } = await runScenario('broker', 'short');
  expect(faults).toMatch(/[1-9]\d* connections closed/);
  expect(violations).toEqual([]);
  expect(figures.lost).toEqual([]);
  expect(figures.duplicateCompletions).toEqual([]);
  expect(figures.overlaps).toEqual([]);
  expect(figures.incompleteAttempts).toEqual([]);
  expect(figures.queues.jobs + figures.queues.delays).toBe(0);
}, 110_000);
