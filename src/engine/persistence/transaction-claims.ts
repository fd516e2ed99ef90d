import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DataDecryptionError } from '../crypto/data-cipher.js';
import { rowsOf } from '../sql/sql-results.js';
import { DELETION_PENDING_SQL } from './jumio-deletion-saves.js';
import type { TrackedTransactionEntity } from './tracked-transaction.entity.js';
import { TransactionRowCodec } from './transaction-row-codec.js';

/**
 * A claimed row, with what the claim found on it: a forced attempt's actor (null: a scheduled step), the owner of
 * an earlier claim whose lease expired unsaved (its replica died or stalled, maybe with a call in flight), and
 * whether it was claimed as the probe of a paused account.
 */
export type ClaimedTransaction = TrackedTransactionEntity & {
  forcedBy: string | null;
  previousOwner: string | null;
  probe: boolean;
};

/** An account in a data center, as claims name it. */
export interface ClaimPair {
  account: string;
  datacenter: string;
}

/** The work ranks, first claimed first (see the migration WorkRank; 4 is a delete at Jumio). */
export const WORK_RANKS = [0, 1, 2, 3, 4] as const;

const LEASE_FREE = '(lease_expires_at IS NULL OR lease_expires_at < clock_timestamp())';

/**
 * Each rank's oldest due rows, rank after rank: one short range of the index per rank, so the claim stays flat
 * however many rows wait. The nested loop reads the ranks in the array's order and each rank's rows in index
 * order, and the LIMIT above stops it, so only the rows taken are locked. `where`: more conditions on the rows.
 */
const byRank = (where: string, limit: string) => `SELECT w.id, w.forced_by, w.lease_owner
                 FROM unnest('{${WORK_RANKS.join(',')}}'::smallint[]) AS r(rank)
                 CROSS JOIN LATERAL (
                   SELECT id, forced_by, lease_owner FROM tracked_transaction
                    WHERE work_rank = r.rank AND next_attempt_at <= $3 AND ${LEASE_FREE}${where}
                    ORDER BY next_attempt_at
                    LIMIT ${limit}
                    FOR UPDATE SKIP LOCKED) w
                LIMIT ${limit}`;

const claimFrom = (due: string) => `UPDATE tracked_transaction t
          SET lease_owner = $1, lease_expires_at = clock_timestamp() + make_interval(secs => $2), forced_by = NULL
         FROM (${due}) due
        WHERE t.id = due.id
        RETURNING t.*, due.forced_by AS claimed_forced_by, due.lease_owner AS expired_owner`;

/** The claim of due rows (claimDue), by rank then oldest due; exported so the claim benchmark times it. */
export const CLAIM_DUE_SQL = claimFrom(byRank('', '$4'));

/**
 * The claim while some accounts are paused (their credentials rejected): their rows wait, except what needs no
 * call to Jumio: the end of a callback wait (AWAITING_CALLBACK), and giving up past the maximum age (acquired_at, or
 * for a callback's media its arrival, before $6), which a pending delete at Jumio never does (it is a call).
 * $5: the paused pairs as `account/datacenter`.
 */
export const CLAIM_DUE_EXCEPT_PAUSED_SQL = claimFrom(
  byRank(
    `
                      AND ((account || '/' || datacenter) <> ALL($5::text[])
                       OR state = 'AWAITING_CALLBACK'
                       OR ((CASE WHEN state = 'CALLBACK_RECEIVED' THEN coalesce(callback_received_at, acquired_at) ELSE acquired_at END) <= $6
                           AND NOT (${DELETION_PENDING_SQL})))`,
    '$4',
  ),
);

/**
 * Each pair's share ($7 rows at most) of the due rows of the pairs $5/$6 (accounts and data centers, in order),
 * each pair's by rank then oldest due: a backlog of one account cannot take the claims another account's ceiling
 * could serve. The paused account's probe is this claim of one pair and one row.
 */
export const CLAIM_PAIRS_SQL = claimFrom(`SELECT s.id, s.forced_by, s.lease_owner
                 FROM unnest($5::text[], $6::text[]) AS p(account, datacenter)
                 CROSS JOIN LATERAL (${byRank(' AND account = p.account AND datacenter = p.datacenter', '$7')}) s
                LIMIT $4`);

/**
 * The reconciler's claims: a claim leases due rows to one owner (a replica's batch) for a while, so one replica
 * at a time works on a transaction; the saves made under it are fenced by the lease (StepSaves).
 */
@Injectable()
export class TransactionClaims {
  constructor(
    private readonly dataSource: DataSource,
    private readonly codec: TransactionRowCodec,
  ) {}

