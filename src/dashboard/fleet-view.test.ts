import { describe, expect, it } from 'vitest';
import type { ProcessorHeartbeat } from '../contracts/fleet.js';
import { processorInfos } from './fleet-view.js';

const NOW = Date.parse('2026-12-02T10:00:00.000Z');

function beat(processorId: string, agoMs: number, state: 'live' | 'stopped' = 'live'): ProcessorHeartbeat {
  return {
    processorId, host: 'h', version: '1', startedAt: new Date(NOW - 3_600_000).toISOString(), heartbeatAt: new Date(NOW - agoMs).toISOString(),
    heartbeatSeconds: 10, state, concurrency: 1, partitions: 'all', running: [], runningCount: 0, jobsPerMinute: 0,
  };
}

describe('processorInfos', () => {
  it('is live within two heartbeats, lost after, stopped when it said so, and forgets processors after an hour', () => {
    const infos = processorInfos([beat('c', 26_000), beat('a', 5_000), beat('d', 1_000, 'stopped'), beat('b', 24_000), beat('old', 3_700_000)], NOW);
    expect(infos.map((p) => [p.processorId, p.state])).toEqual([['a', 'live'], ['b', 'live'], ['c', 'lost'], ['d', 'stopped']]);
  });
});
