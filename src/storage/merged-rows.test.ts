import { describe, expect, it } from 'vitest';
import { MergedRows } from './merged-rows.js';

/** A partition's query as the SDK pages it, counting the pages fetched. */
function paged(keys: string[], pageSize: number, fetched: { pages: number }): AsyncIterableIterator<Array<{ rowKey: string }>> {
  async function* pages() {
    for (let i = 0; i < keys.length; i += pageSize) {
      fetched.pages++;
      yield keys.slice(i, i + pageSize).map((rowKey) => ({ rowKey }));
    }
  }
  return pages();
}

describe('rows of several partitions merged by RowKey', () => {
  it('takes the lowest key first across partitions, and a key met in two partitions once', async () => {
    const fetched = { pages: 0 };
    const rows = new MergedRows([paged(['a', 'd', 'f'], 2, fetched), paged(['b', 'd', 'e'], 2, fetched), paged([], 2, fetched)]);
    expect((await rows.take(3)).map((row) => row.rowKey)).toEqual(['a', 'b', 'd']);
    expect((await rows.peek())?.rowKey).toBe('e');
    expect((await rows.take(10)).map((row) => row.rowKey)).toEqual(['e', 'f']);
    expect(await rows.take(1)).toEqual([]);
    expect(await rows.peek()).toBeUndefined();
  });

  it('fetches a partition\'s next page only when the merge reaches it', async () => {
    const fetched = { pages: 0 };
    const rows = new MergedRows([paged(['a', 'b', 'c', 'd'], 2, fetched), paged(['x', 'y'], 2, fetched)]);
    await rows.take(2);
    expect(fetched.pages).toBe(2); // the first page of each
    await rows.take(1);
    expect(fetched.pages).toBe(3);
  });
});
