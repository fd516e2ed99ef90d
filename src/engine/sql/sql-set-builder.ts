/**
 * The values of one parameterized statement being composed from parts: `add` pushes a value and returns its
 * placeholder (`$n`, with an optional cast), numbered in the order the values are added. Each part writes its
 * own SQL without counting, and parts composed one after another on one builder never share a number.
 */
export class SqlParams {
  readonly values: unknown[] = [];

  add(value: unknown, cast = ''): string {
    this.values.push(value);
    return `$${this.values.length}${cast}`;
  }
}

/** SET assignments by column, so a caller can replace one with its own expression. */
export class SetList {
  private readonly items: { column: string | null; sql: string; expr: string | null }[] = [];

  assign(column: string, expr: string): void {
    this.items.push({ column, sql: `${column} = ${expr}`, expr });
  }

  push(...sql: string[]): void {
    for (const s of sql) this.items.push({ column: null, sql: s, expr: null });
  }

  /** The expression assigned to `column`, if any. */
  peek(column: string): string | null {
    return this.items.find((i) => i.column === column)?.expr ?? null;
  }

  /** Removes `column`'s assignment and returns its expression (the caller assigns it its own way). */
  take(column: string): string | null {
    const i = this.items.findIndex((x) => x.column === column);
    if (i < 0) return null;
    return this.items.splice(i, 1)[0].expr;
  }

  sql(): string {
    return this.items.map((i) => i.sql).join(', ');
  }
}
