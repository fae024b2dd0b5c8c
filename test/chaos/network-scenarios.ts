/**
 * @module Faults on the network between processors and storage: the fault proxy (test/helpers/fault-proxy.ts)
 * sits in front of the shared Azurite's blob and table services, and only the processors go through it (the
 * publisher and the evidence read storage directly). A few percent of the answers are lost after the service
 * applied the request, delayed, or held past the per-try timeout, for the whole run.
 */
import { ChaosCluster, type Fault } from './cluster.js';
import { planJobs, publishSteadily } from './load.js';
import { describeLoad, type ProcessLoad } from './process-scenarios.js';
import { settle, type ScenarioResult } from './settle.js';
import { startStorageProxies, toxic, type HttpFaultProxy } from '../helpers/fault-proxy.js';

const MIXED = { sharedFraction: 0.1, sharedLockKeys: 5, flakyFraction: 0.05, doomedFraction: 0.02 };
const MIXED_TEXT = '10% on 5 shared lock keys, 5% fail once, 2% built to fail';

export interface LossyParams extends ProcessLoad {
  /** Per request, each service: the answer lost after the service applied the request. */
  readonly dropRate: number;
  /** Per request: answered 1.5 s late. */
  readonly slowRate: number;
  /** Per request: held 12 s, past the 10 s per-try timeout (the client gives up; the request is applied later). */
  readonly hangRate: number;
}

function addLossyRules(proxy: HttpFaultProxy, p: LossyParams): void {
  proxy.addRule({ probability: p.dropRate, action: toxic.dropAnswer });
  proxy.addRule({ probability: p.slowRate, action: toxic.latency(1500) });
  proxy.addRule({ probability: p.hangRate, action: toxic.latency(12_000) });
}

export async function lossyScenario(p: LossyParams): Promise<ScenarioResult> {
  const proxies = await startStorageProxies({ seed: 2026 });
  const cluster = new ChaosCluster({
    namespacePrefix: 'cl',
    processorStorageConnectionString: proxies.connectionString,
    processorEnv: { BATON_LEASE_SECONDS: '15', BATON_RENEW_SECONDS: '5', BATON_CONCURRENCY: String(p.concurrency) },
  });
  const startedAt = Date.now();
  try {
    await cluster.start();
    for (let i = 0; i < p.processors; i++) await cluster.startProcessor();
    addLossyRules(proxies.table, p);
    addLossyRules(proxies.blob, p);
    // The whole run is one fault window: every wait is "touched by a fault".
    const fault: Fault = { kind: 'lossy-network', target: 'storage proxy', from: Date.now(), to: 0 };
    cluster.faults.push(fault);
    const planned = planJobs(cluster.namespace, { count: p.jobs, steps: p.steps, stepMs: p.stepMs, ...MIXED, seed: 111 });
    const publishing = publishSteadily(cluster, planned, p.perSecond);
    await publishing.done;
    const settled = await settle(cluster, planned, { finalTimeoutMs: p.finalTimeoutMs });
    fault.to = Date.now();
    await printBroken(cluster, settled.figures);
    const counts = (name: string, proxy: HttpFaultProxy) =>
      `${name}: ${proxy.counters.requests} requests, ${proxy.counters.droppedAnswers} answers lost, ${proxy.counters.delayed} delayed (1.5 s or 12 s)`;
    settled.notes.push(counts('table', proxies.table), counts('blob', proxies.blob));
    return {
      key: 'lossy-network',
      title: 'Lossy network to storage',
      load: `${describeLoad(p, MIXED_TEXT)}, lease 15 s, processors reach Azurite through the fault proxy`,
      faults: `for the whole run, on every blob and table request: ${pct(p.dropRate)} answers lost after the service applied the request, ${pct(p.slowRate)} answered 1.5 s late, ${pct(p.hangRate)} held 12 s (past the 10 s per-try timeout)`,
      durationMs: Date.now() - startedAt,
      ...settled,
    };
  } finally {
    await cluster.dispose();
    await proxies.close();
  }
}

/** The histories of the jobs that broke a promise, on stderr: the evidence is deleted with the namespace. */
async function printBroken(cluster: ChaosCluster, figures: ScenarioResult['figures']): Promise<void> {
  const lines = [...figures.duplicateCompletions, ...figures.malformedAttempts, ...figures.incompleteAttempts, ...figures.overlaps];
  const jobIds = [...new Set(lines.flatMap((line) => line.match(new RegExp(`${cluster.namespace}-\\d+`, 'g')) ?? []))];
  for (const jobId of jobIds.slice(0, 20)) {
    const history = await cluster.history(jobId).catch(() => []);
    process.stderr.write(`history of ${jobId}:\n${history.map((e) => `  ${e.timestamp} ${e.status} a${e.attempt} ${e.processorId} ${e.message.slice(0, 160)}`).join('\n')}\n`);
  }
}

function pct(rate: number): string {
  return `${(rate * 100).toFixed(1).replace(/\.0$/, '')}%`;
}
