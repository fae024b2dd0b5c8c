/**
 * @module Broker faults through `rabbitmqctl`: closing chosen clients' connections from the broker's side (safe
 * while other test files share the broker), and restarting the broker's application (disturbs everything on
 * the machine: only `npm run chaos` does it).
 */
import { execFile } from 'node:child_process';

export function rabbitmqctl(args: string[], timeoutMs = 120_000): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile('rabbitmqctl', args, { timeout: timeoutMs }, (error, stdout, stderr) =>
      error ? reject(new Error(`rabbitmqctl ${args.join(' ')}: ${error.message} ${stderr}`)) : resolve(stdout),
    ),
  );
}

/**
 * Closes every connection whose client-provided name (`baton processor <id>`, `baton publisher <id>`) contains
 * one of `fragments`. The tab-separated listing gives pids in the form close_connection accepts.
 */
export async function closeConnections(fragments: readonly string[]): Promise<number> {
  const listing = await rabbitmqctl(['list_connections', 'pid', 'client_properties', '--no-table-headers', '--quiet']);
  let closed = 0;
  for (const line of listing.split('\n')) {
    const pid = line.split('\t')[0]?.trim();
    if (!pid || !fragments.some((fragment) => line.includes(fragment))) continue;
    await rabbitmqctl(['close_connection', pid, 'closed by a Baton chaos run']).then(
      () => closed++,
      () => undefined, // it closed by itself meanwhile
    );
  }
  return closed;
}

/** True between stop_app and the broker serving again: run.ts starts it on an interrupt in between. */
export let brokerStopped = false;

/** stop_app, a pause, start_app, await_startup: returns when the broker serves again (it insists on starting it). */
export async function restartBroker(outageMs: number): Promise<{ stoppedAt: number; servingAt: number }> {
  brokerStopped = true;
  await rabbitmqctl(['stop_app']);
  const stoppedAt = Date.now();
  try {
    await new Promise((resolve) => setTimeout(resolve, outageMs));
  } finally {
    await startBroker();
  }
  return { stoppedAt, servingAt: Date.now() };
}

export async function startBroker(): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await rabbitmqctl(['start_app']);
      await rabbitmqctl(['await_startup']);
      brokerStopped = false;
      return;
    } catch (error) {
      if (attempt >= 5) throw error;
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
  }
}
