/**
 * @module Rows of several partitions read as one list, in RowKey order: each partition's query is paged as the
 * merge needs it. The indexes spread one list over sub-partitions (a partition's throughput target) and read
 * it back with this; their row keys sort newest first in every sub-partition, so the merge is too.
 */
type Row = Record<string, unknown> & { rowKey?: string };

/** One partition's rows, in order, fetched a page at a time. */
class PartitionCursor {
  readonly #pages: AsyncIterator<Row[]>;
  #buffer: Row[] = [];
  #done = false;

  constructor(pages: AsyncIterableIterator<Row[]>) {
    this.#pages = pages;
  }

  /** The next row without taking it; undefined when the partition has no more. */
  async peek(): Promise<Row | undefined> {
    while (this.#buffer.length === 0 && !this.#done) {
      const page = await this.#pages.next();
      if (page.done) this.#done = true;
      else this.#buffer = [...page.value];
    }
    return this.#buffer[0];
  }

  take(): Row | undefined {
    return this.#buffer.shift();
  }
}

export class MergedRows {
  readonly #cursors: PartitionCursor[];
  #lastKey: string | undefined;

  /** `pages`: one paged query per partition, each in RowKey order. */
  constructor(pages: ReadonlyArray<AsyncIterableIterator<Row[]>>) {
    this.#cursors = pages.map((query) => new PartitionCursor(query));
  }

  /** The next row of the merge without taking it. */
  async peek(): Promise<Row | undefined> {
    return (await this.#least())?.row;
  }

  /**
   * Up to `count` rows, lowest RowKey first. A RowKey met again in another partition (one job's row written
   * twice, in two of them) is taken once.
   */
  async take(count: number): Promise<Row[]> {
    const rows: Row[] = [];
    while (rows.length < count) {
      const least = await this.#least();
      if (!least) break;
      this.#cursors[least.index]!.take();
      this.#lastKey = least.row.rowKey;
      rows.push(least.row);
    }
    return rows;
  }

  /** The cursor holding the lowest next row; a row with the key just taken is dropped on the way. */
  async #least(): Promise<{ row: Row; index: number } | undefined> {
    for (;;) {
      const heads = await Promise.all(this.#cursors.map((cursor) => cursor.peek()));
      let best: { row: Row; index: number } | undefined;
      heads.forEach((row, index) => {
        if (row?.rowKey !== undefined && (!best || row.rowKey < best.row.rowKey!)) best = { row, index };
      });
      if (!best || best.row.rowKey !== this.#lastKey) return best;
      this.#cursors[best.index]!.take();
    }
  }
}
