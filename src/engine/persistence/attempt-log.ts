import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { JumioCallEntity } from './jumio-call.entity.js';
import type { SqlParams } from '../sql/sql-set-builder.js';

/** `takeover` is not a call: it records that an expired claim's step is redone (see ReconciliationWorker). */
export type CallType = 'status' | 'details' | 'media-list' | 'medium' | 'delete' | 'takeover';

/** One call to Jumio, as the attempt log keeps it: no credentials, no payload values. */
export interface JumioCallRecord {
  at: Date;
  endpoint: string;
  callType: CallType;
  httpStatus: number | null;
  durationMs: number;
  /** PENDING, DONE, FAILED, NOT_FOUND, STORED, or a JumioFailure (TIMEOUT, RATE_LIMITED, REFUSED, ...). */
  outcome: string;
  error: string | null;
  countsAsAttempt: boolean;
  actor?: string | null;
  claim?: string | null;
}

/** Every query on jumio_call, in one place. */
@Injectable()
export class AttemptLog {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * The INSERT that logs `calls` for a transaction, in their order (ids follow it), as a part of a larger
   * statement (StepSaves.applyStep writes a step's calls, row and events in one statement).
   */
  insertSql(transactionId: string, calls: JumioCallRecord[], p: SqlParams): string {
    const id = p.add(transactionId, '::bigint');
    const rows = calls.map(
      (c) =>
        `(${id}, ${p.add(c.at, '::timestamptz')}, ${p.add(c.endpoint, '::text')}, ${p.add(c.callType, '::text')}, ${p.add(c.httpStatus, '::integer')}, ` +
        `${p.add(c.durationMs, '::integer')}, ${p.add(c.outcome, '::text')}, ${p.add(c.error, '::text')}, ${p.add(c.countsAsAttempt, '::boolean')}, ` +
        `${p.add(c.actor ?? null, '::text')}, ${p.add(c.claim ?? null, '::text')})`,
    );
    return `INSERT INTO jumio_call (transaction_id, at, endpoint, call_type, http_status, duration_ms, outcome, error, counts_as_attempt, actor, claim)
            VALUES ${rows.join(', ')}`;
  }

  /** Calls since `since`, by the kind of call (never a reference) and HTTP status. */
  async countsSince(
    since: Date,
  ): Promise<{ kind: string; endpoint: string; httpStatus: number | null; count: number }[]> {
    const rows: { kind: string; call_type: string; http_status: number | null; count: string }[] =
      await this.dataSource.query(
        `SELECT t.kind, c.call_type, c.http_status, count(*) AS count
         FROM jumio_call c JOIN tracked_transaction t ON t.id = c.transaction_id
        WHERE c.at >= $1 AND c.call_type <> 'takeover'
        GROUP BY t.kind, c.call_type, c.http_status
        ORDER BY t.kind, c.call_type, c.http_status NULLS LAST`,
        [since],
      );
    return rows.map((r) => ({
      kind: r.kind,
      endpoint: r.call_type,
      httpStatus: r.http_status,
      count: Number(r.count),
    }));
  }

  /** Calls since `since` per account and data center, across every replica. */
  async countsByAccountSince(since: Date): Promise<{ account: string; datacenter: string; count: number }[]> {
    const rows: { account: string; datacenter: string; count: string }[] = await this.dataSource.query(
      `SELECT t.account, t.datacenter, count(*) AS count
         FROM jumio_call c JOIN tracked_transaction t ON t.id = c.transaction_id
        WHERE c.at >= $1 AND c.call_type <> 'takeover'
        GROUP BY t.account, t.datacenter`,
      [since],
    );
    return rows.map((r) => ({ account: r.account, datacenter: r.datacenter, count: Number(r.count) }));
  }

  async forTransaction(transactionId: string): Promise<JumioCallEntity[]> {
    return this.dataSource.manager.find(JumioCallEntity, { where: { transactionId }, order: { id: 'ASC' } });
  }
}