  /**
   * Claims up to `limit` transactions whose next step is due at `now` (the engine's clock) and whose lease, if
   * any, has expired (the database's clock: leases are about real processes, not scheduled time), by work rank,
   * then oldest due first.
   * LIMIT matters: SKIP LOCKED without it would lock every due row at once.
   */
  async claimDue(
    owner: string,
    now: Date,
    limit: number,
    leaseSeconds: number,
    paused: { pairs: ClaimPair[]; expiredBefore: Date } = { pairs: [], expiredBefore: now },
  ): Promise<ClaimedTransaction[]> {
    // The claim takes a forced attempt's actor off the row (due.forced_by is the value before the update): a force
    // that arrives while the claim runs is then a new one, honoured when the claim's last step is saved.
    const rows =
      paused.pairs.length === 0
        ? await this.dataSource.query(CLAIM_DUE_SQL, [owner, leaseSeconds, now, limit])
        : await this.dataSource.query(CLAIM_DUE_EXCEPT_PAUSED_SQL, [
            owner,
            leaseSeconds,
            now,
            limit,
            paused.pairs.map((p) => `${p.account}/${p.datacenter}`),
            paused.expiredBefore,
          ]);
    return this.claimed(rowsOf<Record<string, unknown>>(rows), owner, leaseSeconds, false);
  }

  /**
   * Up to `share` due rows of each pair, `limit` in all, pair after pair (see CLAIM_PAIRS_SQL); paused pairs are
   * not passed here.
   */
  async claimPairs(
    owner: string,
    now: Date,
    limit: number,
    leaseSeconds: number,
    pairs: ClaimPair[],
    share: number,
  ): Promise<ClaimedTransaction[]> {
    if (pairs.length === 0 || limit <= 0) return [];
    const rows = await this.dataSource.query(CLAIM_PAIRS_SQL, [
      owner,
      leaseSeconds,
      now,
      limit,
      pairs.map((p) => p.account),
      pairs.map((p) => p.datacenter),
      share,
    ]);
    return this.claimed(rowsOf<Record<string, unknown>>(rows), owner, leaseSeconds, false);
  }

  /** The first due row of a paused account (by rank, then oldest due), claimed as its probe; null when none. */
  async claimProbe(
    owner: string,
    now: Date,
    leaseSeconds: number,
    pair: ClaimPair,
  ): Promise<ClaimedTransaction | null> {
    const rows = await this.dataSource.query(CLAIM_PAIRS_SQL, [
      owner,
      leaseSeconds,
      now,
      1,
      [pair.account],
      [pair.datacenter],
      1,
    ]);
    return (await this.claimed(rowsOf<Record<string, unknown>>(rows), owner, leaseSeconds, true))[0] ?? null;
  }

  private async claimed(
    rows: Record<string, unknown>[],
    owner: string,
    leaseSeconds: number,
    probe: boolean,
  ): Promise<ClaimedTransaction[]> {
    const claimed: ClaimedTransaction[] = [];
    for (const r of rows) {
      const forcedBy = (r.claimed_forced_by as string | null) ?? null;
      let row: TrackedTransactionEntity;
      try {
        row = this.codec.fromRow(r);
      } catch (e) {
        if (!(e instanceof DataDecryptionError)) throw e;
        await this.setAside(String(r.id), owner, forcedBy, leaseSeconds, e);
        continue;
      }
      claimed.push(Object.assign(row, { forcedBy, previousOwner: (r.expired_owner as string | null) ?? null, probe }));
    }
    return claimed;
  }

  /**
   * Gives a claim back without changing anything (shutdown, or a step that could not start). `forcedBy`, the
   * force the claim took, goes back on the row unless a newer one is there, so the next claim's calls carry it.
   */
  async release(id: string, owner: string, forcedBy: string | null = null): Promise<void> {
    await this.dataSource.query(
      `UPDATE tracked_transaction SET lease_owner = NULL, lease_expires_at = NULL, forced_by = coalesce(forced_by, $3)
        WHERE id = $1 AND lease_owner = $2`,
      [id, owner, forcedBy],
    );
  }

  /**
   * A claimed row whose stored data cannot be decrypted (a key missing from DATA_ENCRYPTION_KEYS) is not worked
   * on: it would fail at every step, and the rest of the batch must go on. It is given back, blocked for a lease
   * period (tried again then, e.g. once the key is back; no takeover is recorded: the owner is cleared), with the
   * cause in last_error. Its force, if any, goes back on it.
   */
  private async setAside(
    id: string,
    owner: string,
    forcedBy: string | null,
    leaseSeconds: number,
    e: DataDecryptionError,
  ): Promise<void> {
    const error = `stored data cannot be decrypted (${e.reason}${e.keyId ? `, key "${e.keyId}"` : ''}); set aside until DATA_ENCRYPTION_KEYS can read it`;
    await this.dataSource.query(
      `UPDATE tracked_transaction
          SET lease_owner = NULL, lease_expires_at = clock_timestamp() + make_interval(secs => $3), forced_by = coalesce(forced_by, $4), last_error = $5
        WHERE id = $1 AND lease_owner = $2`,
      [id, owner, leaseSeconds, forcedBy, error],
    );
  }
}
