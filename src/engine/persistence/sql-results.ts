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
 * The values of one parameterized statement being composed from parts: `add` pushes a value and returns its
 * placeholder (`$n`, with an optional cast), so each part can write its own SQL without counting.
 */
export class SqlParams {
  readonly values: unknown[] = [];

  add(value: unknown, cast = ''): string {
    this.values.push(value);
    return `$${this.values.length}${cast}`;
  }
}
