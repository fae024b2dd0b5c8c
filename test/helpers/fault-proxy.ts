/**
 * @module Fault-injecting proxies for tests, in Toxiproxy's vocabulary: an HTTP-aware one for the blob and
 * table services (lose an answer, hold a request, reset a connection, add latency, per matching request)
 * and a TCP one for the broker (reset every connection, blackhole, latency). Real services behind them;
 * nothing is mocked.
 *
 * The HTTP proxy reads each request in full before it decides, so rules can match on the body (a table
 * transaction is one multipart POST to `$batch`; its body names the entities). `dropAnswer` forwards the
 * request, waits for the service's whole answer (so the service has APPLIED it), then destroys the
 * client's socket: the client sees a lost answer, exactly what a network cut after the write looks like.
 */
import http from 'node:http';
import net from 'node:net';
import { AZURITE_CONNECTION_STRING } from '../../src/core/config.js';

// ---------------------------------------------------------------------------------------------------
// HTTP

/** What a rule sees of a request: the body is complete. */
export interface ProxiedRequest {
  readonly method: string;
  /** Path and query, as sent (e.g. `/devstoreaccount1/$batch`). */
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
  /** The body as UTF-8 (table transactions and entities are JSON in multipart text). */
  readonly text: string;
}

export type HttpToxic =
  | { readonly kind: 'pass' }
  | { readonly kind: 'dropAnswer' }
  | { readonly kind: 'hold' }
  | { readonly kind: 'reset' }
  | { readonly kind: 'latency'; readonly ms: number };

/** The actions, by name. */
export const toxic = {
  pass: { kind: 'pass' } as HttpToxic,
  /** Forward the request (the service applies it), then destroy the client socket instead of answering. */
  dropAnswer: { kind: 'dropAnswer' } as HttpToxic,
  /** Keep the request unforwarded until `release()` (then it is forwarded) or `close()` (then reset). */
  hold: { kind: 'hold' } as HttpToxic,
  /** Destroy the client connection without forwarding. */
  reset: { kind: 'reset' } as HttpToxic,
  /** Wait `ms`, then forward and answer normally. */
  latency: (ms: number): HttpToxic => ({ kind: 'latency', ms }),
} as const;

export interface HttpRule {
  /** Exact method (case-insensitive) or a pattern; any method when absent. */
  readonly method?: string | RegExp;
  /** Tested against the path and query; any when absent. */
  readonly url?: RegExp;
  /** Any further condition on the request (its body, say). */
  readonly when?: (request: ProxiedRequest) => boolean;
  /** Acts on the next `times` matching requests only, then stays inert; unlimited when absent. */
  readonly times?: number;
  /** Acts on a matching request with this probability (from the proxy's seeded RNG); 1 when absent. */
  readonly probability?: number;
  readonly action: HttpToxic;
}

/** A rule once added: how often it acted, and a way to take it out. */
export interface RuleHandle {
  readonly hits: number;
  remove(): void;
}

export interface HttpProxyCounters {
  requests: number;
  passed: number;
  droppedAnswers: number;
  held: number;
  resets: number;
  delayed: number;
}

interface ActiveRule {
  readonly rule: HttpRule;
  remaining: number;
  hits: number;
}

interface HeldRequest {
  readonly request: ProxiedRequest;
  readonly res: http.ServerResponse;
}

export class HttpFaultProxy {
  readonly #server: http.Server;
  readonly #target: URL;
  readonly #agent = new http.Agent({ keepAlive: true });
  readonly #random: () => number;
  #rules: ActiveRule[] = [];
  #held: HeldRequest[] = [];
  #closed = false;
  readonly counters: HttpProxyCounters = { requests: 0, passed: 0, droppedAnswers: 0, held: 0, resets: 0, delayed: 0 };

  private constructor(server: http.Server, target: URL, seed: number) {
    this.#server = server;
    this.#target = target;
    this.#random = seededRandom(seed);
  }

