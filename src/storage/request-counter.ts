/**
 * @module Counts storage requests by service and operation. Requests are what a job costs in a real
 * Azure account (billing, and the account's request ceiling), so every client Baton builds reports here.
 */

export type StorageService = 'blob' | 'table';

export interface RequestRecord {
  readonly service: StorageService;
  readonly operation: string;
}

type Listener = (record: RequestRecord) => void;

export class RequestCounter {
  readonly #counts = new Map<string, number>();
  readonly #listeners = new Set<Listener>();

  record(record: RequestRecord): void {
    const key = `${record.service}.${record.operation}`;
    this.#counts.set(key, (this.#counts.get(key) ?? 0) + 1);
    for (const listener of this.#listeners) listener(record);
  }

  /** Calls `listener` for every request from now on (a metrics counter, say); returns the unsubscribe. */
  onRequest(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.#counts.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }

  total(): number {
    let sum = 0;
    for (const count of this.#counts.values()) sum += count;
    return sum;
  }

  reset(): void {
    this.#counts.clear();
  }
}

/** Names a blob request from its method, query and lease header (`lease.acquire`, `blob.create`, …). */
export function blobOperation(method: string, url: URL, leaseAction: string | undefined): string {
  const comp = url.searchParams.get('comp');
  const isContainer = url.searchParams.get('restype') === 'container';
  if (comp === 'lease') return `lease.${leaseAction ?? 'unknown'}`;
  if (comp === 'list') return 'list';
  if (comp) return `${isContainer ? 'container' : 'blob'}.${comp}`;
  const target = isContainer ? 'container' : 'blob';
  switch (method.toUpperCase()) {
    case 'PUT':
      return `${target}.create`;
    case 'DELETE':
      return `${target}.delete`;
    case 'HEAD':
      return `${target}.properties`;
    default:
      return `${target}.get`;
  }
}

/** Names a table request from its method and path (`transaction`, `insert`, `query`, …). */
export function tableOperation(method: string, url: URL): string {
  const path = decodeURIComponent(url.pathname);
  const upper = method.toUpperCase();
  if (path.endsWith('$batch')) return 'transaction';
  if (/\/Tables(\(|$)/.test(path)) return `table.${upper === 'POST' ? 'create' : upper === 'DELETE' ? 'delete' : 'list'}`;
  if (path.includes('(PartitionKey=')) {
    if (upper === 'GET') return 'get';
    if (upper === 'DELETE') return 'delete';
    return upper === 'PUT' ? 'upsert' : 'merge';
  }
  return upper === 'POST' ? 'insert' : 'query';
}
