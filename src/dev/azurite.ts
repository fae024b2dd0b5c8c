/**
 * @module The embedded Azurite of `baton dev`: the `azurite` npm package's own entry point run with
 * Node, on the blob and table ports named by the storage connection string, so a test (or a second
 * checkout) can run it beside another Azurite. Reused, not started, when its ports already answer.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { BatonError } from '../core/errors.js';
import { parseConnectionString } from '../storage/clients.js';
import { DevChild, describeExit } from './child-process.js';
import { freePort, portOpen, waitForPort } from './ports.js';

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

export interface AzuriteEndpoints {
  readonly blobHost: string;
  readonly blobPort: number;
  readonly tableHost: string;
  readonly tablePort: number;
}

/** The local ports the connection string points at, or `undefined` for a remote (real Azure) account. */
export function localAzuriteEndpoints(connectionString: string): AzuriteEndpoints | undefined {
  const account = parseConnectionString(connectionString);
  const blob = new URL(account.blobEndpoint);
  const table = new URL(account.tableEndpoint);
  if (!LOCAL_HOSTS.has(blob.hostname) || !LOCAL_HOSTS.has(table.hostname)) return undefined;
  const portOf = (url: URL) => Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  // Azurite binds an address, not a name; 127.0.0.1 also avoids "localhost" resolving to ::1 only.
  const host = (url: URL) => (url.hostname === 'localhost' ? '127.0.0.1' : url.hostname.replace(/^\[|\]$/g, ''));
  return { blobHost: host(blob), blobPort: portOf(blob), tableHost: host(table), tablePort: portOf(table) };
}

export type AzuriteStart = { readonly kind: 'reused' } | { readonly kind: 'started'; readonly child: DevChild };

export interface AzuriteOptions {
  readonly endpoints: AzuriteEndpoints;
  /** Folder for Azurite's data; `undefined` keeps everything in memory. */
  readonly dataDir: string | undefined;
  readonly output?: NodeJS.WritableStream;
  readonly nameWidth?: number;
  readonly timeoutMs?: number;
}

/** Starts Azurite unless both ports already answer; a half-taken pair is an error that names the port. */
export async function ensureAzurite(options: AzuriteOptions): Promise<AzuriteStart> {
  const { blobHost, blobPort, tableHost, tablePort } = options.endpoints;
  const [blobUp, tableUp] = await Promise.all([portOpen(blobHost, blobPort), portOpen(tableHost, tablePort)]);
  if (blobUp && tableUp) return { kind: 'reused' };
  if (blobUp || tableUp) {
    const [taken, free] = blobUp ? [`${blobHost}:${blobPort} (blob)`, `${tableHost}:${tablePort} (table)`] : [`${tableHost}:${tablePort} (table)`, `${blobHost}:${blobPort} (blob)`];
    throw new BatonError(
      'STORAGE_UNREACHABLE',
      `${taken} is taken by something but nothing answers on ${free}: stop what holds ${taken}, ` +
        'or point BATON_STORAGE_CONNECTION_STRING at other ports',
    );
  }
  const child = new DevChild({
    name: 'azurite',
    command: process.execPath,
    args: azuriteArgs(options.endpoints, options.dataDir, await queuePortBeside(options.endpoints)),
    ...(options.output ? { output: options.output } : {}),
    ...(options.nameWidth !== undefined ? { nameWidth: options.nameWidth } : {}),
  });
  try {
    const timeoutMs = options.timeoutMs ?? 30_000;
    await waitForPort(blobHost, blobPort, timeoutMs, child.exited);
    await waitForPort(tableHost, tablePort, timeoutMs, child.exited);
  } catch {
    const exit = await child.stop('SIGKILL', 1000);
    throw new BatonError(
      'DEV_START_FAILED',
      `Azurite did not start (${describeExit(exit)}):\n  ${child.lastLines.slice(-10).join('\n  ')}`,
    );
  }
  return { kind: 'started', child };
}

/**
 * A free port for Azurite's queue service (Baton uses no queues), never the blob or table port. Not 0: Azurite
 * starts its queue service before its table service, and a system-chosen port could be the table port (free
 * until then), which then fails to bind.
 */
async function queuePortBeside(endpoints: AzuriteEndpoints): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (port !== endpoints.blobPort && port !== endpoints.tablePort) return port;
  }
}

export function azuriteArgs(endpoints: AzuriteEndpoints, dataDir: string | undefined, queuePort: number): string[] {
  return [
    azuriteEntryPoint(),
    '--silent',
    // No telemetry: this machine (like many CI runners) has no internet, and nobody asked for it.
    '--disableTelemetry',
    // The Azure SDKs move faster than Azurite; a newer API version header must not fail every request.
    '--skipApiVersionCheck',
    '--blobHost', endpoints.blobHost, '--blobPort', String(endpoints.blobPort),
    '--tableHost', endpoints.tableHost, '--tablePort', String(endpoints.tablePort),
    // Baton uses no queues: a free port of its own, instead of clashing on 10001 (queuePortBeside).
    '--queueHost', '127.0.0.1', '--queuePort', String(queuePort),
    // Azurite refuses --location together with --inMemoryPersistence.
    ...(dataDir === undefined ? ['--inMemoryPersistence'] : ['--location', dataDir]),
  ];
}

/** The package's own CLI script: run with this Node, no shell and no npx in between to forward signals. */
function azuriteEntryPoint(): string {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve('azurite/package.json')), 'dist', 'src', 'azurite.js');
}
