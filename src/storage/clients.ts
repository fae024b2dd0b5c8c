/**
 * @module Blob and Table clients from one connection string (shared key or SAS, Azure or Azurite),
 * each wired to the RequestCounter so every request is counted.
 */
import { createDefaultHttpClient, type HttpClient, type PipelinePolicy } from '@azure/core-rest-pipeline';
import { AzureNamedKeyCredential, AzureSASCredential, type TableClient, type TableServiceClientOptions } from '@azure/data-tables';
import {
  AnonymousCredential,
  BlobServiceClient,
  newPipeline,
  StorageSharedKeyCredential,
  type Pipeline,
} from '@azure/storage-blob';
import { AZURITE_CONNECTION_STRING } from '../core/config.js';
import { ConfigError, StorageTimeoutError } from '../core/errors.js';
import { BatchTableClient } from './batch-table-client.js';
import { blobOperation, RequestCounter, tableOperation } from './request-counter.js';

/** The part of an abort signal the SDKs hand their policies. */
interface AbortSignalLike {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

export interface StorageAccount {
  readonly accountName: string;
  readonly accountKey?: string;
  readonly sas?: string;
  readonly blobEndpoint: string;
  readonly tableEndpoint: string;
}

/** Parses a connection string; `UseDevelopmentStorage=true` means the local Azurite account. */
export function parseConnectionString(connectionString: string): StorageAccount {
  const text = /^\s*UseDevelopmentStorage=true\s*;?\s*$/i.test(connectionString) ? AZURITE_CONNECTION_STRING : connectionString;
  const parts = new Map<string, string>();
  for (const segment of text.split(';')) {
    const index = segment.indexOf('=');
    if (index > 0) parts.set(segment.slice(0, index).trim().toLowerCase(), segment.slice(index + 1).trim());
  }
  const accountName = parts.get('accountname');
  const protocol = parts.get('defaultendpointsprotocol') ?? 'https';
  const suffix = parts.get('endpointsuffix') ?? 'core.windows.net';
  const blobEndpoint = parts.get('blobendpoint') ?? (accountName ? `${protocol}://${accountName}.blob.${suffix}` : undefined);
  const tableEndpoint = parts.get('tableendpoint') ?? (accountName ? `${protocol}://${accountName}.table.${suffix}` : undefined);
  const accountKey = parts.get('accountkey');
  const sas = parts.get('sharedaccesssignature');
  if (!blobEndpoint || !tableEndpoint || (!accountKey && !sas) || (accountKey && !accountName)) {
    throw new ConfigError(
      'BATON_STORAGE_CONNECTION_STRING (--storage-connection-string) must name an account and key (or a SAS) ' +
        'and reach both the blob and table endpoints',
    );
  }
  return {
    accountName: accountName ?? new URL(blobEndpoint).hostname.split('.')[0] ?? 'account',
    ...(accountKey ? { accountKey } : {}),
    ...(sas ? { sas: sas.replace(/^\?/, '') } : {}),
    blobEndpoint: blobEndpoint.replace(/\/$/, ''),
    tableEndpoint: tableEndpoint.replace(/\/$/, ''),
  };
}

export interface StorageClients {
  readonly account: StorageAccount;
  readonly counter: RequestCounter;
  readonly blobService: BlobServiceClient;
  table(name: string): TableClient;
}

/**
 * Every storage request is bounded twice: each try by `tryTimeoutMs`, and the whole call, its retries
 * included, by `totalTimeoutMs`. A request the service never answers then fails as a transient error
 * (an AbortError: no status) within `totalTimeoutMs`, instead of stalling its caller for ever. Retries
 * inside the SDK stay short: the lease manager and the processor decide what a longer outage means.
 */
export interface StorageTimeouts {
  readonly tryTimeoutMs: number;
  readonly totalTimeoutMs: number;
}

/**
 * Generous for a healthy service (a table transaction of 100 entities takes milliseconds), short beside a
 * lease (15–60 s). 5 s per try proved too short on a loaded 2-core machine running Azurite beside the tests.
 */
export const STORAGE_TIMEOUTS: StorageTimeouts = { tryTimeoutMs: 10_000, totalTimeoutMs: 20_000 };

const RETRY_DELAY = { retryDelayInMs: 200, maxRetryDelayInMs: 1000 };

export function createStorageClients(connectionString: string, counter = new RequestCounter(), timeouts: StorageTimeouts = STORAGE_TIMEOUTS): StorageClients {
  const account = parseConnectionString(connectionString);
  const blobCredential = account.accountKey
    ? new StorageSharedKeyCredential(account.accountName, account.accountKey)
    : new AnonymousCredential();
  const pipeline = newPipeline(blobCredential, { retryOptions: { maxTries: 3, tryTimeoutInMs: timeouts.tryTimeoutMs, ...RETRY_DELAY } });
  const blobUrl = account.sas ? `${account.blobEndpoint}?${account.sas}` : account.blobEndpoint;
  // Before the SDK's retry policy, the deadline first: it bounds the whole call, retries included; each call is counted once.
  const blobService = new PolicedBlobServiceClient(blobUrl, pipeline, [deadlinePolicy(timeouts.totalTimeoutMs), blobCountingPolicy(counter)]);

  const tableOptions: TableServiceClientOptions & { httpClient: HttpClient } = {
    // Given, not left to the SDK: the transactions (batch-table-client.ts) are sent on it too.
    httpClient: sharedHttpClient(),
    retryOptions: { maxRetries: 2, ...RETRY_DELAY },
    allowInsecureConnection: account.tableEndpoint.startsWith('http:'),
    additionalPolicies: [
      // Before the retry policy: one deadline for the call and all its retries.
      { position: 'perCall', policy: deadlinePolicy(timeouts.totalTimeoutMs) },
      {
        position: 'perRetry',
        policy: {
          name: 'batonTryTimeoutAndCounter',
          sendRequest: (request, next) => {
            // The table SDK sets no per-try timeout of its own (0: wait for ever).
            if (!request.timeout) request.timeout = timeouts.tryTimeoutMs;
            counter.record({ service: 'table', operation: tableOperation(request.method, new URL(request.url)) });
            return next(request);
          },
        },
      },
    ],
  };
  const credential = account.accountKey ? new AzureNamedKeyCredential(account.accountName, account.accountKey) : new AzureSASCredential(account.sas!);
  const tables = new Map<string, TableClient>();
  return {
    account,
    counter,
    blobService,
    table(name: string) {
      let client = tables.get(name);
      if (!client) {
        client = new BatchTableClient(account.tableEndpoint, name, credential, tableOptions);
        tables.set(name, client);
      }
      return client;
    },
  };
}

let httpClient: HttpClient | undefined;

/** One connection pool for every table client of the process, as the SDK's own cached default would be. */
function sharedHttpClient(): HttpClient {
  httpClient ??= createDefaultHttpClient();
  return httpClient;
}

/**
 * Runs `call` with a signal that aborts when `outer` does or `totalMs` have passed. Its timer is cleared when
 * the call settles (no AbortSignal.any: it keeps memory per call while a long-lived signal lives).
 */
async function withDeadline<T>(outer: AbortSignalLike | undefined, totalMs: number, call: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const startedAt = performance.now();
  const timer = setTimeout(() => controller.abort(), totalMs);
  const onAbort = () => controller.abort();
  if (outer?.aborted) controller.abort();
  outer?.addEventListener('abort', onAbort);
  try {
    return await call(controller.signal);
  } catch (error) {
    // The SDKs report their own AbortError, for our deadline and for a try's timeout alike. Unless the
    // caller aborted, it means no answer came in time: say so, as a transient error of our own.
    if (!outer?.aborted && (error as { name?: unknown } | null)?.name === 'AbortError') {
      throw new StorageTimeoutError(Math.round(performance.now() - startedAt), { cause: error });
    }
    throw error;
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener('abort', onAbort);
  }
}

/** Aborts a call, retries included, once `totalMs` have passed. */
function deadlinePolicy(totalMs: number): PipelinePolicy {
  return {
    name: 'batonTotalTimeout',
    sendRequest: (request, next) =>
      withDeadline(request.abortSignal, totalMs, (signal) => {
        request.abortSignal = signal;
        return next(request);
      }),
  };
}

function blobCountingPolicy(counter: RequestCounter): PipelinePolicy {
  return {
    name: 'batonBlobCounter',
    sendRequest: (request, next) => {
      const leaseAction = request.headers.get('x-ms-lease-action') ?? undefined;
      counter.record({ service: 'blob', operation: blobOperation(request.method, new URL(request.url), leaseAction) });
      return next(request);
    },
  };
}

/**
 * A BlobServiceClient with `policies` in its request pipeline as pipeline policies. Given as the blob SDK's
 * request policy factories instead, they would be wrapped, per request, in its compatibility layer: a policy
 * chain built for each request, and the request and its response converted both ways through proxies.
 * Every client derived from it (containers, blobs, leases) shares that pipeline.
 */
class PolicedBlobServiceClient extends BlobServiceClient {
  constructor(url: string, pipeline: Pipeline, policies: readonly PipelinePolicy[]) {
    super(url, pipeline);
    for (const policy of policies) this.storageClientContext.pipeline.addPolicy(policy);
  }
}
