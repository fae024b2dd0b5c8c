/**
 * @module Azure error classification in one place. Decide on status codes first: the SDKs leave `code`
 * undefined for some single-entity table errors (409 on create, 412 on update), as seen on Azurite.
 */
import { StorageTimeoutError } from '../core/errors.js';

export const BLOB_ERROR = {
  leaseAlreadyPresent: 'LeaseAlreadyPresent',
  leaseIdMismatch: 'LeaseIdMismatchWithLeaseOperation',
  leaseNotPresent: 'LeaseNotPresentWithLeaseOperation',
  leaseIdMissing: 'LeaseIdMissing',
  leaseLost: 'LeaseLost',
  blobNotFound: 'BlobNotFound',
  blobAlreadyExists: 'BlobAlreadyExists',
  containerNotFound: 'ContainerNotFound',
} as const;

export function statusOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

export function codeOf(error: unknown): string | undefined {
  const candidate = error as { code?: unknown; details?: { errorCode?: unknown } } | null;
  const code = candidate?.details?.errorCode ?? candidate?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Another holder has the lease: a value for the caller (defer), not a failure. */
export function isLeaseHeld(error: unknown): boolean {
  return statusOf(error) === 409 && codeOf(error) === BLOB_ERROR.leaseAlreadyPresent;
}

/** The service says our lease id is no longer the blob's lease: the right to run is gone. */
export function isLeaseLost(error: unknown): boolean {
  const code = codeOf(error);
  return (
    code === BLOB_ERROR.leaseIdMismatch ||
    code === BLOB_ERROR.leaseNotPresent ||
    code === BLOB_ERROR.leaseLost ||
    (statusOf(error) === 404 && code === BLOB_ERROR.blobNotFound)
  );
}

export function isNotFound(error: unknown): boolean {
  return statusOf(error) === 404;
}

export function isConflict(error: unknown): boolean {
  return statusOf(error) === 409;
}

export function isPreconditionFailed(error: unknown): boolean {
  return statusOf(error) === 412;
}

/** Errors of the network layer (no answer at all): Node's system codes, and the SDKs' own. */
const NETWORK_CODES = new Set([
  'ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'ETIMEDOUT', 'ESOCKETTIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH',
  'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_SOCKET', 'REQUEST_SEND_ERROR',
]);

/**
 * Worth retrying: no answer at all (a network error, a timeout, an abort by our own deadline), throttling,
 * or a server error. Whatever the storage service might answer differently next time.
 */
export function isTransient(error: unknown): boolean {
  const status = statusOf(error);
  if (status !== undefined) return status === 408 || status === 429 || status >= 500;
  if (error instanceof StorageTimeoutError) return true;
  const name = (error as { name?: unknown } | null)?.name;
  if (name === 'AbortError' || name === 'TimeoutError') return true;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
  // A RestError with no status never reached the service.
  return name === 'RestError';
}

/**
 * The opposite: the service refused the request itself (400 PropertyValueTooLarge, 403 a bad key, …) or the
 * code failed before sending it. Retrying cannot help: a bug or a misconfiguration, to log at error,
 * never a reason to hold a job back for ever. (404, 409 and 412 are permanent too, but callers that
 * expect them decide on them first: isNotFound, isConflict, isPreconditionFailed.)
 */
export function isPermanent(error: unknown): boolean {
  return !isTransient(error);
}

/** How a storage error reads in a log line: its status and code, when it has them. */
export function describeStorageError(error: unknown): string {
  const status = statusOf(error);
  const code = codeOf(error);
  const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
  return [status !== undefined ? String(status) : undefined, code, message].filter(Boolean).join(' ');
}
