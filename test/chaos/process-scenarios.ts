/**
 * @module Faults on processors: churn (SIGKILL and replace), pauses (SIGSTOP past the lease, then SIGCONT) and
 * graceful churn (SIGTERM one after another). Each runs a steady load on its own namespace and returns the
 * figures checked from the audit trail and the queues.
 */
import type { QueueType } from '../../src/core/config.js';
import { BROKER_URL, ChaosCluster } from './cluster.js';
import { planJobs, publishSteadily, seededRandom, type LoadShape } from './load.js';
import { busiest, sleep, type BatonProcess } from './processes.js';
import { settle, type ScenarioResult } from './settle.js';

export interface ProcessLoad {
  readonly jobs: number;
  readonly perSecond: number;
  readonly processors: number;
  readonly concurrency: number;
  readonly steps: number;
  readonly stepMs: number;
  readonly finalTimeoutMs: number;
  /** BATON_QUEUE_TYPE for the run (`npm run chaos -- --queue-type quorum`); classic when absent. */
  readonly queueType?: QueueType;
}

export function describeLoad(p: ProcessLoad, mix: string): string {
  const queues = p.queueType === 'quorum' ? ', quorum queues' : '';
  return `${p.jobs} jobs (${p.steps} × ${p.stepMs} ms; ${mix}) at ${p.perSecond}/s, ${p.processors} processors × concurrency ${p.concurrency}${queues}`;
}

const MIXED = { sharedFraction: 0.1, sharedLockKeys: 5, flakyFraction: 0.05, doomedFraction: 0.02 } satisfies Partial<LoadShape>;
const MIXED_TEXT = '10% on 5 shared lock keys, 5% fail once, 2% built to fail';
const SHORT_LEASE = { BATON_LEASE_SECONDS: '15', BATON_RENEW_SECONDS: '5' };

/** `random` as the issue asks; `busiest` makes sure a short run's few faults each catch attempts in flight. */
export type Target = 'random' | 'busiest';

function pick(processors: readonly BatonProcess[], target: Target, random: () => number): BatonProcess {
  return target === 'busiest' ? busiest(processors, random) : processors[Math.floor(random() * processors.length)]!;
}

export interface ChurnParams extends ProcessLoad {
  readonly target: Target;
  readonly killEveryMs: number;
  readonly minKills: number;
}

/** A processor SIGKILLed every few seconds and replaced, for as long as jobs are being published. */
export async function churnScenario(p: ChurnParams): Promise<ScenarioResult> {
  const cluster = new ChaosCluster({ namespacePrefix: 'cc', queueType: p.queueType, processorEnv: { ...SHORT_LEASE, BATON_CONCURRENCY: String(p.concurrency) } });
  const startedAt = Date.now();
  try {
    await cluster.start();
    for (let i = 0; i < p.processors; i++) await cluster.startProcessor();
    const planned = planJobs(cluster.namespace, { count: p.jobs, steps: p.steps, stepMs: p.stepMs, ...MIXED, seed: 61 });
    const publishing = publishSteadily(cluster, planned, p.perSecond);
    let published = false;
    void publishing.done.then(() => (published = true));
    const random = seededRandom(62);
    let kills = 0;
    while (!published || kills < p.minKills) {
      await sleep(p.killEveryMs * (0.75 + random() * 0.5));
      cluster.kill(pick(cluster.running, p.target, random));
      kills++;
      await cluster.startProcessor();
    }
    await publishing.done;
    const settled = await settle(cluster, planned, { finalTimeoutMs: p.finalTimeoutMs });
    if (settled.figures.killedAttempts === 0) settled.notes.push('no SIGKILL caught an attempt in flight');
    return {
      key: 'churn', title: 'Processor churn', load: describeLoad(p, MIXED_TEXT) + ', lease 15 s',
      faults: `${kills} SIGKILLs of ${p.target === 'random' ? 'a random' : 'the busiest'} processor, about every ${p.killEveryMs / 1000} s, each replaced at once`,
      durationMs: Date.now() - startedAt, ...settled,
    };
  } finally {
    await cluster.dispose();
  }
}

export interface PauseParams extends ProcessLoad {
  readonly target: Target;
  readonly pauses: number;
  readonly pauseMs: number;
  readonly gapMs: number;
}

