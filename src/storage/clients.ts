/**
 * @module Blob and Table clients from one connection string (shared key or SAS, Azure or Azurite),
 * each wired to the RequestCounter so every request is counted.
 */
import { AzureNamedKeyCredential, AzureSASCredential, TableClient, type TableServiceClientOptions } from '@azure/data-tables';
import {
  AnonymousCredential,
  BlobServiceClient,
  newPipeline,
  StorageSharedKeyCredential,
  type RequestPolicy,
  type RequestPolicyFactory,
  type WebResource,
} from '@azure/storage-blob';
import { AZURITE_CONNECTION_STRING } from '../core/config.js';
import { ConfigError } from '../core/errors.js';
import { blobOperation, RequestCounter, tableOperation } from './request-counter.js';

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

// Retries inside the SDK stay short: the lease manager and the processor decide what a longer outage means.
const BLOB_RETRY = { maxTries: 3, retryDelayInMs: 200, maxRetryDelayInMs: 2000, tryTimeoutInMs: 15_000 };
const TABLE_RETRY = { maxRetries: 2, retryDelayInMs: 200, maxRetryDelayInMs: 2000 };

export function createStorageClients(connectionString: string, counter = new RequestCounter()): StorageClients {
  const account = parseConnectionString(connectionString);
  const blobCredential = account.accountKey
    ? new StorageSharedKeyCredential(account.accountName, account.accountKey)
    : new AnonymousCredential();
  const pipeline = newPipeline(blobCredential, { retryOptions: BLOB_RETRY });
  pipeline.factories.push(countingFactory(counter));
  const blobUrl = account.sas ? `${account.blobEndpoint}?${account.sas}` : account.blobEndpoint;
  const blobService = new BlobServiceClient(blobUrl, pipeline);

  const tableOptions: TableServiceClientOptions = {
    retryOptions: TABLE_RETRY,
    allowInsecureConnection: account.tableEndpoint.startsWith('http:'),
    additionalPolicies: [
      {
        position: 'perRetry',
        policy: {
          name: 'batonRequestCounter',
          sendRequest: (request, next) => {
            counter.record({ service: 'table', operation: tableOperation(request.method, new URL(request.url)) });
            return next(request);
          },
        },
      },
    ],
  };
  const namedKey = account.accountKey ? new AzureNamedKeyCredential(account.accountName, account.accountKey) : undefined;
  const sasCredential = account.sas ? new AzureSASCredential(account.sas) : undefined;
  const tables = new Map<string, TableClient>();
  return {
    account,
    counter,
    blobService,
    table(name: string) {
      let client = tables.get(name);
      if (!client) {
        client = namedKey
          ? new TableClient(account.tableEndpoint, name, namedKey, tableOptions)
          : new TableClient(account.tableEndpoint, name, sasCredential!, tableOptions);
        tables.set(name, client);
      }
      return client;
    },
  };
}

function countingFactory(counter: RequestCounter): RequestPolicyFactory {
  return {
    create(next: RequestPolicy): RequestPolicy {
      return {
        sendRequest(request: WebResource) {
          const leaseAction = request.headers.get('x-ms-lease-action') ?? undefined;
          counter.record({ service: 'blob', operation: blobOperation(request.method, new URL(request.url), leaseAction) });
          return next.sendRequest(request);
        },
      };
    },
  };
}
