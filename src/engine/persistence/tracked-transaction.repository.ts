import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { Kind } from '../domain/kinds.js';
import type { EventType, TrackingPatch } from '../domain/tracking-state-machine.js';
import type { MediaPlanEntry } from '../domain/media-plan.js';
import { ChangeFeed } from '../feed/change-feed.js';
import { MediaStore, type MediumToStore } from '../media/media-store.js';
import { AttemptLog, type JumioCallRecord } from './attempt-log.js';
import { rowsOf } from './sql-results.js';
import { TrackedTransactionEntity } from './tracked-transaction.entity.js';

/** Everything a reconciliation step may write besides the state machine's patch. */
export interface StepWrites {
  patch: TrackingPatch & {
    rawStatus?: unknown;
    rawDetails?: unknown;
    rawMediaList?: unknown;
    mediaPlan?: MediaPlanEntry[] | null;
    result?: Record<string, unknown> | null;
  };
  events?: EventType[];
  calls?: JumioCallRecord[];
  media?: { name: string; medium: MediumToStore }[];
  /** Keep the claim (more steps follow) or give the transaction back. */
  keepLease: boolean;
}

export interface NewTrackedTransaction {
  kind: Kind;
  reference: string;
  datacenter: TrackedTransactionEntity['datacenter'];
  merchantReference: string | null;
  customerReference: string | null;
  acquiredAt: Date;
  callbackGraceSeconds: number;
  callbackDeadline: Date;
  state: TrackedTransactionEntity['state'];
  status: TrackedTransactionEntity['status'];
  nextAttemptAt: Date | null;
}

/**
 * Every query on tracked_transaction, in one place. Writes made by a reconciliation step are fenced by the
 * lease: they only land while the step's claim still owns the row, so a replica whose lease expired and was
 * taken over can never overwrite its successor's work.
 */
@Injectable()
export class TrackedTransactionRepository {
  private readonly columns: Map<string, string>;

  constructor(
    private readonly dataSource: DataSource,
    private readonly feed: ChangeFeed,
    private readonly mediaStore: MediaStore,
    private readonly attemptLog: AttemptLog,
  ) {
    this.columns = new Map(dataSource.getMetadata(TrackedTransactionEntity).columns.map((c) => [c.propertyName, c.databaseName]));
  }

  async find(kind: Kind, reference: string, manager: EntityManager = this.dataSource.manager): Promise<TrackedTransactionEntity | null> {
    return manager.findOne(TrackedTransactionEntity, { where: { kind, reference } });
  }

  /** Inserts unless (kind, reference) exists; the TRACKED event is written in the same transaction. */
  async insertIfAbsent(row: NewTrackedTransaction, now: Date): Promise<{ created: boolean; row: TrackedTransactionEntity }> {
    return this.dataSource.transaction(async (m) => {
      const inserted: { id: string }[] = await m.query(
        `INSERT INTO tracked_transaction (kind, reference, datacenter, merchant_reference, customer_reference, acquired_at,
           callback_grace_seconds, callback_deadline, state, status, next_attempt_at, attempts, created_at, updated_at)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,0,$12,$12)
         ON CONFLICT (kind, reference) DO NOTHING RETURNING id`,
        [row.kind, row.reference, row.datacenter, row.merchantReference, row.customerReference, row.acquiredAt,
          row.callbackGraceSeconds, row.callbackDeadline, row.state, row.status, row.nextAttemptAt, now],
      );
      if (inserted.length > 0) await this.feed.append(m, row.kind, row.reference, ['TRACKED'], now);
      const stored = await this.find(row.kind, row.reference, m);
      return { created: inserted.length > 0, row: stored! };
    });
  }

  /**
   * Claims up to `limit` transactions whose next step is due at `now` (the engine's clock) and whose lease, if
   * any, has expired (the database's clock: leases are about real processes, not scheduled time).
   * LIMIT matters: SKIP LOCKED without it would lock every due row at once.
   */
  async claimDue(owner: string, now: Date, limit: number, leaseSeconds: number): Promise<TrackedTransactionEntity[]> {
    const rows = rowsOf<Record<string, unknown>>(await this.dataSource.query(
      `UPDATE tracked_transaction t
          SET lease_owner = $1, lease_expires_at = clock_timestamp() + make_interval(secs => $2)
         FROM (SELECT id FROM tracked_transaction
                WHERE next_attempt_at <= $3
                  AND (lease_expires_at IS NULL OR lease_expires_at < clock_timestamp())
                ORDER BY next_attempt_at
                LIMIT $4
                FOR UPDATE SKIP LOCKED) due
        WHERE t.id = due.id
        RETURNING t.*`,
      [owner, leaseSeconds, now, limit],
    ));
    return rows.map((r) => this.fromRow(r));
  }