/** A processor frozen past its lease (the broker notices through heartbeats), then woken, several times. */
export async function pauseScenario(p: PauseParams): Promise<ScenarioResult> {
  const cluster = new ChaosCluster({
    namespacePrefix: 'cp',
    queueType: p.queueType,
    processorEnv: { ...SHORT_LEASE, BATON_CONCURRENCY: String(p.concurrency), BATON_AMQP_URL: `${BROKER_URL}?heartbeat=3` },
  });
  const startedAt = Date.now();
  try {
    await cluster.start();
    for (let i = 0; i < p.processors; i++) await cluster.startProcessor();
    const planned = planJobs(cluster.namespace, { count: p.jobs, steps: p.steps, stepMs: p.stepMs, ...MIXED, seed: 71 });
    const publishing = publishSteadily(cluster, planned, p.perSecond);
    const random = seededRandom(72);
    for (let i = 0; i < p.pauses; i++) {
      await sleep(p.gapMs);
      await cluster.pause(pick(cluster.running, p.target, random), p.pauseMs);
    }
    await publishing.done;
    const settled = await settle(cluster, planned, { finalTimeoutMs: p.finalTimeoutMs });
    if (settled.figures.counts.leaseLost === 0) settled.notes.push('no pause caught an attempt in flight');
    return {
      key: 'pauses', title: 'Pauses past the lease', load: `${describeLoad(p, MIXED_TEXT)}, lease 15 s, heartbeat 3 s`,
      faults: `${p.pauses} SIGSTOPs of ${p.pauseMs / 1000} s (past the 15 s lease) of ${p.target === 'random' ? 'a random' : 'the busiest'} processor, then SIGCONT`,
      durationMs: Date.now() - startedAt, ...settled,
    };
  } finally {
    await cluster.dispose();
  }
}

export interface GracefulParams extends ProcessLoad {
  readonly terminations: number;
  readonly everyMs: number;
  readonly graceSeconds: number;
}

/** SIGTERM the busiest processor, one after another (each replaced first): running jobs are cancelled and handed over at once. */
export async function gracefulScenario(p: GracefulParams): Promise<ScenarioResult> {
  const cluster = new ChaosCluster({
    namespacePrefix: 'cg',
    queueType: p.queueType,
    processorEnv: { BATON_LEASE_SECONDS: '60', BATON_CONCURRENCY: String(p.concurrency), BATON_SHUTDOWN_GRACE_SECONDS: String(p.graceSeconds) },
  });
  const startedAt = Date.now();
  try {
    await cluster.start();
    for (let i = 0; i < p.processors; i++) await cluster.startProcessor();
    // Own lock keys only: a Deferred here could only mean a lease left to expire.
    const planned = planJobs(cluster.namespace, { count: p.jobs, steps: p.steps, stepMs: p.stepMs, flakyFraction: 0.05, seed: 81 });
    const publishing = publishSteadily(cluster, planned, p.perSecond);
    const exits: Array<{ code: number | null; ms: number }> = [];
    const random = seededRandom(82);
    for (let i = 0; i < p.terminations; i++) {
      await sleep(p.everyMs);
      const victim = busiest(cluster.running, random);
      await cluster.startProcessor();
      exits.push(await cluster.terminate(victim));
    }
    await publishing.done;
    const settled = await settle(cluster, planned, { finalTimeoutMs: p.finalTimeoutMs });
    const { figures } = settled;
    const bad = exits.filter((e) => e.code !== 0);
    if (bad.length > 0) settled.violations.push(`${bad.length} processors exited with a non-zero code after SIGTERM`);
    if (figures.counts.deferred > 0) settled.violations.push(`${figures.counts.deferred} Deferred events: a handed-over job found its lease still held`);
    if (figures.worstHandoverMs >= 10_000) settled.violations.push(`an interrupted job waited ${figures.worstHandoverMs} ms for its next attempt`);
    if (figures.counts.interrupted === 0) settled.notes.push('no SIGTERM caught an attempt in flight');
    settled.notes.push(`SIGTERM to exit: worst ${Math.max(...exits.map((e) => e.ms))} ms (grace ${p.graceSeconds} s)`);
    return {
      key: 'graceful', title: 'Graceful churn', load: `${describeLoad(p, 'own lock keys, 5% fail once')}, lease 60 s, grace ${p.graceSeconds} s`,
      faults: `${p.terminations} SIGTERMs of the busiest processor, one after another (each replaced first), every ${p.everyMs / 1000} s`,
      durationMs: Date.now() - startedAt, ...settled,
    };
  } finally {
    await cluster.dispose();
  }
}
