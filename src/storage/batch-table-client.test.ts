import { AzureNamedKeyCredential, TableClient, type TransactionAction } from '@azure/data-tables';
import { createHttpHeaders, type HttpClient, type PipelineRequest } from '@azure/core-rest-pipeline';
import { describe, expect, it } from 'vitest';
import { BatchTableClient, subRequests } from './batch-table-client.js';

const URL = 'http://127.0.0.1:10002/devstoreaccount1';
const KEY = new AzureNamedKeyCredential('devstoreaccount1', Buffer.from('key').toString('base64'));
const ANSWER = [
  '--batchresponse_1', 'Content-Type: multipart/mixed; boundary=changesetresponse_2', '',
  '--changesetresponse_2', 'Content-Type: application/http', '', 'HTTP/1.1 204 No Content', 'ETag: W/"datetime\'2026-01-01T00%3A00%3A00Z\'"', 'DataServiceId: x', '',
  '--changesetresponse_2', 'Content-Type: application/http', '', 'HTTP/1.1 201 Created', "Location: http://x/t(PartitionKey='p',RowKey='r2')", 'ETag: W/"e2"', '',
  '--changesetresponse_2--', '--batchresponse_1--', '',
].join('\r\n');
const REFUSED = [
  '--batchresponse_1', '--changesetresponse_2', 'HTTP/1.1 412 Precondition Failed', 'Content-Type: application/json', '',
  '{"odata.error":{"code":"UpdateConditionNotSatisfied","message":{"lang":"en-US","value":"0:The update condition specified in the request was not satisfied."}}}',
  '--changesetresponse_2--', '--batchresponse_1--', '',
].join('\r\n');

/** An HttpClient that keeps the requests it is given and answers every one with `body` (status 202). */
function recorder(body = ANSWER): HttpClient & { requests: PipelineRequest[] } {
  const requests: PipelineRequest[] = [];
  return {
    requests,
    sendRequest(request) {
      requests.push(request);
      return Promise.resolve({ request, status: 202, headers: createHttpHeaders({ 'content-type': 'multipart/mixed; boundary=batchresponse_1' }), bodyAsText: body });
    },
  };
}

/** The request body and batch headers with the random boundaries and per-request headers taken out. */
function comparable(request: PipelineRequest) {
  const ids = /batch_([0-9a-f-]{36})[\s\S]*?changeset_([0-9a-f-]{36})/.exec(String(request.body));
  const body = String(request.body).replaceAll(ids![1]!, 'BATCH').replaceAll(ids![2]!, 'CHANGESET');
  const headers = Object.fromEntries(
    [...request.headers]
      .map(([name, value]) => [name.toLowerCase(), value.replace(ids![1]!, 'BATCH')])
      .filter(([name]) => !['x-ms-client-request-id', 'x-ms-date', 'authorization', 'content-length'].includes(name!)),
  );
  return { url: request.url, method: request.method, body, headers };
}

async function bothWays(actions: TransactionAction[], answer = ANSWER) {
  const sdkHttp = recorder(answer);
  const oursHttp = recorder(answer);
  const sdk = new TableClient(URL, 'events', KEY, { allowInsecureConnection: true, httpClient: sdkHttp });
  const ours = new BatchTableClient(URL, 'events', KEY, { allowInsecureConnection: true, httpClient: oursHttp });
  const sdkResult = await sdk.submitTransaction(actions).catch((error: unknown) => error);
  const ourResult = await ours.submitTransaction(actions).catch((error: unknown) => error);
  return { sdk: comparable(sdkHttp.requests[0]!), ours: comparable(oursHttp.requests[0]!), sdkResult, ourResult };
}

describe('BatchTableClient', () => {
  it('sends the body and headers the SDK sends, for every kind of action', async () => {
    const pk = "job:1.a'b c";
    const actions: TransactionAction[] = [
      ['update', { partitionKey: pk, rowKey: 'state', status: 'Started', attempts: 2, ratio: 0.5, ok: true, gone: undefined, none: null, etag: 'x', timestamp: 't' }, 'Merge', { etag: 'W/"datetime\'2026\'"' }],
      ['update', { partitionKey: pk, rowKey: 'r1', a: 'é' }, 'Replace'],
      ['update', { partitionKey: pk, rowKey: 'r2' }],
      ['create', { partitionKey: pk, rowKey: '0001-000001-ab', message: 'Attempt 1 started on p1', detail: 'line\r\n{"json":1}' }],
      ['upsert', { partitionKey: pk, rowKey: 'r 3', n: 1 }, 'Merge'],
      ['upsert', { partitionKey: pk, rowKey: 'r4', n: 2 }, 'Replace'],
      ['upsert', { partitionKey: pk, rowKey: 'r5' }],
      ['delete', { partitionKey: pk, rowKey: 'r6' }],
    ];
    expect(subRequests(`${URL}/events`, actions)).toHaveLength(actions.length);
    const { sdk, ours } = await bothWays(actions);
    expect(ours).toEqual(sdk);
  });

  it('reads the answer as the SDK does: each sub-response, and the entity it names', async () => {
    const { sdkResult, ourResult } = await bothWays([['update', { partitionKey: 'p', rowKey: 'state' }, 'Merge', { etag: 'e' }], ['create', { partitionKey: 'p', rowKey: 'r2' }]]);
    const sdk = sdkResult as Awaited<ReturnType<TableClient['submitTransaction']>>;
    const ours = ourResult as typeof sdk;
    expect(ours.status).toBe(sdk.status);
    expect(ours.subResponses).toEqual(sdk.subResponses);
    expect(ours.getResponseForEntity('r2')).toEqual(sdk.getResponseForEntity('r2'));
  });

  it('raises the error the SDK raises for a refused action (its status and code)', async () => {
    const { sdkResult, ourResult } = await bothWays([['update', { partitionKey: 'p', rowKey: 'state' }, 'Merge', { etag: 'e' }]], REFUSED);
    expect(ourResult).toMatchObject({ name: 'RestError', statusCode: 412, code: 'UpdateConditionNotSatisfied', message: (sdkResult as Error).message });
    expect(sdkResult).toMatchObject({ statusCode: 412, code: 'UpdateConditionNotSatisfied' });
  });

  it('leaves typed values to the SDK, which adds their OData types', async () => {
    const typed: TransactionAction[] = [['create', { partitionKey: 'p', rowKey: 'r', at: new Date(0), big: 5n }]];
    expect(subRequests(`${URL}/events`, typed)).toBeUndefined();
    const { sdk, ours } = await bothWays(typed);
    expect(ours).toEqual(sdk);
    expect(ours.body).toContain('"at@odata.type":"Edm.DateTime"');
  });
});
