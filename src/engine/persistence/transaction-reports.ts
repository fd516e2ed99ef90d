import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Kind } from '../../common/kinds.js';
import type { TrackingState, ViewStatus } from '../domain/states.js';
import { DELETION_PENDING_SQL } from './jumio-deletion-saves.js';
import { SqlParams } from '../sql/sql-set-builder.js';
import type { TrackedTransactionEntity } from './tracked-transaction.entity.js';
import { TransactionRowCodec, VIEW_COLUMNS } from './transaction-row-codec.js';

/** The admin list's filters; every one optional, all of them combined with AND. */
export interface TransactionFilter {
  kind?: Kind;
  state?: TrackingState;
  status?: ViewStatus;
  customerReference?: string;
  merchantReference?: string;
  /** The Jumio account's name (of any data center). */
  account?: string;
  /** Inclusive. */
  createdFrom?: Date;
  /** Exclusive. */
  createdTo?: Date;
}

/** A row's place in the admin list's total order (created_at DESC, id DESC); createdAt to the microsecond. */
export interface ListPosition {
  createdAt: string;
  id: string;
}

/** Reads across many transactions, for operators: the admin list, and the backlog's counts (admin stats, metrics). */
@Injectable()
export class TransactionReports {
  constructor(
    private readonly dataSource: DataSource,
    private readonly codec: TransactionRowCodec,
  ) {}

  /**
   * The admin list: newest first by (created_at, id), a total order (id breaks ties between rows created at the
   * same instant), read after `after` (keyset: rows inserted meanwhile are either before the position or in
   * their place, so no row that existed is skipped or repeated). Only the columns a view needs.
   */
  async list(
    filter: TransactionFilter,
    after: ListPosition | null,
    limit: number,
  ): Promise<{ row: TrackedTransactionEntity; position: ListPosition }[]> {
    const where: string[] = [];
    const p = new SqlParams();
    if (filter.kind !== undefined) where.push(`t.kind = ${p.add(filter.kind)}`);
    if (filter.state !== undefined) where.push(`t.state = ${p.add(filter.state)}`);
    if (filter.status !== undefined) where.push(`t.status = ${p.add(filter.status)}`);
    if (filter.customerReference !== undefined) where.push(`t.customer_reference = ${p.add(filter.customerReference)}`);
    if (filter.merchantReference !== undefined) where.push(`t.merchant_reference = ${p.add(filter.merchantReference)}`);
    if (filter.account !== undefined) where.push(`t.account = ${p.add(filter.account)}`);
    if (filter.createdFrom !== undefined) where.push(`t.created_at >= ${p.add(filter.createdFrom, '::timestamptz')}`);
    if (filter.createdTo !== undefined) where.push(`t.created_at < ${p.add(filter.createdTo, '::timestamptz')}`);
    if (after)
      where.push(`(t.created_at, t.id) < (${p.add(after.createdAt, '::timestamptz')}, ${p.add(after.id, '::bigint')})`);
    const rows: Record<string, unknown>[] = await this.dataSource.query(
      `SELECT ${VIEW_COLUMNS},
              to_char(t.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS position_created_at
         FROM tracked_transaction t
        ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY t.created_at DESC, t.id DESC
        LIMIT ${p.add(limit, '::integer')}`,
      p.values,
    );
    return rows.map((r) => ({
      row: this.codec.fromRow(r),
      position: { createdAt: String(r.position_created_at), id: String(r.id) },
    }));
  }

  async countByKindAndState(): Promise<{ kind: Kind; state: string; count: number }[]> {
    const rows: { kind: Kind; state: string; count: string }[] = await this.dataSource.query(
      `SELECT kind, state, count(*) AS count FROM tracked_transaction GROUP BY kind, state`,
    );
    return rows.map((r) => ({ ...r, count: Number(r.count) }));
  }

  async countDue(now: Date): Promise<number> {
    const rows: { count: string }[] = await this.dataSource.query(
      `SELECT count(*) AS count FROM tracked_transaction WHERE next_attempt_at <= $1`,
      [now],
    );
    return Number(rows[0].count);
  }

  /**
   * Per account and data center, the calls known to be due now: a delete at Jumio, or a status call (or the end of
   * a callback wait, then its status call), counts 1; a final status without details, the details and the media
   * list; a media list not read yet, 1; otherwise the media of the plan not fetched yet.
   */
  async dueCallsByAccount(now: Date): Promise<{ account: string; datacenter: string; calls: number }[]> {
    const rows: { account: string; datacenter: string; calls: string }[] = await this.dataSource.query(
      `SELECT account, datacenter,
              sum(CASE WHEN ${DELETION_PENDING_SQL} THEN 1
                       WHEN state = 'AWAITING_CALLBACK' OR status NOT IN ('DONE', 'FAILED') THEN 1
                       WHEN raw_details IS NULL OR callback_completion_pending THEN 2
                       WHEN media_plan IS NULL THEN 1
                       ELSE (SELECT count(*) FROM jsonb_array_elements(media_plan) e WHERE e->>'outcome' IS NULL)
                   END) AS calls
         FROM tracked_transaction
        WHERE next_attempt_at <= $1
          AND (state IN ('AWAITING_CALLBACK', 'RECONCILING', 'CALLBACK_RECEIVED') OR ${DELETION_PENDING_SQL})
        GROUP BY account, datacenter`,
      [now],
    );
    return rows.map((r) => ({ account: r.account, datacenter: r.datacenter, calls: Number(r.calls) }));
  }

  /** The transaction whose due step is the most overdue (claimed or not). */
  async oldestOverdue(now: Date): Promise<{ kind: Kind; reference: string; dueAt: Date } | null> {
    const rows: { kind: Kind; reference: string; next_attempt_at: Date }[] = await this.dataSource.query(
      `SELECT kind, reference, next_attempt_at FROM tracked_transaction WHERE next_attempt_at <= $1 ORDER BY next_attempt_at LIMIT 1`,
      [now],
    );
    return rows.length
      ? { kind: rows[0].kind, reference: rows[0].reference, dueAt: new Date(rows[0].next_attempt_at) }
      : null;
  }
}
