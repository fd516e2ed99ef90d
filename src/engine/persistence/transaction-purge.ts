import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Kind } from '../../common/kinds.js';
import type { TrackingState } from '../domain/states.js';
import type { Transition } from '../domain/tracking-state-machine.js';
import { SqlParams } from '../sql/sql-set-builder.js';
import { appendChangeEvents } from './change-event-writer.js';
import { DELETION_PENDING_SQL, DROP_LEASE_SQL } from './jumio-deletion-saves.js';
import { PERSONAL_PROPERTIES, TransactionRowCodec } from './transaction-row-codec.js';

/** A row locked for a purge. */
export interface PurgeTarget {
  id: string;
  kind: Kind;
  reference: string;
  state: TrackingState;
}

/**
 * tracked_transaction's part of a purge of personal data, in the caller's database transaction (the purge also
 * deletes the media and the callbacks' bodies: see PersonalDataPurge): the rows locked, then Jumio's payloads,
 * the result and the media plan (Jumio's hrefs) wiped, with the state change and its events. The tracking
 * record, its references and the attempt log stay.
 */
@Injectable()
export class TransactionPurge {
  constructor(private readonly codec: TransactionRowCodec) {}

  /** One transaction's row, locked FOR UPDATE, and whether it holds personal data; null when not tracked. */
  async lock(
    m: EntityManager,
    kind: Kind,
    reference: string,
  ): Promise<(PurgeTarget & { holds: boolean; deletionRequested: boolean }) | null> {
    const locked: (PurgeTarget & { holds: boolean; deletionRequested: boolean })[] = await m.query(
      `SELECT id::text AS id, kind, reference, state, personal_data_at IS NOT NULL AS holds,
              jumio_deletion_requested_at IS NOT NULL AS "deletionRequested"
           FROM tracked_transaction WHERE kind = $1 AND reference = $2 FOR UPDATE`,
      [kind, reference],
    );
    return locked[0] ?? null;
  }

  /**
   * Retention: up to `limit` rows whose personal data was stored before `cutoff`, oldest first, locked. SKIP
   * LOCKED with LIMIT: a batch never waits for, nor locks more than, its own rows, and replicas running it
   * together take different rows.
   */
  async lockExpired(m: EntityManager, cutoff: Date, limit: number): Promise<PurgeTarget[]> {
    return m.query(
      `SELECT id::text AS id, kind, reference, state FROM tracked_transaction
          WHERE personal_data_at < $1
          ORDER BY personal_data_at
          LIMIT $2
          FOR UPDATE SKIP LOCKED`,
      [cutoff, limit],
    );
  }

  /**
   * Wipes the personal columns of locked rows that share one transition, and writes it with its events. The
   * claim is dropped, so a step in flight cannot write anything back, and nothing more is forced or scheduled but
   * a pending delete at Jumio, which keeps its time.
   */
  async wipe(m: EntityManager, rows: PurgeTarget[], t: Transition, now: Date): Promise<void> {
    const nulls = Object.fromEntries(PERSONAL_PROPERTIES.map((p) => [p, null]));
    const p = new SqlParams();
    const sets = this.codec.setClause({ ...t.patch, ...nulls }, now, p);
    const next = sets.take('next_attempt_at');
    if (next !== null)
      sets.push(`next_attempt_at = CASE WHEN ${DELETION_PENDING_SQL} THEN next_attempt_at ELSE ${next} END`);
    sets.push(`personal_data_at = NULL, forced_by = NULL, forced_at = NULL, ${DROP_LEASE_SQL}`);
    const ids = p.add(
      rows.map((r) => r.id),
      '::bigint[]',
    );
    await m.query(`UPDATE tracked_transaction SET ${sets.sql()} WHERE id = ANY(${ids})`, p.values);
    if (t.events.length) for (const row of rows) await appendChangeEvents(m, row.kind, row.reference, t.events, now);
  }
}

/** Rows by the transition `decide` gives them, so a batch writes one UPDATE per distinct transition, not per row. */
export function byTransition<T extends PurgeTarget>(
  rows: T[],
  decide: (row: T) => Transition,
): { t: Transition; rows: T[] }[] {
  const groups = new Map<string, { t: Transition; rows: T[] }>();
  for (const row of rows) {
    const t = decide(row);
    const key = JSON.stringify(t);
    if (!groups.has(key)) groups.set(key, { t, rows: [] });
    groups.get(key)!.rows.push(row);
  }
  return [...groups.values()];
}
