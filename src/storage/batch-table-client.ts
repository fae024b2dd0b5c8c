/**
 * @module A TableClient whose transactions cost one request's work, not one client's per call.
 *
 * The SDK's submitTransaction builds a new TableClient (a whole request pipeline) for every call, then runs
 * each action through a request pipeline of its own only to print it into the `$batch` body: about a sixth
 * of a processor's CPU per no-op job went there (bench `requests`). This client prints the same body directly — byte for byte
 * what the SDK sends (batch-table-client.test.ts compares the two) — and sends it, as the SDK does, through
 * its own pipeline (credential, retries, Baton's deadline and request counting), in a span of the same name,
 * and reads the answer as the SDK does. What it does not print the same way goes to the SDK's own path:
 * typed values (Date, bigint, bytes, `{ value, type }`), action options other than an etag, Cosmos
 * endpoints, and URLs with a query or a trailing slash.
 */
import { createTracingClient } from '@azure/core-tracing';
import {
  RestError,
  TableClient,
  type AzureNamedKeyCredential,
  type AzureSASCredential,
  type TableEntity,
  type TableServiceClientOptions,
  type TableTransactionEntityResponse,
  type TableTransactionResponse,
  type TransactionAction,
} from '@azure/data-tables';
import { createHttpHeaders, createPipelineRequest, type HttpClient, type PipelineResponse } from '@azure/core-rest-pipeline';
import { randomUUID } from 'node:crypto';

const CRLF = '\r\n';

type TransactionOptions = Parameters<TableClient['submitTransaction']>[1];

/** The SDK's own tracing client's identity (its namespace, package and version): with tracing on, the span is the one the SDK would make. */
const tracing = createTracingClient({ namespace: 'Microsoft.Data.Tables', packageName: '@azure/data-tables', packageVersion: '13.3.2' });

/** How the SDK names entity fields on the wire (its serialize()). */
const WIRE_NAMES: ReadonlyMap<string, string> = new Map([
  ['partitionKey', 'PartitionKey'],
  ['rowKey', 'RowKey'],
  ['etag', 'odata.etag'],
  ['timestamp', 'Timestamp'],
]);

export class BatchTableClient extends TableClient {
  readonly #httpClient: HttpClient;
  readonly #insecure: boolean;
  readonly #plainUrl: boolean;

  /** `options.httpClient` is the one this client's requests and its transactions share. */
  constructor(url: string, tableName: string, credential: AzureNamedKeyCredential | AzureSASCredential, options: TableServiceClientOptions & { httpClient: HttpClient }) {
    // The SDK tells the two credentials apart at run time; its typings only take one at a time.
    super(url, tableName, credential as AzureNamedKeyCredential, options);
    this.#httpClient = options.httpClient;
    this.#insecure = options.allowInsecureConnection ?? false;
    this.#plainUrl = printsPlainly(this.url);
  }

