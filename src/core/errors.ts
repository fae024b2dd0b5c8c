/** @module Typed errors: expected outcomes are values elsewhere; these are the unexpected, each with a code. */

export type BatonErrorCode =
  | 'CONFIG_INVALID'
  | 'LEASE_LOST'
  | 'JOB_CANCELLED'
  | 'ATTEMPT_INTERRUPTED'
  | 'ATTEMPT_TIMED_OUT'
  | 'JOB_UNRECOVERABLE'
  | 'PUBLISH_FAILED'
  | 'BROKER_UNREACHABLE'
  | 'STORAGE_UNREACHABLE'
  | 'HANDLER_INVALID'
  | 'INPUT_INVALID'
  | 'ATTEMPT_FENCED'
  /** `baton dev` could not start one of its parts (Azurite, a processor, the dashboard). */
  | 'DEV_START_FAILED';

export class BatonError extends Error {
  readonly code: BatonErrorCode;
  constructor(code: BatonErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A setting was refused: printed without a stack, exit code 2. */
export class ConfigError extends BatonError {
  constructor(message: string) {
    super('CONFIG_INVALID', message);
  }
}

/** The attempt's lease could not be kept; `endedAt` is the lease's last valid instant as the processor knew it. */
export class LeaseLostError extends BatonError {
  constructor(
    message: string,
    readonly endedAt: Date,
  ) {
    super('LEASE_LOST', message);
  }
}

/** An operator cancelled the job: the attempt stops and the job does not run again unless requeued. */
export class JobCancelledError extends BatonError {
  constructor(message = 'the job was cancelled') {
    super('JOB_CANCELLED', message);
  }
}

/** The attempt was stopped because its processor is shutting down (`Interrupted`; the job is delivered again). */
export class AttemptInterruptedError extends BatonError {
  constructor(message = 'processor is shutting down') {
    super('ATTEMPT_INTERRUPTED', message);
  }
}

/** The attempt ran past its `timeoutSeconds` (`TimedOut`; a failure: retried or dead-lettered). */
export class AttemptTimedOutError extends BatonError {
  constructor(readonly timeoutSeconds: number) {
    super('ATTEMPT_TIMED_OUT', `timed out after ${timeoutSeconds} s`);
  }
}

/** Thrown by a handler for a failure no retry can fix: the job is dead-lettered at once. */
export class UnrecoverableJobError extends BatonError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('JOB_UNRECOVERABLE', message, options);
  }
}

/** The broker did not answer a call in time (a connection that hangs rather than closes). */
export class BrokerTimeoutError extends BatonError {
  constructor(what: string, ms: number) {
    super('BROKER_UNREACHABLE', `the broker did not answer ${what} within ${ms} ms`);
  }
}

/** A message was not confirmed by the broker (nacked, unroutable, channel closed or timed out). */
export class PublishError extends BatonError {
  /** The broker returned the message: no queue of that name exists (it was deleted, say). */
  readonly unroutable: boolean;
  constructor(message: string, options?: { cause?: unknown; unroutable?: boolean }) {
    super('PUBLISH_FAILED', message, options);
    this.unroutable = options?.unroutable ?? false;
  }
}

/**
 * An audit write of an attempt was refused because the job's state row moved on (another attempt
 * started, or the job finished): the table's ETag is the fencing token, and this attempt no longer holds it.
 */
export class FencedError extends BatonError {
  constructor(message = 'the job has moved on to another attempt') {
    super('ATTEMPT_FENCED', message);
  }
}

/** A storage call got no answer within its bound (retries included): transient, like a network error. */
export class StorageTimeoutError extends BatonError {
  constructor(
    readonly timeoutMs: number,
    options?: { cause?: unknown },
  ) {
    super('STORAGE_UNREACHABLE', `storage request got no answer within ${timeoutMs} ms`, options);
  }
}

/** Handlers may throw anything; the rest of Baton deals only in Error. */
export function coerceError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  if (typeof thrown === 'string') return new Error(thrown);
  try {
    return new Error(`non-error thrown: ${JSON.stringify(thrown)}`);
  } catch {
    return new Error(`non-error thrown: ${String(thrown)}`);
  }
}

export function errorMessage(thrown: unknown): string {
  return coerceError(thrown).message;
}
