/**
 * @module An Azurite of a run's own: persistent (`--location` in a temporary directory) so that its data survives
 * a stop and start, on ports of its own so that stopping it never disturbs the shared one, and optionally with an
 * account and key of its own (AZURITE_ACCOUNTS) so that the key is a real secret, not the published dev key.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, portOpen, repoRoot, sleep, waitUntil } from './processes.js';

export interface PrivateAzuriteOptions {
  /** Ports for blob, queue and table; free ones are picked when absent. */
  readonly ports?: { blob: number; queue: number; table: number };
  /** A custom account: its key is random, so it is a secret nobody else knows. */
  readonly account?: string;
}

export class PrivateAzurite {
  readonly location: string;
  readonly accountName: string;
  readonly accountKey: string;
  readonly #custom: boolean;
  #ports: { blob: number; queue: number; table: number } | undefined;
  #child: ChildProcess | undefined;
  #exited: Promise<void> | undefined;

  constructor(readonly options: PrivateAzuriteOptions = {}) {
    this.location = mkdtempSync(path.join(os.tmpdir(), 'baton-azurite-'));
    this.#custom = options.account !== undefined;
    this.accountName = options.account ?? 'devstoreaccount1';
    this.accountKey = options.account
      ? randomBytes(64).toString('base64')
      : 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
  }

  get ports(): { blob: number; queue: number; table: number } {
    if (!this.#ports) throw new Error('PrivateAzurite not started');
    return this.#ports;
  }

  get connectionString(): string {
    const { blob, table } = this.ports;
    return (
      `DefaultEndpointsProtocol=http;AccountName=${this.accountName};AccountKey=${this.accountKey};` +
      `BlobEndpoint=http://127.0.0.1:${blob}/${this.accountName};TableEndpoint=http://127.0.0.1:${table}/${this.accountName};`
    );
  }

  get running(): boolean {
    return this.#child !== undefined;
  }

  /** Starts (or starts again, on the same ports and data); resolves once blob and table answer. */
  async start(): Promise<void> {
    if (this.#child) return;
    this.#ports ??= this.options.ports ?? { blob: await freePort(), queue: await freePort(), table: await freePort() };
    const { blob, queue, table } = this.#ports;
    const bin = path.join(repoRoot(), 'node_modules', '.bin', 'azurite');
    const args = [
      '--silent', '--disableTelemetry', '--skipApiVersionCheck', '--location', this.location,
      '--blobHost', '127.0.0.1', '--blobPort', String(blob),
      '--queueHost', '127.0.0.1', '--queuePort', String(queue),
      '--tableHost', '127.0.0.1', '--tablePort', String(table),
    ];
    const env = { ...process.env, ...(this.#custom ? { AZURITE_ACCOUNTS: `${this.accountName}:${this.accountKey}` } : {}) };
    const child = spawn(bin, args, { env, stdio: 'ignore', detached: false });
    this.#child = child;
    this.#exited = new Promise((resolve) => child.once('exit', () => resolve()));
    await waitUntil(async () => (await portOpen(blob)) && (await portOpen(table)), `private Azurite on ${blob}/${table}`, 30_000, 100);
  }

  /**
   * Stops it with SIGTERM, which lets it save its database (SIGKILL would lose the last seconds of table data,
   * an Azurite artefact, not a Baton one), and waits until nothing listens on its ports.
   */
  async stop(): Promise<void> {
    const child = this.#child;
    if (!child) return;
    child.kill('SIGTERM');
    const exited = this.#exited;
    await Promise.race([exited, sleep(10_000)]);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
    this.#child = undefined;
    const { blob, table } = this.ports;
    await waitUntil(async () => !(await portOpen(blob)) && !(await portOpen(table)), 'private Azurite to stop listening', 10_000, 100);
  }

  /** Stops it and removes its data. */
  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.location, { recursive: true, force: true });
  }
}
