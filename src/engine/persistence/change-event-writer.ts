import type { EntityManager } from 'typeorm';
import type { Kind } from '../../common/kinds.js';
import type { EventType } from '../domain/tracking-state-machine.js';
import type { SqlParams } from '../sql/sql-set-builder.js';

/*
 * The writing side of the change feed (ChangeFeed reads it): events are written in the transaction or statement
 * that makes the change, so an event exists exactly when its change does. The xid column's default is the
 * writing transaction, which is what the feed orders by.
 */

/** Appends `types`, in their order, inside the caller's transaction. */
export async function appendChangeEvents(
  m: EntityManager,
  kind: Kind,
  reference: string,
  types: EventType[],
  at: Date,
): Promise<void> {
  for (const type of types) {
    await m.query(`INSERT INTO change_event (kind, reference, type, at) VALUES ($1, $2, $3, $4)`, [
      kind,
      reference,
      type,
      at,
    ]);
  }
}

/**
 * The INSERT of `types`, in their order, for the row(s) that `source` yields (a CTE with kind and reference), as a
 * part of a larger statement: no row from `source` (a fenced update that did not match), no event.
 */
export function insertChangeEventsSql(source: string, types: EventType[], at: Date, p: SqlParams): string {
  const when = p.add(at, '::timestamptz');
  const rows = types.map((type, i) => `(${p.add(type, '::text')}, ${i})`).join(', ');
  return `INSERT INTO change_event (kind, reference, type, at)
            SELECT s.kind, s.reference, e.type, ${when} FROM ${source} s CROSS JOIN (VALUES ${rows}) AS e(type, ord) ORDER BY e.ord`;
}
