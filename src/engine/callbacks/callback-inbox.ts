import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { DataCipher } from '../crypto/data-cipher.js';
import type { Datacenter, Kind } from '../../common/kinds.js';
import { rowsOf } from '../sql/sql-results.js';

/** A callback as it arrived, before anything was read from it but its reference. */
export interface ArrivedCallback {
  kind: Kind;
  reference: string;
  /** The raw form body. */
  body: string;
  /** Equal for two deliveries of the same callback (see callbackIdentity). */
  identity: string;
  sourceAddress: string;
  /** The data center the callback came from, when its URL or source address says so. */
  datacenterHint: Datacenter | null;
  /** The configured account its URL names (`?account=`), if any. */
  accountHint: string | null;
}

export interface StoredCallback {
  id: string;
  kind: Kind;
  reference: string;
  /** null once processed or purged. */
  body: string | null;
  datacenterHint: Datacenter | null;
  accountHint: string | null;
  receivedAt: Date;
}

/** Callbacks received directly that were not applied (see CallbackInbox.setAside). */
export interface CallbacksSetAside {
  malformed: number;
  failing: number;
  oldestFailingReceivedAt: Date | null;
}

/** How processing ended, kept on the inbox row (and counted in metrics). */
export type CallbackOutcome = 'APPLIED' | 'ALREADY_STORED' | 'MALFORMED' | 'IGNORED_PURGED';

/** The longest wait before a callback whose processing failed is tried again. */
const MAX_RETRY_DELAY_SECONDS = 3600;

/**
 * The inbox of callbacks received directly (table jumio_callback): stored before the 200, processed once by
 * whichever replica locks the row first. The body is encrypted like every other copy of Jumio's data.
 */
@Injectable()
export class CallbackInbox {
  constructor(
    private readonly dataSource: DataSource,
    private readonly cipher: DataCipher,
  ) {}

  /**
   * Stores a callback; the same body delivered again is the same row (its delivery counted, nothing else
   * changed), so it is processed once. Returns the row's id and whether it was a repeat delivery.
   */
  async store(cb: ArrivedCallback, now: Date): Promise<{ id: string; duplicate: boolean }> {
    const digest = this.cipher.fingerprint(cb.identity);
    const body = this.cipher.encryptJson(cb.body, bodyContext(cb.kind, digest));
    const rows = rowsOf<{ id: string; duplicate: boolean }>(
      await this.dataSource.query(
        `INSERT INTO jumio_callback AS c (kind, reference, body_digest, body, source_address, datacenter_hint, received_at, last_delivery_at, account_hint)
       VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, $7, $8)
       ON CONFLICT (kind, body_digest) DO UPDATE SET deliveries = c.deliveries + 1, last_delivery_at = EXCLUDED.last_delivery_at
       RETURNING id::text AS id, (xmax <> 0) AS duplicate`,
        [cb.kind, cb.reference, digest, JSON.stringify(body), cb.sourceAddress, cb.datacenterHint, now, cb.accountHint],
      ),
    );
    return rows[0];
  }

  /** Unprocessed callbacks due for a run, oldest first (a sweep's work list; each is then locked on its own). */
  async pendingIds(limit: number): Promise<string[]> {
    const rows: { id: string }[] = await this.dataSource.query(
      `SELECT id::text AS id FROM jumio_callback
        WHERE processed_at IS NULL AND (next_try_at IS NULL OR next_try_at <= clock_timestamp())
        ORDER BY received_at LIMIT $1`,
      [limit],
    );
    return rows.map((r) => r.id);
  }

  /** Locks an unprocessed callback in the caller's transaction; null when processed, or locked by another replica. */
  async lock(m: EntityManager, id: string): Promise<StoredCallback | null> {
    const rows: Record<string, unknown>[] = await m.query(
      `SELECT id::text AS id, kind, reference, body_digest, body, datacenter_hint, account_hint, received_at FROM jumio_callback
        WHERE id = $1 AND processed_at IS NULL FOR UPDATE SKIP LOCKED`,
      [id],
    );
    if (rows.length === 0) return null;
    const r = rows[0];
    const kind = r.kind as Kind;
    const body =
      r.body === null ? null : String(this.cipher.decryptJson(r.body, bodyContext(kind, String(r.body_digest))));
    return {
      id: String(r.id),
      kind,
      reference: String(r.reference),
      body,
      datacenterHint: (r.datacenter_hint as Datacenter | null) ?? null,
      accountHint: (r.account_hint as string | null) ?? null,
      receivedAt: new Date(r.received_at as Date),
    };
  }