  /** Listens on a free loopback port in front of `target` (e.g. `http://127.0.0.1:10002`). */
  static async start(target: string, options: { seed?: number; port?: number } = {}): Promise<HttpFaultProxy> {
    const server = http.createServer();
    const proxy = new HttpFaultProxy(server, new URL(target), options.seed ?? 1);
    server.on('request', (req, res) => void proxy.#onRequest(req, res));
    // Client sockets we destroyed on purpose emit errors nobody else listens for.
    server.on('clientError', (_error, socket) => socket.destroy());
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
    });
    return proxy;
  }

  get port(): number {
    return (this.#server.address() as net.AddressInfo).port;
  }

  /** `http://127.0.0.1:<port>`. */
  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Adds a rule after the existing ones; the first rule that matches and fires decides a request's fate. */
  addRule(rule: HttpRule): RuleHandle {
    const active: ActiveRule = { rule, remaining: rule.times ?? Number.POSITIVE_INFINITY, hits: 0 };
    this.#rules.push(active);
    return {
      get hits() {
        return active.hits;
      },
      remove: () => {
        this.#rules = this.#rules.filter((r) => r !== active);
      },
    };
  }

  clearRules(): void {
    this.#rules = [];
  }

  /** Requests currently held. */
  get heldCount(): number {
    return this.#held.length;
  }

  /** Forwards every held request (their answers reach their clients, if those still wait). */
  release(): void {
    const held = this.#held;
    this.#held = [];
    for (const { request, res } of held) void this.#forward(request, res, false);
  }

  /** Stops listening and destroys every connection, held requests included. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const { res } of this.#held) res.socket?.destroy();
    this.#held = [];
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeAllConnections();
    this.#agent.destroy();
    await closed;
  }

  async #onRequest(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    let body: Buffer;
    try {
      body = await readBody(req);
    } catch {
      res.socket?.destroy();
      return;
    }
    const request: ProxiedRequest = { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body, text: body.toString('utf8') };
    this.counters.requests++;
    const action = this.#decide(request);
    switch (action.kind) {
      case 'reset':
        this.counters.resets++;
        res.socket?.destroy();
        return;
      case 'hold':
        this.counters.held++;
        this.#held.push({ request, res });
        return;
      case 'latency':
        this.counters.delayed++;
        await new Promise((resolve) => setTimeout(resolve, action.ms));
        return this.#forward(request, res, false);
      case 'dropAnswer':
        this.counters.droppedAnswers++;
        return this.#forward(request, res, true);
      case 'pass':
        return this.#forward(request, res, false);
    }
  }

  #decide(request: ProxiedRequest): HttpToxic {
    for (const active of this.#rules) {
      if (active.remaining <= 0 || !matches(active.rule, request)) continue;
      if (active.rule.probability !== undefined && this.#random() >= active.rule.probability) continue;
      active.remaining--;
      active.hits++;
      return active.rule.action;
    }
    return toxic.pass;
  }

  /** Sends the request upstream; answers the client, or (dropAnswer) reads the whole answer and cuts the client off. */
  #forward(request: ProxiedRequest, res: http.ServerResponse, dropAnswer: boolean): Promise<void> {
    if (this.#closed) {
      res.socket?.destroy();
      return Promise.resolve();
    }
    const headers = { ...request.headers, host: this.#target.host };
    return new Promise<void>((resolve) => {
      const upstream = http.request(
        { host: this.#target.hostname, port: this.#target.port, method: request.method, path: request.url, headers, agent: this.#agent },
        (answer) => {
          if (dropAnswer) {
            answer.resume();
            answer.on('end', () => {
              res.socket?.destroy();
              resolve();
            });
            answer.on('error', () => resolve());
            return;
          }
          if (!dropAnswer) this.counters.passed++;
          res.writeHead(answer.statusCode ?? 502, answer.statusMessage, answer.rawHeaders);
          answer.pipe(res);
          answer.on('end', () => resolve());
          answer.on('error', () => {
            res.socket?.destroy();
            resolve();
          });
        },
      );
      upstream.on('error', () => {
        // The service itself is unreachable: the client sees a reset, as it would without the proxy.
        res.socket?.destroy();
        resolve();
      });
      upstream.end(request.body);
    });
  }
}

function matches(rule: HttpRule, request: ProxiedRequest): boolean {
  if (rule.method !== undefined) {
    const ok = typeof rule.method === 'string' ? rule.method.toUpperCase() === request.method.toUpperCase() : rule.method.test(request.method);
    if (!ok) return false;
  }
  if (rule.url && !rule.url.test(request.url)) return false;
  return rule.when ? rule.when(request) : true;
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** mulberry32: a small seeded generator, so that a probabilistic fault pattern repeats run after run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A storage connection string whose blob and/or table endpoints go through the given proxies. */
export function proxiedConnectionString(proxies: { blob?: HttpFaultProxy; table?: HttpFaultProxy }, base = AZURITE_CONNECTION_STRING): string {
  return base
    .split(';')
    .map((segment) => {
      const [key = '', ...rest] = segment.split('=');
      const value = rest.join('=');
      const proxy = /^blobendpoint$/i.test(key) ? proxies.blob : /^tableendpoint$/i.test(key) ? proxies.table : undefined;
      if (!proxy) return segment;
      const url = new URL(value);
      return `${key}=${proxy.origin}${url.pathname}`;
    })
    .join(';');
}

/** Proxies in front of Azurite's blob (10000) and table (10002) services, and the connection string through them. */
export async function startStorageProxies(options: { seed?: number; blob?: string; table?: string } = {}): Promise<{
  blob: HttpFaultProxy;
  table: HttpFaultProxy;
  connectionString: string;
  close(): Promise<void>;
}> {
  const blob = await HttpFaultProxy.start(options.blob ?? 'http://127.0.0.1:10000', { seed: options.seed ?? 1 });
  const table = await HttpFaultProxy.start(options.table ?? 'http://127.0.0.1:10002', { seed: (options.seed ?? 1) + 1 });
  return {
    blob,
    table,
    connectionString: proxiedConnectionString({ blob, table }),
    close: async () => {
      await Promise.all([blob.close(), table.close()]);
    },
  };
}

/** True when a table transaction's body holds an entity with `"status":"<status>"` (e.g. the Started event). */
export function transactionWith(status: string): (request: ProxiedRequest) => boolean {
  const needle = `"status":"${status}"`;
  return (request) => request.url.includes('$batch') && request.text.includes(needle);
}

// ---------------------------------------------------------------------------------------------------
// TCP

export interface TcpProxyCounters {
  connections: number;
  resets: number;
  bytesUp: number;
  bytesDown: number;
}

interface Direction {
  readonly to: net.Socket;
  readonly queue: { chunk: Buffer; dueAt: number }[];
  timer: NodeJS.Timeout | undefined;
}

interface Link {
  readonly client: net.Socket;
  readonly upstream: net.Socket;
  readonly up: Direction;
  readonly down: Direction;
}

/** A TCP proxy (for the broker): `reset()` every connection, `blackhole()` both ways, `latency(ms)`, `resume()`. */
export class TcpFaultProxy {
  readonly #server: net.Server;
  readonly #target: { host: string; port: number };
  readonly #links = new Set<Link>();
  #blackholed = false;
  #latencyMs = 0;
  #closed = false;
  readonly counters: TcpProxyCounters = { connections: 0, resets: 0, bytesUp: 0, bytesDown: 0 };

  private constructor(server: net.Server, target: { host: string; port: number }) {
    this.#server = server;
    this.#target = target;
  }

  static async start(target: { host?: string; port: number } = { port: 5672 }, options: { port?: number } = {}): Promise<TcpFaultProxy> {
    const server = net.createServer();
    const proxy = new TcpFaultProxy(server, { host: target.host ?? '127.0.0.1', port: target.port });
    server.on('connection', (socket) => proxy.#onConnection(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
    });
    return proxy;
  }

  get port(): number {
    return (this.#server.address() as net.AddressInfo).port;
  }

  /** `amqp://guest:guest@127.0.0.1:<port>` plus `query` (e.g. `?heartbeat=5`). */
  amqpUrl(query = ''): string {
    return `amqp://guest:guest@127.0.0.1:${this.port}${query}`;
  }

  /** Open connections right now. */
  get connectionCount(): number {
    return this.#links.size;
  }

  /** Destroys every current connection, both sides (new ones are accepted). */
  reset(): void {
    for (const link of this.#links) {
      this.counters.resets++;
      this.#drop(link);
    }
  }

  /** Holds all traffic, both ways, on current and new connections, until `resume()`. */
  blackhole(): void {
    this.#blackholed = true;
  }

  /** Delays every chunk by `ms` each way (order kept). */
  latency(ms: number): void {
    this.#latencyMs = ms;
  }

  /** Ends the blackhole and the latency; held traffic flows again, in order. */
  resume(): void {
    this.#blackholed = false;
    this.#latencyMs = 0;
    for (const link of this.#links) {
      this.#pump(link.up);
      this.#pump(link.down);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const link of this.#links) this.#drop(link);
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #onConnection(client: net.Socket): void {
    this.counters.connections++;
    const upstream = net.connect(this.#target);
    const link: Link = {
      client,
      upstream,
      up: { to: upstream, queue: [], timer: undefined },
      down: { to: client, queue: [], timer: undefined },
    };
    this.#links.add(link);
    client.on('data', (chunk: Buffer) => {
      this.counters.bytesUp += chunk.length;
      this.#enqueue(link.up, chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      this.counters.bytesDown += chunk.length;
      this.#enqueue(link.down, chunk);
    });
    const end = () => this.#drop(link);
    for (const socket of [client, upstream]) {
      socket.on('error', end);
      socket.on('close', end);
    }
  }

  #enqueue(direction: Direction, chunk: Buffer): void {
    direction.queue.push({ chunk, dueAt: Date.now() + this.#latencyMs });
    this.#pump(direction);
  }

  #pump(direction: Direction): void {
    if (direction.timer) {
      clearTimeout(direction.timer);
      direction.timer = undefined;
    }
    while (!this.#blackholed && direction.queue.length > 0) {
      const head = direction.queue[0]!;
      const wait = this.#latencyMs === 0 ? 0 : head.dueAt - Date.now();
      if (wait > 0) {
        direction.timer = setTimeout(() => this.#pump(direction), wait);
        return;
      }
      direction.queue.shift();
      if (!direction.to.destroyed) direction.to.write(head.chunk);
    }
  }

  #drop(link: Link): void {
    if (!this.#links.delete(link)) return;
    for (const direction of [link.up, link.down]) {
      if (direction.timer) clearTimeout(direction.timer);
      direction.queue.length = 0;
    }
    link.client.destroy();
    link.upstream.destroy();
  }
}
