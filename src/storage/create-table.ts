/** @module Creating a table that may exist already: several processes race to create the same tables at start-up. */
import type { TableClient } from '@azure/data-tables';
import { isConflict } from './azure-errors.js';

/** Creates `table`; one that exists (409, another process won the race) is what was wanted. */
export async function createTableIfMissing(table: TableClient): Promise<void> {
  try {
    await table.createTable();
  } catch (error) {
    if (!isConflict(error)) throw error;
  }
}
