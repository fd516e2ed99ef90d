import { createHash } from 'node:crypto';
import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';

/**
 * TypeORM's postgres driver answers `query()` with the rows for SELECT and INSERT, but with `[rows, rowCount]`
 * for UPDATE and DELETE. This reads the rows of either.
 */
export function rowsOf<T>(result: unknown): T[] {
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') {
    return result[0] as T[];
  }
  return result as T[];
}

/**
 * Runs a statement of a hot path (a reconciliation step's save, the view every backend polls) as a named prepared statement on the
 * pool TypeORM made (the same connections, settings and limits), and returns its rows. Each connection parses
 * and plans each statement text once instead of at every execution, and TypeORM's per-query runner is skipped.
 * The name is derived from the text, so one text always has one name. Every parameter must be cast in the text.
 */
export async function queryPrepared<T>(dataSource: DataSource, text: string, values: unknown[]): Promise<T[]> {
  const pool = (dataSource.driver as unknown as { master: Pool }).master;
  const name = `p${createHash('sha1').update(text).digest('base64url')}`;
  return (await pool.query({ name, text, values })).rows as T[];
}
