/**
 * @module A RabbitMQ connection that comes back. One connect attempt at a time; reconnection is driven
 * by `close`, with capped exponential backoff, and each new connection is handed to `onConnected` so the
 * owner re-creates its channels, re-asserts topology and re-registers consumers. Access refused and
 * similar irrecoverable answers at the first connect fail fast instead of retrying forever, and so does a
 * ConfigError from `onConnected` (a queue declared with other arguments: no retry can fix it).
 *
 * The URL may list several brokers, comma-separated (the nodes of a RabbitMQ cluster): each connect attempt
 * takes the next one, starting from a random one so that a fleet spreads over the nodes, and a lost
 * connection moves on to the next node rather than waiting for the one that went away.
 */
import amqp, { type ChannelModel } from 'amqplib';
import { brokerRefusedError, firstLine, isAccessRefused } from '../core/broker-advice.js';
import { ConfigError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { redact } from '../core/redact.js';
import { backoffMs, sleep } from '../core/time.js';

/** A node that accepts TCP but never answers must not hold up the move to the next one. */
const CONNECT_TIMEOUT_MS = 10_000;

/** The URLs of `BATON_AMQP_URL`: one, or several separated by commas. */
export function amqpUrls(url: string): string[] {
  return url.split(',').map((part) => part.trim()).filter(Boolean);
}

export interface BrokerConnectionOptions {
  /** One AMQP URL, or several separated by commas, tried in turn. */
  readonly url: string;
  readonly name: string;
  readonly logger: Logger;
  /** Called for every new connection; an error here closes the connection and a new one is tried. */
  readonly onConnected: (connection: ChannelModel) => Promise<void>;
  readonly onDisconnected?: (error: Error | undefined) => void;
}

/** How often a continuing outage is mentioned again. */
const REMIND_MS = 5 * 60_000;

export class BrokerConnection {
  readonly #options: BrokerConnectionOptions;
  readonly #stop = new AbortController();
  #connection: ChannelModel | undefined;
  #loop: Promise<void> | undefined;
  #firstConnect: { resolve: () => void; reject: (error: Error) => void } | undefined;
  /** performance.now() of the first failed attempt of the current outage. */
  #failingSince: number | undefined;
  #remindedAt: number | undefined;
  readonly #urls: string[];
  #next: number;

  constructor(options: BrokerConnectionOptions) {
    this.#options = options;
    this.#urls = amqpUrls(options.url);
    this.#next = Math.floor(Math.random() * this.#urls.length);
  }

  /** The URL for the next connect attempt: the list in turn. */
  #nextUrl(): string {
    const url = this.#urls[this.#next % this.#urls.length]!;
    this.#next = (this.#next + 1) % this.#urls.length;
    return url;
  }

  get connected(): boolean {
    return this.#connection !== undefined;
  }

  /** Resolves once connected the first time; rejects if the first attempt fails irrecoverably. */
  start(): Promise<void> {
    const first = new Promise<void>((resolve, reject) => {
      this.#firstConnect = { resolve, reject };
    });
    this.#loop ??= this.#run();
    return first;
  }

  async close(): Promise<void> {
    this.#stop.abort();
    const connection = this.#connection;
    this.#connection = undefined;
    if (connection) await connection.close().catch(() => undefined);
    await this.#loop?.catch(() => undefined);
  }

  async #run(): Promise<void> {
    let failures = 0;
    while (!this.#stop.signal.aborted) {
      let connection: ChannelModel;
      try {
        connection = await amqp.connect(this.#nextUrl(), { timeout: CONNECT_TIMEOUT_MS, clientProperties: { connection_name: this.#options.name } });
      } catch (error) {
        failures++;
        if (failures === 1 && isAccessRefused(error)) {
          this.#firstConnect?.reject(brokerRefusedError(this.#options.url, error));
          return;
        }
        // Nodes of this round not tried yet: try the next at once; back off once every one has failed.
        if (failures % this.#urls.length !== 0) continue;
        await this.#pause(failures / this.#urls.length, error as Error);
        continue;
      }
      const closed = new Promise<Error | undefined>((resolve) => {
        connection.once('close', (error?: Error) => resolve(error));
      });
      // An unhandled 'error' event would end the process; 'close' follows it and drives the reconnect.
      connection.on('error', (error: Error) => this.#options.logger.warn('broker connection error', { error: redact(error.message) }));
      try {
        await this.#options.onConnected(connection);
      } catch (error) {
        if (error instanceof ConfigError && this.#firstConnect) {
          await connection.close().catch(() => undefined);
          this.#firstConnect.reject(error);
          return;
        }
        const level = error instanceof ConfigError ? 'error' : 'warn';
        this.#options.logger.log(level, 'broker set-up failed; reconnecting', { error: redact((error as Error).message) });
        await connection.close().catch(() => undefined);
        failures++;
        await this.#pause(failures, error as Error);
        continue;
      }
      // close() ran while this connection was being set up: it saw no connection to close, so close it here.
      if (this.#stop.signal.aborted) {
        await connection.close().catch(() => undefined);
        return;
      }
      this.#connection = connection;
      // The first connection is part of starting up; a reconnection, or a connection after failures, is news.
      const triedSeconds = this.#failingSince === undefined ? undefined : Math.round((performance.now() - this.#failingSince) / 1000);
      // One message text whatever came before (log searches count it); how long it took is a field.
      this.#options.logger.log(
        this.#firstConnect && triedSeconds === undefined ? 'debug' : 'info',
        'connected to RabbitMQ',
        triedSeconds === undefined ? {} : { triedSeconds },
      );
      failures = 0;
      this.#failingSince = undefined;
      this.#remindedAt = undefined;
      this.#firstConnect?.resolve();
      this.#firstConnect = undefined;
      const error = await closed;
      this.#connection = undefined;
      if (this.#stop.signal.aborted) return;
      this.#options.logger.warn('broker connection lost; reconnecting', { error: error ? redact(error.message) : 'closed' });
      this.#options.onDisconnected?.(error);
    }
  }

  /**
   * Waits before the next attempt. An outage is said once when it begins, then only as a reminder every
   * REMIND_MS with how long it has lasted: a supervisor's log should not fill with one line per retry.
   */
  async #pause(failures: number, error: Error): Promise<void> {
    const delay = backoffMs(failures, 500, 10_000);
    const now = performance.now();
    this.#failingSince ??= now;
    const triedSeconds = Math.round((now - this.#failingSince) / 1000);
    const meta = { error: firstLine(error), triedSeconds };
    if (this.#remindedAt === undefined) {
      this.#options.logger.warn('cannot reach RabbitMQ; retrying (every 10 s at most) until it answers', meta);
      this.#remindedAt = now;
    } else if (now - this.#remindedAt >= REMIND_MS) {
      this.#options.logger.warn(`still cannot reach RabbitMQ after trying for ${triedSeconds} s; retrying`, meta);
      this.#remindedAt = now;
    } else {
      this.#options.logger.debug('cannot reach RabbitMQ; retrying', { ...meta, inMs: delay });
    }
    await sleep(delay, this.#stop.signal).catch(() => undefined);
  }
}
