/**
 * @module Faults on the services: the broker (its application restarted, or — safe beside other test files —
 * every Baton connection closed from its side) and storage (a private, persistent Azurite stopped and started
 * again, while a dashboard's /health is watched).
 */
import { closeConnections, restartBroker } from './broker-faults.js';
import { ChaosCluster, type Fault } from './cluster.js';
import { planJobs, publishSteadily } from './load.js';
import { PrivateAzurite } from './private-azurite.js';
import { describeLoad, type ProcessLoad } from './process-scenarios.js';
import { freePort, sleep, spawnBaton, waitUntil, type BatonProcess } from './processes.js';
import { settle, type ScenarioResult } from './settle.js';

const MIXED = { sharedFraction: 0.1, sharedLockKeys: 5, flakyFraction: 0.05, doomedFraction: 0.02 };
const MIXED_TEXT = '10% on 5 shared lock keys, 5% fail once, 2% built to fail';

export interface BrokerParams extends ProcessLoad {
  /** `restart`: rabbitmqctl stop_app/start_app (npm run chaos only); `close`: close_connection on our clients. */
  readonly mode: 'restart' | 'close';
  readonly rounds: number;
  readonly firstAtMs: number;
  readonly gapMs: number;
  /** How long the broker stays stopped (restart mode). */
  readonly outageMs: number;
}

const reconnections = (p: BatonProcess) => p.lines.filter((line) => line.includes('"message":"connected to RabbitMQ"')).length;

/** Injects one broker fault; the fault window lasts until every processor has connected again. */
async function brokerFault(cluster: ChaosCluster, p: BrokerParams): Promise<string> {
  const before = new Map(cluster.running.map((proc) => [proc, reconnections(proc)]));
  const fault: Fault = { kind: p.mode === 'restart' ? 'broker-restart' : 'connections-closed', target: 'rabbitmq', from: Date.now(), to: 0 };
  cluster.faults.push(fault);
  let what: string;
  if (p.mode === 'restart') {
    const { stoppedAt, servingAt } = await restartBroker(p.outageMs);
    what = `stopped ${((servingAt - stoppedAt) / 1000).toFixed(1)} s`;
  } else {
    const closed = await closeConnections([`baton processor ${cluster.namespace}-`, `baton publisher ${cluster.publisherId}`]);
    what = `${closed} connections closed`;
  }
  await waitUntil(() => [...before].every(([proc, count]) => !proc.running || reconnections(proc) > count), 'every processor to reconnect', 60_000, 100);
  fault.to = Date.now();
  return `${what}, all processors back after ${((fault.to - fault.from) / 1000).toFixed(1)} s`;
}

export async function brokerScenario(p: BrokerParams): Promise<ScenarioResult> {
  const cluster = new ChaosCluster({ namespacePrefix: 'cb', queueType: p.queueType, processorEnv: { BATON_LEASE_SECONDS: '15', BATON_RENEW_SECONDS: '5', BATON_CONCURRENCY: String(p.concurrency) } });
  const startedAt = Date.now();
  try {
    await cluster.start();
    for (let i = 0; i < p.processors; i++) await cluster.startProcessor();
    const planned = planJobs(cluster.namespace, { count: p.jobs, steps: p.steps, stepMs: p.stepMs, ...MIXED, seed: 91 });
    const publishing = publishSteadily(cluster, planned, p.perSecond);
    const rounds: string[] = [];
    await sleep(p.firstAtMs);
    for (let i = 0; i < p.rounds; i++) {
      if (i > 0) await sleep(p.gapMs);
      rounds.push(await brokerFault(cluster, p));
    }
    await publishing.done;
    const settled = await settle(cluster, planned, { finalTimeoutMs: p.finalTimeoutMs });
    const retried = planned.filter((j) => j.publishTries > 1).length;
    settled.notes.push(`${retried} jobs needed more than one publish before the broker confirmed them (same jobId each time)`);
    return {
      key: p.mode === 'restart' ? 'broker-restart' : 'broker-connections',
      title: p.mode === 'restart' ? 'Broker restart' : 'Broker drops the connections',
      load: `${describeLoad(p, MIXED_TEXT)}, lease 15 s`,
      faults: p.mode === 'restart'
        ? `rabbitmqctl stop_app, ${p.outageMs / 1000} s, start_app + await_startup, ${p.rounds}× mid-run (${rounds.join('; ')})`
        : `rabbitmqctl close_connection on every processor's and the publisher's connection, ${p.rounds}× (${rounds.join('; ')})`,
      durationMs: Date.now() - startedAt, ...settled,
    };
  } finally {
    await cluster.dispose();
  }
}

export interface StorageParams extends ProcessLoad {
  readonly leaseSeconds: number;
  readonly faultAtMs: number;
  readonly outageMs: number;
  /** Fixed ports for the private Azurite (the full run uses 20000–20002); free ones otherwise. */
  readonly ports?: { blob: number; queue: number; table: number };
}

