import { describe, expect, it } from 'vitest';
import { blobOperation, RequestCounter, tableOperation } from './request-counter.js';

describe('request naming', () => {
  it('names blob requests', () => {
    expect(blobOperation('PUT', new URL('http://h/acct/c/b?comp=lease'), 'acquire')).toBe('lease.acquire');
    expect(blobOperation('PUT', new URL('http://h/acct/c/b'), undefined)).toBe('blob.create');
    expect(blobOperation('DELETE', new URL('http://h/acct/c/b'), undefined)).toBe('blob.delete');
    expect(blobOperation('PUT', new URL('http://h/acct/c?restype=container'), undefined)).toBe('container.create');
  });

  it('names table requests', () => {
    expect(tableOperation('POST', new URL('http://h/acct/$batch'))).toBe('transaction');
    expect(tableOperation('POST', new URL('http://h/acct/tbl'))).toBe('insert');
    expect(tableOperation('GET', new URL("http://h/acct/tbl(PartitionKey='a',RowKey='b')"))).toBe('get');
    expect(tableOperation('GET', new URL('http://h/acct/tbl()?$filter=x'))).toBe('query');
    expect(tableOperation('POST', new URL('http://h/acct/Tables'))).toBe('table.create');
  });

  it('counts by service and operation', () => {
    const counter = new RequestCounter();
    counter.record({ service: 'blob', operation: 'lease.acquire' });
    counter.record({ service: 'blob', operation: 'lease.acquire' });
    counter.record({ service: 'table', operation: 'transaction' });
    expect(counter.snapshot()).toEqual({ 'blob.lease.acquire': 2, 'table.transaction': 1 });
    expect(counter.total()).toBe(3);
  });
});