  override async submitTransaction(actions: TransactionAction[], options: TransactionOptions = {}): Promise<TableTransactionResponse> {
    const parts = this.#plainUrl ? subRequests(`${this.url}/${this.tableName}`, actions) : undefined;
    if (!parts) return super.submitTransaction(actions, options);
    const batchId = randomUUID();
    const changesetId = randomUUID();
    const body = batchBody(batchId, changesetId, parts);
    return tracing.withSpan('TableTransaction.submitTransaction', options, async (updatedOptions) => {
      const request = createPipelineRequest({
        ...updatedOptions,
        url: `${this.url}/$batch`,
        method: 'POST',
        body,
        headers: createHttpHeaders(batchHeaders(batchId)),
        allowInsecureConnection: this.#insecure,
      });
      return parseBatchResponse(await this.pipeline.sendRequest(this.#httpClient, request));
    });
  }
}

/** Not a Cosmos endpoint (the SDK adds its own policy there), nor a URL with a query (a SAS it would move) or a trailing slash. */
function printsPlainly(url: string): boolean {
  const parsed = new URL(url);
  return !parsed.search && !url.endsWith('/') && parsed.hostname !== 'localhost' && !parsed.hostname.includes('.table.cosmos');
}

/** The headers of the whole batch, as the SDK's getTransactionHeaders gives them (in Node). */
function batchHeaders(batchId: string): Record<string, string> {
  return {
    accept: 'application/json',
    'x-ms-version': '2019-02-02',
    DataServiceVersion: '3.0;',
    MaxDataServiceVersion: '3.0;NetFx',
    'Content-Type': `multipart/mixed; boundary=batch_${batchId}`,
    'Accept-Charset': 'UTF-8',
    Connection: 'Keep-Alive',
  };
}

export function batchBody(batchId: string, changesetId: string, parts: readonly string[]): string {
  const changeset = `changeset_${changesetId}`;
  const head = `--batch_${batchId}${CRLF}content-type: multipart/mixed; boundary=${changeset}${CRLF}${CRLF}`;
  const prefixed = parts.map((part) => `--${changeset}${CRLF}content-type: application/http${CRLF}content-transfer-encoding: binary${CRLF}${part}`);
  return `${[head, ...prefixed].join(CRLF)}${CRLF}--${changeset}--${CRLF}--batch_${batchId}--${CRLF}`;
}

/** Each action as the SDK prints it (request line, headers, body), or undefined if one is not printed plainly. */
export function subRequests(tableUrl: string, actions: readonly TransactionAction[]): string[] | undefined {
  const partitionKey = actions[0]?.[1].partitionKey;
  if (partitionKey === undefined) return undefined;
  const parts: string[] = [];
  for (const action of actions) {
    // The SDK's own error for this case, from its own path.
    if (action[1].partitionKey !== partitionKey) return undefined;
    const part = subRequest(tableUrl, action);
    if (part === undefined) return undefined;
    parts.push(part);
  }
  return parts;
}

function subRequest(tableUrl: string, action: TransactionAction): string | undefined {
  const [kind, entity] = action;
  if (entity.partitionKey == null || entity.rowKey == null) return undefined;
  if (kind === 'delete') return printed('DELETE', entityUrl(tableUrl, entity), ['Accept: application/json;odata=minimalmetadata', 'DataServiceVersion: 3.0', 'If-Match: *']);
  const json = entityJson(entity);
  if (json === undefined) return undefined;
  if (kind === 'create') {
    return printed('POST', tableUrl, ['Content-Type: application/json;odata=nometadata', 'Accept: application/json;odata=minimalmetadata', 'DataServiceVersion: 3.0', 'Prefer: return-no-content'], json);
  }
  const mode = action[2] ?? 'Merge';
  const method = mode === 'Merge' ? 'PATCH' : 'PUT';
  const headers = ['Content-Type: application/json', 'DataServiceVersion: 3.0', 'Accept: application/json'];
  if (kind === 'update') {
    const { etag = '*', ...other } = action[3] ?? {};
    if (Object.keys(other).length > 0) return undefined;
    headers.push(`If-Match: ${etag}`);
  }
  return printed(method, entityUrl(tableUrl, entity), headers, json);
}

function printed(method: string, url: string, headers: readonly string[], body?: string): string {
  const lines = ['', `${method} ${new URL(url).toString()} HTTP/1.1`, ...headers, CRLF];
  if (body !== undefined) lines.push(body);
  return lines.join(CRLF);
}

function entityUrl(tableUrl: string, entity: TableEntity): string {
  return `${tableUrl}(PartitionKey='${keyPart(entity.partitionKey)}',RowKey='${keyPart(entity.rowKey)}')`;
}

const keyPart = (key: string) => encodeURIComponent(key.replace(/'/g, "''"));

/** The entity's JSON as the SDK writes it, or undefined when a value needs an OData type the SDK would add. */
function entityJson(entity: TableEntity): string | undefined {
  const wire: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(entity)) {
    if (value !== null && typeof value === 'object') return undefined;
    if (typeof value === 'bigint' || typeof value === 'function' || typeof value === 'symbol') return undefined;
    wire[WIRE_NAMES.get(name) ?? name] = value;
  }
  return JSON.stringify(wire);
}

/** The SDK's parseTransactionResponse: each sub-response's status, row key and etag; an error as the SDK raises it. */
export function parseBatchResponse(response: PipelineResponse): TableTransactionResponse {
  const { status } = response;
  const rawBody = response.bodyAsText ?? '';
  if (status < 200 || status >= 300) throw bodyError(rawBody, status, response);
  const split = rawBody.split('--changesetresponse_');
  const subResponses = split.slice(1, split.length - 1).map((subResponse): TableTransactionEntityResponse => {
    const statusMatch = /HTTP\/1.1 ([0-9]*)/.exec(subResponse);
    if (statusMatch?.length !== 2) throw new Error(`Couldn't extract status from sub-response:\n ${subResponse}`);
    const subStatus = Number.parseInt(statusMatch[1]!);
    if (!Number.isInteger(subStatus)) throw new Error(`Expected sub-response status to be an integer ${subStatus}`);
    const bodyMatch = /\{(.*)\}/.exec(subResponse);
    if (bodyMatch?.length === 2) throw bodyError(bodyMatch[0], subStatus, response);
    const etag = /ETag: (.*)/.exec(subResponse)?.[1];
    const rowKey = /RowKey='(.*)'/.exec(subResponse)?.[1];
    return { status: subStatus, ...(rowKey !== undefined ? { rowKey } : {}), ...(etag !== undefined ? { etag } : {}) };
  });
  return { status, subResponses, getResponseForEntity: (rowKey) => subResponses.find((r) => r.rowKey === rowKey) };
}

function bodyError(bodyText: string, statusCode: number, response: PipelineResponse): RestError {
  let parsed: { 'odata.error'?: { code?: string; message?: { value?: string } } } | undefined;
  try {
    parsed = JSON.parse(bodyText) as typeof parsed;
  } catch {
    parsed = undefined;
  }
  const error = parsed?.['odata.error'];
  return new RestError(error?.message?.value ?? 'Transaction Failed', { code: error?.code, statusCode, request: response.request, response });
}