  /** Applies one step's writes if `owner` still holds the claim; the calls are logged either way. */
  async applyStep(id: string, owner: string, writes: StepWrites, now: Date, leaseSeconds: number): Promise<boolean> {
    return this.dataSource.transaction(async (m) => {
      if (writes.calls?.length) await this.attemptLog.append(m, id, writes.calls);
      const { sql, values } = this.setClause(writes.patch, now);
      const lease = writes.keepLease
        ? `lease_expires_at = clock_timestamp() + make_interval(secs => ${Number(leaseSeconds)})`
        : 'lease_owner = NULL, lease_expires_at = NULL';
      const rows = rowsOf<{ kind: Kind; reference: string }>(await m.query(
        `UPDATE tracked_transaction SET ${sql}, ${lease} WHERE id = $${values.length + 1} AND lease_owner = $${values.length + 2} RETURNING kind, reference`,
        [...values, id, owner],
      ));
      if (rows.length === 0) return false;
      for (const { name, medium } of writes.media ?? []) await this.mediaStore.put(m, id, name, medium, now);
      if (writes.events?.length) await this.feed.append(m, rows[0].kind, rows[0].reference, writes.events, now);
      return true;
    });
  }

  /**
   * A change that does not come from a claim (a backend's callback report): the row is locked, the transition
   * computed on what is really stored, and any claim is dropped so a step in flight cannot overwrite it.
   */
  async updateLocked(
    kind: Kind,
    reference: string,
    decide: (row: TrackedTransactionEntity) => { patch: TrackingPatch; events: EventType[] } | null,
    now: Date,
  ): Promise<TrackedTransactionEntity | null> {
    return this.dataSource.transaction(async (m) => {
      const row = await m.findOne(TrackedTransactionEntity, { where: { kind, reference }, lock: { mode: 'pessimistic_write' } });
      if (!row) return null;
      const decision = decide(row);
      if (decision && (Object.keys(decision.patch).length > 0 || decision.events.length > 0)) {
        const { sql, values } = this.setClause(decision.patch, now);
        await m.query(`UPDATE tracked_transaction SET ${sql}, lease_owner = NULL, lease_expires_at = NULL WHERE id = $${values.length + 1}`, [...values, row.id]);
        if (decision.events.length) await this.feed.append(m, kind, reference, decision.events, now);
      }
      return this.find(kind, reference, m);
    });
  }

  /** Gives a claim back without changing anything (shutdown, or a step that could not start). */
  async release(id: string, owner: string): Promise<void> {
    await this.dataSource.query(`UPDATE tracked_transaction SET lease_owner = NULL, lease_expires_at = NULL WHERE id = $1 AND lease_owner = $2`, [id, owner]);
  }

  async countByKindAndState(): Promise<{ kind: Kind; state: string; count: number }[]> {
    const rows: { kind: Kind; state: string; count: string }[] = await this.dataSource.query(
      `SELECT kind, state, count(*) AS count FROM tracked_transaction GROUP BY kind, state`,
    );
    return rows.map((r) => ({ ...r, count: Number(r.count) }));
  }

  async countDue(now: Date): Promise<number> {
    const rows: { count: string }[] = await this.dataSource.query(`SELECT count(*) AS count FROM tracked_transaction WHERE next_attempt_at <= $1`, [now]);
    return Number(rows[0].count);
  }

  /** The transaction whose due step is the most overdue (not claimed by anyone right now). */
  async oldestOverdue(now: Date): Promise<{ kind: Kind; reference: string; dueAt: Date } | null> {
    const rows: { kind: Kind; reference: string; next_attempt_at: Date }[] = await this.dataSource.query(
      `SELECT kind, reference, next_attempt_at FROM tracked_transaction WHERE next_attempt_at <= $1 ORDER BY next_attempt_at LIMIT 1`,
      [now],
    );
    return rows.length ? { kind: rows[0].kind, reference: rows[0].reference, dueAt: new Date(rows[0].next_attempt_at) } : null;
  }

  private setClause(patch: object, now: Date): { sql: string; values: unknown[] } {
    const sets: string[] = [];
    const values: unknown[] = [];
    for (const [key, value] of Object.entries(patch)) {
      if (value === undefined) continue;
      const column = this.columns.get(key);
      if (!column) throw new Error(`unknown tracked_transaction field ${key}`);
      values.push(isJsonColumn(column) && value !== null ? JSON.stringify(value) : value);
      sets.push(`${column} = $${values.length}`);
    }
    values.push(now);
    sets.push(`updated_at = $${values.length}`);
    return { sql: sets.join(', '), values };
  }

  private fromRow(row: Record<string, unknown>): TrackedTransactionEntity {
    const entity = new TrackedTransactionEntity();
    for (const [property, column] of this.columns) (entity as unknown as Record<string, unknown>)[property] = row[column];
    entity.id = String(row.id);
    return entity;
  }
}

function isJsonColumn(column: string): boolean {
  return ['raw_status', 'raw_details', 'raw_media_list', 'media_plan', 'result'].includes(column);
}
