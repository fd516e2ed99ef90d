import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { Kind } from '../../common/kinds.js';
import type { EventType, Transition } from '../domain/tracking-state-machine.js';
import { byMediumName, type StoredMediumInfo } from '../media/media-store.js';
import { queryPrepared } from '../sql/sql-results.js';
import { SqlParams } from '../sql/sql-set-builder.js';
import { appendChangeEvents } from './change-event-writer.js';
import { DROP_LEASE_SQL } from './jumio-deletion-saves.js';
import type { NewTrackedTransaction } from '../domain/new-tracked-transaction.js';
import { TrackedTransactionEntity } from './tracked-transaction.entity.js';
import { TransactionRowCodec, VIEW_COLUMNS, type TransactionPatch } from './transaction-row-codec.js';

/** The columns a new row is inserted with (besides attempts and the timestamps), their types and values: one list for the single and the batch insert. */
const NEW_ROW_COLUMNS: [string, string, (row: NewTrackedTransaction) => unknown][] = [
  ['kind', 'text', (r) => r.kind],
  ['reference', 'uuid', (r) => r.reference],
  ['datacenter', 'text', (r) => r.datacenter],
  ['merchant_reference', 'text', (r) => r.merchantReference],
  ['customer_reference', 'text', (r) => r.customerReference],
  ['acquired_at', 'timestamptz', (r) => r.acquiredAt],
  ['callback_grace_seconds', 'integer', (r) => r.callbackGraceSeconds],
  ['callback_deadline', 'timestamptz', (r) => r.callbackDeadline],
  ['state', 'text', (r) => r.state],
  ['status', 'text', (r) => r.status],
  ['next_attempt_at', 'timestamptz', (r) => r.nextAttemptAt],
  ['started_by_callback', 'boolean', (r) => r.startedByCallback ?? false],
  ['started_by_trace', 'text', (r) => r.startedByTrace ?? null],
  ['account', 'text', (r) => r.account],
  ['account_explicit', 'boolean', (r) => r.accountExplicit],
  ['delete_at_jumio', 'boolean', (r) => r.deleteAtJumio],
];
const NEW_ROW_COLUMN_LIST = NEW_ROW_COLUMNS.map(([column]) => column).join(', ');

/** A change written outside any claim: the state machine's patch, payloads, and the fields a backend's tracking sets. */
export type RowPatch = TransactionPatch &
  Partial<
    Pick<
      TrackedTransactionEntity,
      | 'datacenter'
      | 'account'
      | 'accountExplicit'
      | 'merchantReference'
      | 'customerReference'
      | 'acquiredAt'
      | 'callbackGraceSeconds'
      | 'callbackDeadline'
      | 'startedByCallback'
    >
  >;

/** What a forced attempt writes (POST /v1/admin/.../reconcile); null from `decide` refuses it. */
export interface ForcedAttempt extends Transition {
  /** When the forced attempt is due (now, or a later Retry-After of Jumio's). */
  dueAt: Date;
  /** Drop any claim (a state change: a step in flight must not overwrite it), or keep it (one call at a time). */
  dropLease: boolean;
}

/** A medium as a view lists it. */
export type ViewMedium = Pick<StoredMediumInfo, 'name' | 'contentType' | 'byteSize'>;

/**
 * One tracked transaction at a time, outside the reconciler's claims: reads, tracking, and the changes made on
 * the locked row (a backend's callback report, a callback, an admin's forced attempt). Each such change drops
 * any claim, so a step in flight cannot overwrite it (see StepSaves for the writes made under a claim).
 */
