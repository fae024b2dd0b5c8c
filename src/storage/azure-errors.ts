/**
 * @module Azure error classification in one place. Decide on status codes first: the SDKs leave `code`
 * undefined for some single-entity table errors (409 on create, 412 on update), as seen on Azurite.
 */

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

/** Worth retrying: no answer at all, a timeout, throttling or a server error. */
export function isTransient(error: unknown): boolean {
  const status = statusOf(error);
  if (status === undefined) return true;
  return status === 408 || status === 429 || status >= 500;
}
