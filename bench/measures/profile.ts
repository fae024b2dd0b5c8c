/**
 * @module The CPU profile: one processor run under `node --cpu-prof` through `jobs` no-op jobs at
 * concurrency 16, stopped with SIGTERM (the profile is written at exit), then summarized by self time
 * per module (npm package, Baton file, Node internals) and per function. The .cpuprofile stays in a
 * temporary directory and is never committed.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { silentLogger } from '../../src/core/logger.js';
import { Publisher } from '../../src/publisher/publisher.js';
import { AMQP_URL, Space, storageAnswers, waitForProgress } from '../lib/infra.js';
import { metricSum, spawnProcessor, type ProcessorChild } from '../lib/processes.js';
import { noopJob, publishAll } from './throughput.js';

interface ProfileNode {
  readonly id: number;
  readonly children?: number[];
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly hitCount?: number;
}

interface CpuProfile {
  readonly nodes: ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples: number[];
}

export interface ProfileSummary {
  readonly file: string;
  readonly busyMs: number;
  readonly totalMs: number;
  readonly byModule: Array<[string, number]>;
  /** Self time charged to the nearest npm package or Baton file on the stack (Node internals and natives go to their caller). */
  readonly byCaller: Array<[string, number]>;
  readonly byFunction: Array<[string, number]>;
}

const isOwnCode = (module: string) => !module.startsWith('node:') && !module.startsWith('(');

/** Which module a frame belongs to: an npm package, a Baton file, a Node internal area, or a VM category. */
export function moduleOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native built-ins)';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm !== -1) {
    const parts = url.slice(nm + '/node_modules/'.length).split('/');
    return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
  }
  const dist = url.indexOf('/dist/');
  if (dist !== -1) return `baton ${url.slice(dist + '/dist/'.length)}`;
  if (url.startsWith('node:')) {
    const parts = url.slice('node:'.length).split('/');
    return `node:${parts[0] === 'internal' ? `internal/${parts[1] ?? ''}` : parts[0]}`.replace(/\.js$/, '');
  }
  return url;
}

export function summarizeProfile(file: string): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const totalMs = (profile.endTime - profile.startTime) / 1000;
  const sampleCount = profile.samples.length || 1;
  const msPerSample = totalMs / sampleCount;
  const byModule = new Map<string, number>();
  const byCaller = new Map<string, number>();
  const byFunction = new Map<string, number>();
  const parent = new Map<number, ProfileNode>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node);
  let busyMs = 0;
  for (const node of profile.nodes) {
    const ms = (node.hitCount ?? 0) * msPerSample;
    if (ms === 0 || node.callFrame.functionName === '(idle)') continue;
    busyMs += ms;
    const module = moduleOf(node.callFrame.url, node.callFrame.functionName);
    byModule.set(module, (byModule.get(module) ?? 0) + ms);
    let caller: ProfileNode | undefined = node;
    let callerModule = module;
    while (caller && !isOwnCode(callerModule)) {
      caller = parent.get(caller.id);
      if (caller) callerModule = moduleOf(caller.callFrame.url, caller.callFrame.functionName);
    }
    const charged = caller && callerModule !== '(root)' ? callerModule : module.startsWith('(') ? module : 'Node internals (no package on the stack: event loop, sockets, timers)';
    byCaller.set(charged, (byCaller.get(charged) ?? 0) + ms);
    const where = node.callFrame.url ? ` (${path.basename(node.callFrame.url)}:${node.callFrame.lineNumber + 1})` : '';
    const fn = `${node.callFrame.functionName || '(anonymous)'}${where}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + ms);
  }
  const top = (m: Map<string, number>, n: number) => [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, n);
  return { file, busyMs, totalMs, byModule: top(byModule, 15), byCaller: top(byCaller, 15), byFunction: top(byFunction, 20) };
}

export async function runProfile(connectionString: string, jobCount: number, timeoutMs: number): Promise<ProfileSummary & { jobsPerSecond: number }> {
  const space = new Space(connectionString, 'prof');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'baton-cpuprof-'));
  const publisher = new Publisher({ amqpUrl: AMQP_URL, storageConnectionString: connectionString, namespace: space.namespace, publisherId: 'bench-publisher', logger: silentLogger() });
  let processor: ProcessorChild | undefined;
  try {
    await publisher.start();
    await publishAll(publisher, Array.from({ length: jobCount }, () => noopJob()));
    const started = performance.now();
    processor = await spawnProcessor({ env: space.env({ BATON_CONCURRENCY: '16' }), label: 'p1', nodeArgs: ['--cpu-prof', '--cpu-prof-dir', dir] });
    const p = processor;
    await waitForProgress(async () => metricSum(await p.metrics(), 'baton_deliveries_total', { outcome: 'completed' }), jobCount, 'profiled processor', { timeoutMs, stallMs: 30_000, diagnose: () => storageAnswers(connectionString) });
    const jobsPerSecond = jobCount / ((performance.now() - started) / 1000);
    await p.stop(30_000);
    const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'));
    if (!file) throw new Error(`no .cpuprofile written in ${dir}`);
    return { ...summarizeProfile(path.join(dir, file)), jobsPerSecond };
  } finally {
    await processor?.kill();
    await publisher.close().catch(() => undefined);
    await space.cleanup();
  }
}
