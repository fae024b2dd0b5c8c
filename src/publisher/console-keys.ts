/** @module The publisher console's keyboard: which key does what, as a pure mapping the console and its tests share. */
import { randomBytes } from 'node:crypto';
import type { DemoOptions } from './demo-job.js';

/** Jobs published by one `b` press. */
export const BURST_SIZE = 10;

export type ConsoleAction =
  | { readonly kind: 'quit' }
  | { readonly kind: 'help' }
  /** Publish these demo jobs; `label` says what they are for in the printed lines. */
  | { readonly kind: 'publish'; readonly label: string; readonly jobs: readonly DemoOptions[] };

export const HELP_LINE =
  'keys: any = 1 job · b = 10 jobs · f = fails once · d = dead-lettered · l = 2 jobs, 1 lock key · h = help · q/Ctrl-C = quit';

const CTRL_C = '\u0003';
const CTRL_D = '\u0004';

/** An escape sequence (arrow, function key…) is one key; anything else is one character per key. */
const KEY = /\u001b(?:\[[0-9;?]*[ -/]*[@-~]|O.|.)?|[\s\S]/gu;

/**
 * Splits one chunk of raw terminal input into key presses. Keys typed quickly (or sent by a script)
 * can arrive together in one chunk, and each must count: "lfd" is three presses, not one.
 */
export function splitKeys(chunk: string): string[] {
  return chunk.match(KEY) ?? [];
}

/** Maps one key press (from splitKeys) to an action; any key without a meaning of its own publishes one job. */
export function actionForKey(key: string, lockKeySuffix: () => string = randomSuffix): ConsoleAction {
  if (key === CTRL_C || key === CTRL_D || key === 'q' || key === 'Q') return { kind: 'quit' };
  switch (key) {
    case 'h':
    case '?':
      return { kind: 'help' };
    case 'b':
      return { kind: 'publish', label: 'burst', jobs: Array.from({ length: BURST_SIZE }, () => ({})) };
    case 'f':
      // One failure, then a retry that succeeds: shows Failed → Retrying → Completed.
      return { kind: 'publish', label: 'fails once', jobs: [{ failTimes: 1 }] };
    case 'd':
      // Fails every attempt it gets: shows the road to the dead-letter queue in two attempts.
      return { kind: 'publish', label: 'dead-lettered', jobs: [{ failTimes: 1000, maxAttempts: 2 }] };
    case 'l': {
      const lockKey = `demo-lock-${lockKeySuffix()}`;
      return { kind: 'publish', label: `lock key ${lockKey}`, jobs: [{ lockKey }, { lockKey }] };
    }
    default:
      return { kind: 'publish', label: '', jobs: [{}] };
  }
}

function randomSuffix(): string {
  return randomBytes(3).toString('hex');
}
