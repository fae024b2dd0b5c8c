/** @module When `baton publish` opens the interactive console rather than publishing from flags. */

/** Options that describe jobs or their output: any of them means "publish these, do not prompt". */
export const JOB_OPTIONS = [
  'count', 'name', 'description', 'type', 'steps', 'stepMs', 'failTimes', 'params', 'input', 'lockKey', 'jobId', 'maxAttempts',
  'runAt', 'delay', 'priority', 'timeoutSeconds', 'file', 'json',
] as const;

/**
 * The console needs a person: keys from a terminal and a terminal to draw on. Anything else (a pipe, a
 * file, CI with no stdin) publishes from flags and never waits for a key.
 */
export function wantsConsole(opts: Readonly<Record<string, unknown>>, tty: { stdin: boolean; stdout: boolean }): boolean {
  return tty.stdin && tty.stdout && JOB_OPTIONS.every((key) => opts[key] === undefined);
}