interface HealthSample { readonly at: number; readonly status: number }

/** Polls the dashboard's /health every 500 ms until stopped. */
function watchHealth(url: string): { samples: HealthSample[]; stop: () => Promise<void> } {
  const samples: HealthSample[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const at = Date.now();
      const status = await fetch(`${url}/health`, { signal: AbortSignal.timeout(8000) }).then((r) => r.status, () => 0);
      samples.push({ at, status });
      await sleep(500);
    }
  })();
  return { samples, stop: async () => { running = false; await loop; } };
}

/** `restarting`: when the restart began; a probe sent after it may already find storage back. */
function healthFindings(samples: readonly HealthSample[], fault: Fault, restarting: number): { text: string; problems: string[] } {
  const during = samples.filter((s) => s.at > fault.from + 1000 && s.at < restarting);
  const after = samples.filter((s) => s.at >= fault.to);
  const firstDown = samples.find((s) => s.at >= fault.from && s.status === 503);
  const backUp = after.find((s) => s.status === 200);
  const problems: string[] = [];
  if (samples.some((s) => s.at < fault.from && s.status !== 200)) problems.push('/health was not 200 before the outage');
  if (during.length === 0 || during.some((s) => s.status !== 503)) problems.push(`/health during the outage: ${[...new Set(during.map((s) => s.status))].join(', ') || 'no samples'} (want 503)`);
  if (!backUp) problems.push('/health never answered 200 after the outage');
  const text = `/health: 200 before; 503 ${firstDown ? `${firstDown.at - fault.from} ms` : 'never'} after the stop; 200 again ${backUp ? `${backUp.at - fault.to} ms` : 'never'} after the restart`;
  return { text, problems };
}

export async function storageScenario(p: StorageParams): Promise<ScenarioResult> {
  const azurite = new PrivateAzurite(p.ports ? { ports: p.ports } : {});
  await azurite.start();
  const cluster = new ChaosCluster({
    namespacePrefix: 'cs',
    queueType: p.queueType,
    storageConnectionString: azurite.connectionString,
    processorEnv: { BATON_LEASE_SECONDS: String(p.leaseSeconds), BATON_CONCURRENCY: String(p.concurrency) },
  });
  const startedAt = Date.now();
  let dashboard: BatonProcess | undefined;
  try {
    await cluster.start();
    for (let i = 0; i < p.processors; i++) await cluster.startProcessor();
    const port = await freePort();
    dashboard = spawnBaton('dashboard', 'dashboard', { BATON_NAMESPACE: cluster.namespace, BATON_STORAGE_CONNECTION_STRING: azurite.connectionString, BATON_DASHBOARD_PORT: String(port) });
    await waitUntil(() => dashboard!.logged('dashboard listening'), 'the dashboard to listen', 30_000, 100);
    const health = watchHealth(`http://127.0.0.1:${port}`);
    const planned = planJobs(cluster.namespace, { count: p.jobs, steps: p.steps, stepMs: p.stepMs, ...MIXED, seed: 101 });
    const publishing = publishSteadily(cluster, planned, p.perSecond);
    await sleep(p.faultAtMs);
    const fault: Fault = { kind: 'storage-outage', target: 'azurite', from: Date.now(), to: 0 };
    cluster.faults.push(fault);
    await azurite.stop();
    await sleep(p.outageMs);
    const restarting = Date.now();
    await azurite.start();
    fault.to = Date.now();
    await waitUntil(() => health.samples.some((s) => s.at > fault.to && s.status === 200), '/health to answer 200 again', 60_000);
    await publishing.done;
    await health.stop();
    const settled = await settle(cluster, planned, { finalTimeoutMs: p.finalTimeoutMs });
    const findings = healthFindings(health.samples, fault, restarting);
    settled.violations.push(...findings.problems);
    settled.notes.push(findings.text, `${planned.filter((j) => j.confirmedAt !== undefined && j.confirmedAt > fault.from && j.confirmedAt < fault.to).length} jobs confirmed during the outage (their Queued event could not be recorded)`);
    return {
      key: p.outageMs >= p.leaseSeconds * 1000 ? 'storage-past-lease' : 'storage',
      title: p.outageMs >= p.leaseSeconds * 1000 ? 'Storage outage longer than the lease' : 'Storage outage',
      load: `${describeLoad(p, MIXED_TEXT)}, lease ${p.leaseSeconds} s, private persistent Azurite`,
      faults: `Azurite stopped (SIGTERM) for ${p.outageMs / 1000} s mid-run, then started again on the same data`,
      durationMs: Date.now() - startedAt, ...settled,
    };
  } finally {
    dashboard?.signal('SIGTERM');
    await dashboard?.exited;
    await cluster.dispose();
    await azurite.dispose();
  }
}
