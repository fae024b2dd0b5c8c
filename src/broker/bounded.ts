/**
 * @module Every broker call bounded in time. amqplib waits for an RPC's reply for ever; a connection that
 * hangs (a half-open TCP connection, a blackholed route) would stall whoever waits. A call that times out
 * is a BrokerTimeoutError; the caller drops the connection and a new one is made.
 */
import { BrokerTimeoutError } from '../core/errors.js';
import { withTimeout } from '../core/time.js';

/** Generous: a healthy broker answers declarations, qos and consume in milliseconds. */
export const BROKER_CALL_TIMEOUT_MS = 15_000;

export function bounded<T>(call: Promise<T>, what: string, ms: number = BROKER_CALL_TIMEOUT_MS): Promise<T> {
  return withTimeout(call, ms, () => new BrokerTimeoutError(what, ms));
}
