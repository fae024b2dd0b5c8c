/**
 * @module Preloaded into a processor (`node --import probe.js`) by the scale benchmark: tracks every live
 * timer and interval by the source line that created it, and answers `snapshot` over the IPC channel
 * with resident memory, heap and the live timers grouped by their creator.
 */
const live = new Map<object, string>();
const original = { setTimeout: globalThis.setTimeout, clearTimeout: globalThis.clearTimeout, setInterval: globalThis.setInterval, clearInterval: globalThis.clearInterval };

/** The first stack frame outside this file: `file.js:Function`. */
function creator(): string {
  const stack = new Error().stack?.split('\n').slice(1) ?? [];
  for (const frame of stack) {
    if (frame.includes('probe.js')) continue;
    const match = /at (?:(\S+) \()?(?:.*\/)?([^/()]+?):\d+:\d+\)?$/.exec(frame.trim());
    if (match) return `${match[2]}:${match[1] ?? '(anonymous)'}`;
  }
  return 'unknown';
}

type TimerFn = (callback: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => NodeJS.Timeout;

globalThis.setTimeout = Object.assign(function setTimeout(callback: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) {
  const site = creator();
  const timer: NodeJS.Timeout = (original.setTimeout as unknown as TimerFn)((...a: unknown[]) => {
    live.delete(timer);
    callback(...a);
  }, ms, ...args);
  live.set(timer, site);
  return timer;
}, original.setTimeout) as typeof globalThis.setTimeout;

globalThis.clearTimeout = function clearTimeout(timer: NodeJS.Timeout | string | number | undefined) {
  if (timer && typeof timer === 'object') live.delete(timer);
  original.clearTimeout(timer);
} as typeof globalThis.clearTimeout;

globalThis.setInterval = Object.assign(function setInterval(callback: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) {
  const timer: NodeJS.Timeout = (original.setInterval as unknown as TimerFn)(callback, ms, ...args);
  live.set(timer, `${creator()} (interval)`);
  return timer;
}, original.setInterval) as typeof globalThis.setInterval;

globalThis.clearInterval = function clearInterval(timer: NodeJS.Timeout | string | number | undefined) {
  if (timer && typeof timer === 'object') live.delete(timer);
  original.clearInterval(timer);
} as typeof globalThis.clearInterval;

export interface ProbeSnapshot {
  readonly rss: number;
  readonly heapUsed: number;
  /** After a full garbage collection when asked for (`snapshot+gc`, with --expose-gc): what is really live. */
  readonly rssAfterGc: number;
  readonly heapLiveAfterGc: number;
  readonly timersBySite: Record<string, number>;
  /** `Timeout` entries of process.getActiveResourcesInfo(): every ref'd timer, whoever made it. */
  readonly activeTimeouts: number;
}

process.on('message', (message) => {
  if (message !== 'snapshot' && message !== 'snapshot+gc') return;
  const timersBySite: Record<string, number> = {};
  for (const [timer, site] of live) {
    // Unref'd or finished timers do not keep anything alive; count what is pending.
    if ((timer as NodeJS.Timeout).hasRef && !(timer as NodeJS.Timeout).hasRef()) continue;
    timersBySite[site] = (timersBySite[site] ?? 0) + 1;
  }
  const { rss, heapUsed } = process.memoryUsage();
  if (message === 'snapshot+gc') (globalThis as { gc?: () => void }).gc?.();
  const after = process.memoryUsage();
  const snapshot: ProbeSnapshot = { rss, heapUsed, rssAfterGc: after.rss, heapLiveAfterGc: after.heapUsed, timersBySite, activeTimeouts: process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length };
  process.send?.(snapshot);
});
// The IPC channel must not keep the processor alive on its own.
process.channel?.unref();