  /**
   * Marks a locked callback processed, in the transaction that applied it. Its body is dropped once applied (the
   * transaction keeps the fields, encrypted, and purges them with the rest); an unreadable one keeps it for an
   * operator until retention or a purge clears it.
   */
  async markProcessed(
    m: EntityManager,
    id: string,
    outcome: CallbackOutcome,
    error: string | null,
    now: Date,
  ): Promise<void> {
    await m.query(
      `UPDATE jumio_callback SET processed_at = $2, outcome = $3, error = $4, body = CASE WHEN $3 = 'MALFORMED' THEN body ELSE NULL END
        WHERE id = $1`,
      [id, now, outcome, error],
    );
  }

  /**
   * A processing run failed for a reason of ours (the database, a key missing, a bug in applying it; what reading it
   * fails on is set aside as MALFORMED instead, see CallbackProcessor.read): the callback stays in the inbox and is
   * tried again after 2^failures seconds, at most an hour; never given up, since Jumio will not send it again.
   * `jumio_fallback_callbacks_total{outcome="PROCESSING_FAILED"}`, the gauge jumio_fallback_callbacks_set_aside,
   * the admin stats and the log show it.
   */
  async recordFailure(id: string, error: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE jumio_callback SET failures = failures + 1, error = $2,
              next_try_at = clock_timestamp() + make_interval(secs => least(power(2, failures + 1), $3))
        WHERE id = $1`,
      [id, error, MAX_RETRY_DELAY_SECONDS],
    );
  }

  /**
   * Callbacks that were not applied, for operators (admin stats, metrics): MALFORMED ones (set aside for good,
   * their body kept until retention; reconciliation took over) and those whose processing keeps failing for a
   * reason of ours (still retried), with when the oldest of those arrived. Both read partial indexes.
   */
  async setAside(): Promise<CallbacksSetAside> {
    const rows = rowsOf<{ malformed: string; failing: string; oldest_failing: Date | null }>(
      await this.dataSource.query(
        `SELECT (SELECT count(*) FROM jumio_callback WHERE outcome = 'MALFORMED') AS malformed,
                count(*) AS failing, min(received_at) AS oldest_failing
           FROM jumio_callback WHERE processed_at IS NULL AND failures > 0`,
      ),
    );
    const r = rows[0];
    return {
      malformed: Number(r.malformed),
      failing: Number(r.failing),
      oldestFailingReceivedAt: r.oldest_failing ? new Date(r.oldest_failing) : null,
    };
  }

  /** Retention: callbacks received before `cutoff` are deleted, whatever became of them. Returns how many. */
  async deleteReceivedBefore(cutoff: Date): Promise<number> {
    const rows = rowsOf<{ id: string }>(
      await this.dataSource.query(`DELETE FROM jumio_callback WHERE received_at < $1 RETURNING id`, [cutoff]),
    );
    return rows.length;
  }

  /**
   * A purge, in the purge's transaction: the bodies still held for these transactions are cleared. SKIP LOCKED: a
   * callback being processed right now is not waited for (no lock-order deadlock with the processor, which locks
   * the callback first), and the processor keeps nothing of it for a PURGED transaction.
   */
  async clearBodiesOf(m: EntityManager, transactionIds: string[]): Promise<void> {
    await m.query(
      `UPDATE jumio_callback SET body = NULL WHERE id IN (
         SELECT c.id FROM jumio_callback c JOIN tracked_transaction t ON c.kind = t.kind AND c.reference = t.reference
          WHERE t.id = ANY($1::bigint[]) AND c.body IS NOT NULL
          FOR UPDATE OF c SKIP LOCKED)`,
      [transactionIds],
    );
  }
}

/**
 * What makes two deliveries the same callback: every field but the ones that describe the delivery itself
 * (`callbackDate`, Document Verification's `timestamp`), in a canonical order. A redelivery with a new callback
 * date is still the same callback. Only its keyed fingerprint is stored (DataCipher.fingerprint).
 */
export function callbackIdentity(fields: Record<string, string>): string {
  const kept = Object.keys(fields)
    .filter((k) => k !== 'callbackDate' && k !== 'timestamp')
    .sort()
    .map((k) => [k, fields[k]]);
  return JSON.stringify(kept);
}

/** The additional authenticated data of a stored callback's body. */
export function bodyContext(kind: Kind, digest: string): string {
  return `jumio_callback:${kind}:${digest}:body`;
}