@Injectable()
export class TrackedTransactionRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly codec: TransactionRowCodec,
  ) {}

  /** The row with its encrypted columns decrypted (throws DataDecryptionError: a 503 on an HTTP request). */
  async find(
    kind: Kind,
    reference: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<TrackedTransactionEntity | null> {
    const row = await manager.findOne(TrackedTransactionEntity, { where: { kind, reference } });
    return row && this.codec.decrypted(row);
  }

  /**
   * What `GET /v1/{kind}/{reference}` shows, in one statement and one round trip: the view's columns (never the
   * raw payloads) and the media list (names, types, sizes; never the bytes), decrypted, media in the view's
   * order. Null when not tracked. The hot read path: prepared, on the pool directly, no second query for the media.
   */
  async findView(
    kind: Kind,
    reference: string,
  ): Promise<{ row: TrackedTransactionEntity; media: ViewMedium[] } | null> {
    const rows = await queryPrepared<Record<string, unknown>>(
      this.dataSource,
      `SELECT ${VIEW_COLUMNS},
              (SELECT coalesce(json_agg(json_build_object('name', m.name, 'contentType', m.content_type, 'byteSize', m.byte_size)), '[]'::json)
                 FROM stored_medium m WHERE m.transaction_id = t.id) AS media
         FROM tracked_transaction t
        WHERE t.kind = $1::text AND t.reference = $2::uuid`,
      [kind, reference],
    );
    if (rows.length === 0) return null;
    return { row: this.codec.fromRow(rows[0]), media: (rows[0].media as ViewMedium[]).sort(byMediumName) };
  }

  /** Inserts unless (kind, reference) exists; the TRACKED event is written in the same transaction. */
  async insertIfAbsent(
    row: NewTrackedTransaction,
    now: Date,
    manager?: EntityManager,
  ): Promise<{ created: boolean; row: TrackedTransactionEntity }> {
    const inTransaction = <T>(work: (m: EntityManager) => Promise<T>) =>
      manager ? work(manager) : this.dataSource.transaction(work);
    return inTransaction(async (m) => {
      const p = new SqlParams();
      const values = NEW_ROW_COLUMNS.map(([, type, value]) => p.add(value(row), `::${type}`)).join(', ');
      const at = p.add(now, '::timestamptz');
      const inserted: { id: string }[] = await m.query(
        `INSERT INTO tracked_transaction (${NEW_ROW_COLUMN_LIST}, attempts, created_at, updated_at)
         VALUES (${values}, 0, ${at}, ${at})
         ON CONFLICT (kind, reference) DO NOTHING RETURNING id`,
        p.values,
      );
      if (inserted.length > 0) await appendChangeEvents(m, row.kind, row.reference, ['TRACKED'], now);
      const stored = await this.find(row.kind, row.reference, m);
      return { created: inserted.length > 0, row: stored! };
    });
  }

  /**
   * Many rows at once (a backend's batch), in one statement: each row is inserted unless (kind, reference) exists,
   * with its TRACKED event (events in input order). References must be distinct. Rows are inserted in reference
   * order, so two batches sharing references wait for each other instead of deadlocking. Returns those inserted.
   */
  async insertManyIfAbsent(rows: NewTrackedTransaction[], now: Date): Promise<Set<string>> {
    if (rows.length === 0) return new Set();
    const p = new SqlParams();
    const arrays = NEW_ROW_COLUMNS.map(([, type, value]) => p.add(rows.map(value), `::${type}[]`)).join(', ');
    const columns = NEW_ROW_COLUMN_LIST;
    const at = p.add(now, '::timestamptz');
    const inserted = await queryPrepared<{ reference: string }>(
      this.dataSource,
      `WITH input AS (
         SELECT * FROM unnest(${arrays}) WITH ORDINALITY AS i(${columns}, ord)
       ), inserted AS (
         INSERT INTO tracked_transaction (${columns}, attempts, created_at, updated_at)
         SELECT ${columns}, 0, ${at}, ${at} FROM input ORDER BY reference
         ON CONFLICT (kind, reference) DO NOTHING
         RETURNING kind, reference
       ), events AS (
         INSERT INTO change_event (kind, reference, type, at)
         SELECT i.kind, i.reference, 'TRACKED', ${at} FROM inserted s JOIN input i USING (kind, reference) ORDER BY i.ord
       )
       SELECT reference FROM inserted`,
      p.values,
    );
    return new Set(inserted.map((r) => r.reference));
  }

  /**
   * The rows of many references of one kind with their media, as findView reads one (plus what a retry is compared
   * with), in one statement; references not tracked are absent.
   */
  async findManyViews(
    kind: Kind,
    references: string[],
  ): Promise<Map<string, { row: TrackedTransactionEntity; media: ViewMedium[] }>> {
    const rows = await queryPrepared<Record<string, unknown>>(
      this.dataSource,
      `SELECT ${VIEW_COLUMNS}, t.callback_grace_seconds, t.started_by_callback, t.delete_at_jumio,
              (SELECT coalesce(json_agg(json_build_object('name', m.name, 'contentType', m.content_type, 'byteSize', m.byte_size)), '[]'::json)
                 FROM stored_medium m WHERE m.transaction_id = t.id) AS media
         FROM tracked_transaction t
        WHERE t.kind = $1::text AND t.reference = ANY($2::uuid[])`,
      [kind, references],
    );
    return new Map(
      rows.map((r) => {
        const row = this.codec.fromRow(r);
        return [row.reference, { row, media: (r.media as ViewMedium[]).sort(byMediumName) }];
      }),
    );
  }

  /**
   * A change that does not come from a claim (a backend's callback report): the row is locked, the transition
   * computed on what is really stored, and any claim is dropped so a step in flight cannot overwrite it.
   */
  async updateLocked(
    kind: Kind,
    reference: string,
    decide: (row: TrackedTransactionEntity) => { patch: RowPatch; events: EventType[] } | null,
    now: Date,
  ): Promise<TrackedTransactionEntity | null> {
    return this.dataSource.transaction(async (m) => {
      const row = await this.lockRow(m, kind, reference);
      if (!row) return null;
      const decision = decide(row);
      if (decision) await this.writeLocked(m, row, decision, now);
      return this.find(kind, reference, m);
    });
  }

  /** The row locked FOR UPDATE in the caller's transaction (decrypted), for a change made outside any claim. */
  async lockRow(m: EntityManager, kind: Kind, reference: string): Promise<TrackedTransactionEntity | null> {
    const locked = await m.findOne(TrackedTransactionEntity, {
      where: { kind, reference },
      lock: { mode: 'pessimistic_write' },
    });
    return locked && this.codec.decrypted(locked);
  }

  /** Writes a change to a row locked with lockRow; any claim is dropped so a step in flight cannot overwrite it. */
  async writeLocked(
    m: EntityManager,
    row: TrackedTransactionEntity,
    writes: { patch: RowPatch; events: EventType[] },
    now: Date,
  ): Promise<void> {
    if (Object.keys(writes.patch).length === 0 && writes.events.length === 0) return;
    const p = new SqlParams();
    const sets = this.codec.setClause(writes.patch, now, p, { id: row.id });
    sets.push(DROP_LEASE_SQL);
    // Nothing scheduled any more: a forced attempt still waiting has nothing left to force.
    if (writes.patch.nextAttemptAt === null) sets.push('forced_by = NULL, forced_at = NULL');
    await m.query(`UPDATE tracked_transaction SET ${sets.sql()} WHERE id = ${p.add(row.id)}`, p.values);
    if (writes.events.length) await appendChangeEvents(m, row.kind, row.reference, writes.events, now);
  }

  /**
   * An admin's forced attempt, decided on the locked row: `decide` returns what to write, or null to refuse
   * (the row is returned unchanged). `actor` is the API key's name; the claim that takes the attempt puts it on
   * its calls. Returns null when the transaction is not tracked.
   */
  async forceAttempt(
    kind: Kind,
    reference: string,
    actor: string,
    now: Date,
    decide: (row: TrackedTransactionEntity) => ForcedAttempt | null,
  ): Promise<{ row: TrackedTransactionEntity; forced: boolean } | null> {
    return this.dataSource.transaction(async (m) => {
      const row = await this.lockRow(m, kind, reference);
      if (!row) return null;
      const decision = decide(row);
      if (!decision) return { row, forced: false };
      const p = new SqlParams();
      const sets = this.codec.setClause(decision.patch, now, p, { id: row.id });
      sets.push(`forced_by = ${p.add(actor)}, forced_at = ${p.add(decision.dueAt)}`);
      if (decision.dropLease) sets.push(DROP_LEASE_SQL);
      await m.query(`UPDATE tracked_transaction SET ${sets.sql()} WHERE id = ${p.add(row.id)}`, p.values);
      if (decision.events.length) await appendChangeEvents(m, kind, reference, decision.events, now);
      return { row: (await this.find(kind, reference, m))!, forced: true };
    });
  }
}
