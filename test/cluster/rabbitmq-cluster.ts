/**
 * @module A three-node RabbitMQ cluster for a test, driven through scripts/rabbitmq-cluster.sh: started under a
 * temporary directory on free ports, asked which node leads a queue, one node stopped, and everything stopped
 * and removed by `dispose()` (call it in a `finally`). Never touches the machine's own broker.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { portOpen } from '../../src/dev/ports.js';
import { repoRoot } from '../chaos/processes.js';

const SCRIPT = path.join(repoRoot(), 'scripts', 'rabbitmq-cluster.sh');

function run(args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(SCRIPT, args, { timeout: timeoutMs }, (error, stdout, stderr) =>
      error ? reject(new Error(`rabbitmq-cluster.sh ${args.join(' ')}: ${error.message}\n${stderr}`)) : resolve(stdout),
    ),
  );
}

/** A base port whose three AMQP ports and three distribution ports (+100) are all free. */
async function freeBasePort(): Promise<number> {
  for (let tries = 0; tries < 50; tries++) {
    const base = 21_000 + Math.floor(Math.random() * 8_000);
    const ports = [0, 1, 2].flatMap((i) => [base + i, base + 100 + i]);
    const taken = await Promise.all(ports.map((port) => portOpen('127.0.0.1', port, 300)));
    if (!taken.some(Boolean)) return base;
  }
  throw new Error('no free ports for a RabbitMQ cluster');
}

export const NODES = ['baton-a@localhost', 'baton-b@localhost', 'baton-c@localhost'] as const;

interface ListedQueue {
  readonly name: string;
  readonly leader?: string;
  readonly online?: string[];
}

export class RabbitCluster {
  #dir: string | undefined;
  /** The nodes' AMQP URLs, comma-separated: a BATON_AMQP_URL. */
  urls = '';
  readonly stopped = new Set<string>();

  /** Starts three nodes and joins them (about a minute here). */
  async start(): Promise<this> {
    this.#dir = await mkdtemp(path.join(os.tmpdir(), 'baton-rabbit-'));
    const base = await freeBasePort();
    this.urls = (await run(['start', this.#dir, String(base)], 300_000)).trim();
    return this;
  }

  /** rabbitmqctl against `node` (by default the first one still running). */
  ctl(args: string[], node = NODES.find((n) => !this.stopped.has(n))!): Promise<string> {
    return run(['ctl', this.#requireDir(), node, ...args], 60_000);
  }

  /** The node leading a quorum queue, and its members online, as the cluster reports them. */
  async queueLeader(queue: string): Promise<{ leader: string; online: string[] } | undefined> {
    const listing = JSON.parse(await this.ctl(['list_queues', 'name', 'leader', 'online', '--formatter', 'json', '-q'])) as ListedQueue[];
    const found = listing.find((q) => q.name === queue);
    return found?.leader ? { leader: found.leader, online: found.online ?? [] } : undefined;
  }

  /** Stops one node (`rabbitmqctl stop`: its clients' connections are closed, it leaves the cluster's majority). */
  async stopNode(node: string): Promise<void> {
    this.stopped.add(node);
    await run(['stop-node', this.#requireDir(), node], 120_000);
  }

  /** Kills one node's Erlang VM (SIGKILL, by its own pid): a node crash, its clients' sockets reset at once. */
  async killNode(node: string): Promise<void> {
    this.stopped.add(node);
    await run(['kill-node', this.#requireDir(), node], 30_000);
  }

  /** Stops every node (killing, by its own pid, any that will not stop) and removes the directory. Idempotent. */
  async dispose(): Promise<void> {
    const dir = this.#dir;
    if (!dir) return;
    this.#dir = undefined;
    try {
      await run(['stop', dir], 300_000);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  #requireDir(): string {
    if (!this.#dir) throw new Error('cluster not started');
    return this.#dir;
  }
}
