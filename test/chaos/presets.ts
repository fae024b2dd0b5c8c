/**
 * @module The scenarios at two sizes: `full` for `npm run chaos` (minutes; the broker really restarts) and `short`
 * for `npm test` (under a minute each; nothing shared is disturbed: the broker fault closes only our own
 * connections, the storage fault stops only a private Azurite).
 */
import type { QueueType } from '../../src/core/config.js';
import { churnScenario, gracefulScenario, pauseScenario } from './process-scenarios.js';
import { brokerScenario, storageScenario } from './service-scenarios.js';
import { lossyScenario } from './network-scenarios.js';
import type { ScenarioResult } from './settle.js';

export const FULL = {
  churn: { target: 'random', jobs: 1000, perSecond: 20, processors: 3, concurrency: 4, steps: 2, stepMs: 100, killEveryMs: 4000, minKills: 3, finalTimeoutMs: 240_000 },
  pauses: { target: 'busiest', jobs: 400, perSecond: 4, processors: 3, concurrency: 2, steps: 4, stepMs: 250, pauses: 4, pauseMs: 20_000, gapMs: 5000, finalTimeoutMs: 240_000 },
  broker: { mode: 'restart', jobs: 500, perSecond: 10, processors: 3, concurrency: 4, steps: 3, stepMs: 100, rounds: 1, firstAtMs: 15_000, gapMs: 0, outageMs: 10_000, finalTimeoutMs: 240_000 },
  storage: { jobs: 400, perSecond: 8, processors: 3, concurrency: 4, steps: 3, stepMs: 100, leaseSeconds: 60, faultAtMs: 15_000, outageMs: 20_000, ports: { blob: 20000, queue: 20001, table: 20002 }, finalTimeoutMs: 240_000 },
  /** The same outage against a 15 s lease: attempts lose their leases while nothing can be recorded. */
  storageLong: { jobs: 200, perSecond: 4, processors: 3, concurrency: 3, steps: 4, stepMs: 500, leaseSeconds: 15, faultAtMs: 15_000, outageMs: 20_000, ports: { blob: 20000, queue: 20001, table: 20002 }, finalTimeoutMs: 240_000 },
  graceful: { jobs: 300, perSecond: 4, processors: 3, concurrency: 4, steps: 4, stepMs: 500, terminations: 10, everyMs: 6000, graceSeconds: 1, finalTimeoutMs: 240_000 },
  lossy: { jobs: 1000, perSecond: 20, processors: 3, concurrency: 4, steps: 2, stepMs: 100, dropRate: 0.02, slowRate: 0.02, hangRate: 0.005, finalTimeoutMs: 300_000 },
} as const;

export const SHORT = {
  churn: { target: 'busiest', jobs: 100, perSecond: 20, processors: 3, concurrency: 3, steps: 2, stepMs: 100, killEveryMs: 2000, minKills: 2, finalTimeoutMs: 45_000 },
  pauses: { target: 'busiest', jobs: 30, perSecond: 2, processors: 2, concurrency: 2, steps: 4, stepMs: 250, pauses: 1, pauseMs: 17_000, gapMs: 3000, finalTimeoutMs: 45_000 },
  broker: { mode: 'close', jobs: 80, perSecond: 10, processors: 3, concurrency: 3, steps: 3, stepMs: 100, rounds: 2, firstAtMs: 2000, gapMs: 2500, outageMs: 0, finalTimeoutMs: 45_000 },
  storage: { jobs: 50, perSecond: 5, processors: 2, concurrency: 3, steps: 3, stepMs: 100, leaseSeconds: 60, faultAtMs: 3000, outageMs: 8000, finalTimeoutMs: 45_000 },
  storageLong: { jobs: 20, perSecond: 2, processors: 2, concurrency: 3, steps: 4, stepMs: 500, leaseSeconds: 15, faultAtMs: 3000, outageMs: 20_000, finalTimeoutMs: 60_000 },
  graceful: { jobs: 24, perSecond: 3, processors: 3, concurrency: 3, steps: 4, stepMs: 500, terminations: 3, everyMs: 2000, graceSeconds: 1, finalTimeoutMs: 45_000 },
  lossy: { jobs: 100, perSecond: 10, processors: 2, concurrency: 3, steps: 2, stepMs: 100, dropRate: 0.03, slowRate: 0.02, hangRate: 0.005, finalTimeoutMs: 90_000 },
} as const;

export type ScenarioKey = keyof typeof FULL;
export const SCENARIOS: readonly ScenarioKey[] = ['churn', 'pauses', 'graceful', 'storage', 'storageLong', 'lossy', 'broker'];

/** Runs one scenario at `size`, on queues of `queueType` (BATON_QUEUE_TYPE of its publisher and processors). */
export function runScenario(key: ScenarioKey, size: 'full' | 'short', queueType: QueueType = 'classic'): Promise<ScenarioResult> {
  const presets = size === 'full' ? FULL : SHORT;
  switch (key) {
    case 'churn':
      return churnScenario({ ...presets.churn, queueType });
    case 'pauses':
      return pauseScenario({ ...presets.pauses, queueType });
    case 'broker':
      return brokerScenario({ ...presets.broker, queueType });
    case 'storage':
      return storageScenario({ ...presets.storage, queueType });
    case 'storageLong':
      return storageScenario({ ...presets.storageLong, queueType });
    case 'graceful':
      return gracefulScenario({ ...presets.graceful, queueType });
    case 'lossy':
      return lossyScenario({ ...presets.lossy, queueType });
  }
}
