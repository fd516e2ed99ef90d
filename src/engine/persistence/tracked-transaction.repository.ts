import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { CallbackInbox } from '../callbacks/callback-inbox.js';
import { DataCipher, DataDecryptionError } from '../crypto/data-cipher.js';
import type { Kind } from '../../common/kinds.js';
import type { TrackingState, ViewStatus } from '../domain/states.js';
import type { EventType, TrackingPatch, Transition } from '../domain/tracking-state-machine.js';
import type { MediaPlanEntry } from '../domain/media-plan.js';
import { byMediumName, MediaStore, type MediumToStore, type StoredMediumInfo } from '../media/media-store.js';
import { AttemptLog, type JumioCallRecord } from './attempt-log.js';
import { appendChangeEvents, insertChangeEventsSql } from './change-event-writer.js';
import { queryPrepared, rowsOf } from '../sql/sql-results.js';
import { SetList, SqlParams } from '../sql/sql-set-builder.js';
import { TrackedTransactionEntity } from './tracked-transaction.entity.js';

/** Everything a reconciliation step may write besides the state machine's patch. */
export interface StepWrites {
  patch: TrackingPatch & {
    rawStatus?: unknown;
    rawDetails?: unknown;
    rawMediaList?: unknown;
    mediaPlan?: MediaPlanEntry[] | null;
    result?: Record<string, unknown> | null;
    rawCallback?: Record<string, string> | null;
    callbackCompletionPending?: boolean;
  };
  events?: EventType[];
  calls?: JumioCallRecord[];
  media?: { name: string; medium: MediumToStore }[];
  /** Keep the claim (more steps follow) or give the transaction back. */
  keepLease: boolean;
}

/** One claim's save: what applyStep writes, fenced by `owner`'s lease on transaction `id`. */
export interface StepSave {
  id: string;
  owner: string;
  writes: StepWrites;
  now: Date;
  leaseSeconds: number;
}

/** A save composed but not run (TrackedTransactionRepository.composeStep). */
export interface ComposedStep {
  sql: string;
  values: unknown[];
}

/** Stands in a composed save's CTE names for its position in a group (no statement text contains it otherwise). */
const STEP_TAG = '\u0000';

/** A change written outside any claim: the state machine's patch, payloads, and the fields a backend's tracking sets. */
export type RowPatch = StepWrites['patch'] &
  Partial<
    Pick<
      TrackedTransactionEntity,
      | 'datacenter'
      | 'merchantReference'
      | 'customerReference'
      | 'acquiredAt'
      | 'callbackGraceSeconds'
      | 'callbackDeadline'
      | 'startedByCallback'
    >
  >;

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
  startedByCallback?: boolean;
}

/** A claimed transaction, and the API key whose forced attempt the claim took over (null: a scheduled step). */
/**
 * A claimed row, with what the claim found on it: a forced attempt's actor, and the owner of an earlier claim
 * whose lease expired unsaved (its replica died or stalled, maybe with a call in flight).
 */
export type ClaimedTransaction = TrackedTransactionEntity & { forcedBy: string | null; previousOwner: string | null };

/** The admin list's filters; every one optional, all of them combined with AND. */
export interface TransactionFilter {
  kind?: Kind;
  state?: TrackingState;
  status?: ViewStatus;
  customerReference?: string;
  merchantReference?: string;
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

/** What a forced attempt writes (POST /v1/admin/.../reconcile); null from `decide` refuses it. */
export interface ForcedAttempt extends Transition {
  /** When the forced attempt is due (now, or a later Retry-After of Jumio's). */
  dueAt: Date;
  /** Drop any claim (a state change: a step in flight must not overwrite it), or keep it (one call at a time). */
  dropLease: boolean;
}

/** The columns that hold what Jumio sent: personal data, deleted by a purge. */
const PERSONAL_PROPERTIES = ['rawStatus', 'rawDetails', 'rawMediaList', 'mediaPlan', 'result', 'rawCallback'] as const;

/**
 * The columns encrypted at rest (DataCipher's JSON envelope, bound to `tracked_transaction:<id>:<column>`):
 * Jumio's payloads and the normalized result. media_plan stays in clear: it holds media names, Jumio's hrefs
 * (which carry only the transaction's reference) and per-medium outcomes, and no personal value; the reference,
 * the backend's merchant/customer references and the attempt log are tracking data, not Jumio's personal data.
 */
const ENCRYPTED_PROPERTIES = ['rawStatus', 'rawDetails', 'rawMediaList', 'result', 'rawCallback'] as const;

/** A medium as a view lists it. */
export type ViewMedium = Pick<StoredMediumInfo, 'name' | 'contentType' | 'byteSize'>;

/** The columns a view needs (never the raw payloads), for lists of many rows and the single view. */
const VIEW_COLUMNS = [
  'id',
  'kind',
  'reference',
  'datacenter',
  'merchant_reference',
  'customer_reference',
  'acquired_at',
  'callback_deadline',
  'state',
  'status',
  'callback_received_at',
  'attempts',
  'last_attempt_at',
  'next_attempt_at',
  'last_error',
  'result',
  'retrieved_at',
  'purged_at',
  'created_at',
  'updated_at',
]
  .map((c) => `t.${c}`)
  .join(', ');

/**
 * Every query on tracked_transaction, in one place. Writes made by a reconciliation step are fenced by the
 * lease: they only land while the step's claim still owns the row, so a replica whose lease expired and was
 * taken over can never overwrite its successor's work.
 */
@Injectable()
export class TrackedTransactionRepository {
  private readonly columns: Map<string, string>;
  /** Column name to SQL type, for casts in SET expressions. */
  private readonly types: Map<string, string>;

  /** Database names of the encrypted columns. */
  private readonly encryptedColumns: Set<string>;

  private readonly groupTexts = new Map<string, string>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly mediaStore: MediaStore,
    private readonly attemptLog: AttemptLog,
    private readonly cipher: DataCipher,
    private readonly callbackInbox: CallbackInbox,
  ) {
    const metadata = dataSource.getMetadata(TrackedTransactionEntity);
    this.columns = new Map(metadata.columns.map((c) => [c.propertyName, c.databaseName]));
    this.types = new Map(metadata.columns.map((c) => [c.databaseName, String(c.type)]));
    this.encryptedColumns = new Set(ENCRYPTED_PROPERTIES.map((p) => this.columns.get(p)!));
  }

  /** The row with its encrypted columns decrypted (throws DataDecryptionError: a 503 on an HTTP request). */
  async find(
    kind: Kind,
    reference: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<TrackedTransactionEntity | null> {
    const row = await manager.findOne(TrackedTransactionEntity, { where: { kind, reference } });
    return row && this.decrypted(row);
  }

  /**
   * What `GET /v1/{kind}/{reference}` shows, in one statement and one round trip: the view's columns (never the
   * raw payloads) and the media list (names, types, sizes; never the bytes), decrypted, media in the view's
   * order. Null when not tracked. The hot read path: no query builder, no second query for the media.
   */
  async findView(
    kind: Kind,
    reference: string,
  ): Promise<{ row: TrackedTransactionEntity; media: ViewMedium[] } | null> {
    // The read every backend polls: prepared, on the pool directly (TypeORM's query runner per call was 35 % of
    // the read path's CPU in a --cpu-prof, with planning on PostgreSQL's side at each call).
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
    return { row: this.fromRow(rows[0]), media: (rows[0].media as ViewMedium[]).sort(byMediumName) };
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
      const inserted: { id: string }[] = await m.query(
        `INSERT INTO tracked_transaction (kind, reference, datacenter, merchant_reference, customer_reference, acquired_at,
           callback_grace_seconds, callback_deadline, state, status, next_attempt_at, attempts, created_at, updated_at, started_by_callback)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,0,$12,$12,$13)
         ON CONFLICT (kind, reference) DO NOTHING RETURNING id`,
        [
          row.kind,
          row.reference,
          row.datacenter,
          row.merchantReference,
          row.customerReference,
          row.acquiredAt,
          row.callbackGraceSeconds,
          row.callbackDeadline,
          row.state,
          row.status,
          row.nextAttemptAt,
          now,
          row.startedByCallback ?? false,
        ],
      );
      if (inserted.length > 0) await appendChangeEvents(m, row.kind, row.reference, ['TRACKED'], now);
      const stored = await this.find(row.kind, row.reference, m);
      return { created: inserted.length > 0, row: stored! };
    });
  }

  /**
   * Claims up to `limit` transactions whose next step is due at `now` (the engine's clock) and whose lease, if
   * any, has expired (the database's clock: leases are about real processes, not scheduled time).
   * LIMIT matters: SKIP LOCKED without it would lock every due row at once.
   */
  async claimDue(owner: string, now: Date, limit: number, leaseSeconds: number): Promise<ClaimedTransaction[]> {
    // The claim takes a forced attempt's actor off the row (due.forced_by is the value before the update): a force
    // that arrives while the claim runs is then a new one, honoured when the claim's last step is saved.
    const rows = rowsOf<Record<string, unknown>>(
      await this.dataSource.query(
        `UPDATE tracked_transaction t
          SET lease_owner = $1, lease_expires_at = clock_timestamp() + make_interval(secs => $2), forced_by = NULL
         FROM (SELECT id, forced_by, lease_owner FROM tracked_transaction
                WHERE next_attempt_at <= $3
                  AND (lease_expires_at IS NULL OR lease_expires_at < clock_timestamp())
                ORDER BY next_attempt_at
                LIMIT $4
                FOR UPDATE SKIP LOCKED) due
        WHERE t.id = due.id
        RETURNING t.*, due.forced_by AS claimed_forced_by, due.lease_owner AS expired_owner`,
        [owner, leaseSeconds, now, limit],
      ),
    );
    const claimed: ClaimedTransaction[] = [];
    for (const r of rows) {
      const forcedBy = (r.claimed_forced_by as string | null) ?? null;
      let row: TrackedTransactionEntity;
      try {
        row = this.fromRow(r);
      } catch (e) {
        if (!(e instanceof DataDecryptionError)) throw e;
        await this.setAside(String(r.id), owner, forcedBy, leaseSeconds, e);
        continue;
      }
      claimed.push(Object.assign(row, { forcedBy, previousOwner: (r.expired_owner as string | null) ?? null }));
    }
    return claimed;
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

  /**
   * Applies one step's writes if `owner` still holds the claim; the calls are logged either way. The claim's
   * last write (keepLease false) also settles a forced attempt that arrived while the claim ran: while the
   * transaction still has a next step, that step is brought forward to the forced time, and the force stays on
   * the row for the next claim (whose calls carry its actor); when nothing is scheduled any more, it is dropped.
   *
   * One statement, so one round trip and one implicit transaction: the fenced UPDATE (u), the calls (logged
   * whether u matched or not), and the media and events, which read u and so are written only when it matched.
   * The sub-statements see one snapshot and none reads another's writes, except through u's RETURNING.
   */
  async applyStep(id: string, owner: string, writes: StepWrites, now: Date, leaseSeconds: number): Promise<boolean> {
    const [matched] = await this.applySteps([this.composeStep({ id, owner, writes, now, leaseSeconds })]);
    return matched;
  }

  /**
   * A save's SQL, not yet run: its parts of a WITH statement (the CTE names carry STEP_TAG where a group puts
   * the save's position) and its values, numbered from $1. Personal data is encrypted here, once. Saves of the
   * same shape (the same columns, lease choice and numbers of calls, media and events) have the same `sql`.
   */
  composeStep(save: StepSave): ComposedStep {
    const p = new SqlParams();
    const parts = this.stepParts(save, STEP_TAG, p);
    return { sql: parts.join(',\n'), values: p.values };
  }

  /**
   * Saves of the same shape (composeStep's `sql`) in one statement, so one round trip and one commit: each is
   * fenced by its own claim exactly as alone, and the answer says, in order, which matched. All of them or none
   * are written. The statement's text depends only on the shape and the number of saves, so it is prepared.
   */
  async applySteps(steps: ComposedStep[]): Promise<boolean[]> {
    if (steps.length === 0) return [];
    const shape = steps[0].sql;
    if (steps.some((s) => s.sql !== shape)) throw new Error('applySteps: saves of different shapes');
    const values = steps.length === 1 ? steps[0].values : steps.flatMap((s) => s.values);
    const rows = await queryPrepared<{ matched: boolean[] }>(
      this.dataSource,
      this.groupText(shape, steps.length, steps[0].values.length),
      values,
    );
    return rows[0].matched;
  }

  /** The statement for `count` saves of one shape, each with `perStep` values (cached: the shapes are few). */
  private groupText(shape: string, count: number, perStep: number): string {
    const key = `${count}\u0001${shape}`;
    let text = this.groupTexts.get(key);
    if (text === undefined) {
      const tag = (i: number) => (count === 1 ? '' : String(i));
      const parts = Array.from({ length: count }, (_, i) =>
        shape.replaceAll(STEP_TAG, tag(i)).replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + i * perStep}`),
      );
      const matched = Array.from({ length: count }, (_, i) => `EXISTS (SELECT 1 FROM u${tag(i)})`);
      text = `WITH ${parts.join(',\n')}\nSELECT ARRAY[${matched.join(', ')}] AS matched`;
      // A bound, not an eviction policy: the shapes a service writes are a few dozen.
      if (this.groupTexts.size >= 1000) this.groupTexts.clear();
      this.groupTexts.set(key, text);
    }
    return text;
  }

  /** One save's parts of a WITH statement, their names suffixed with `tag` (`u<tag>` is the fenced update). */
  private stepParts({ id, owner, writes, now, leaseSeconds }: StepSave, tag: string, p: SqlParams): string[] {
    const { sets } = this.setClause(writes.patch, now, { personalData: (writes.media?.length ?? 0) > 0, id }, p);
    if (writes.keepLease) {
      sets.push(`lease_expires_at = clock_timestamp() + make_interval(secs => ${Number(leaseSeconds)})`);
    } else {
      const next = sets.take('next_attempt_at') ?? 'next_attempt_at';
      const retryAfter = sets.peek('retry_after_until') ?? 'retry_after_until';
      const forcedNext = `forced_by IS NOT NULL AND ${next} IS NOT NULL`;
      sets.push(
        `next_attempt_at = CASE WHEN ${forcedNext} THEN LEAST(${next}, GREATEST(forced_at, ${retryAfter})) ELSE ${next} END`,
        `forced_at = CASE WHEN ${forcedNext} THEN forced_at ELSE NULL END`,
        `forced_by = CASE WHEN ${next} IS NULL THEN NULL ELSE forced_by END`,
        'lease_owner = NULL, lease_expires_at = NULL',
      );
    }
    const u = `u${tag}`;
    const parts = [
      `${u} AS (UPDATE tracked_transaction SET ${sets.sql()} WHERE id = ${p.add(id, '::bigint')} AND lease_owner = ${p.add(owner, '::text')} RETURNING id, kind, reference)`,
    ];
    if (writes.calls?.length) parts.push(`c${tag} AS (${this.attemptLog.insertSql(id, writes.calls, p)})`);
    if (writes.media?.length) parts.push(`m${tag} AS (${this.mediaStore.insertFromSql(u, id, writes.media, now, p)})`);
    if (writes.events?.length) parts.push(`e${tag} AS (${insertChangeEventsSql(u, writes.events, now, p)})`);
    return parts;
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
    return locked && this.decrypted(locked);
  }

  /** Writes a change to a row locked with lockRow; any claim is dropped so a step in flight cannot overwrite it. */
  async writeLocked(
    m: EntityManager,
    row: TrackedTransactionEntity,
    writes: { patch: RowPatch; events: EventType[] },
    now: Date,
  ): Promise<void> {
    if (Object.keys(writes.patch).length === 0 && writes.events.length === 0) return;
    const { sets, values } = this.setClause(writes.patch, now, { id: row.id });
    sets.push('lease_owner = NULL, lease_expires_at = NULL');
    // Nothing scheduled any more: a forced attempt still waiting has nothing left to force.
    if (writes.patch.nextAttemptAt === null) sets.push('forced_by = NULL, forced_at = NULL');
    await m.query(`UPDATE tracked_transaction SET ${sets.sql()} WHERE id = $${values.length + 1}`, [...values, row.id]);
    if (writes.events.length) await appendChangeEvents(m, row.kind, row.reference, writes.events, now);
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
    const values: unknown[] = [];
    const param = (value: unknown, cast = '') => {
      values.push(value);
      return `$${values.length}${cast}`;
    };
    if (filter.kind !== undefined) where.push(`t.kind = ${param(filter.kind)}`);
    if (filter.state !== undefined) where.push(`t.state = ${param(filter.state)}`);
    if (filter.status !== undefined) where.push(`t.status = ${param(filter.status)}`);
    if (filter.customerReference !== undefined) where.push(`t.customer_reference = ${param(filter.customerReference)}`);
    if (filter.merchantReference !== undefined) where.push(`t.merchant_reference = ${param(filter.merchantReference)}`);
    if (filter.createdFrom !== undefined) where.push(`t.created_at >= ${param(filter.createdFrom, '::timestamptz')}`);
    if (filter.createdTo !== undefined) where.push(`t.created_at < ${param(filter.createdTo, '::timestamptz')}`);
    if (after)
      where.push(`(t.created_at, t.id) < (${param(after.createdAt, '::timestamptz')}, ${param(after.id, '::bigint')})`);
    const rows: Record<string, unknown>[] = await this.dataSource.query(
      `SELECT ${VIEW_COLUMNS},
              to_char(t.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS position_created_at
         FROM tracked_transaction t
        ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY t.created_at DESC, t.id DESC
        LIMIT ${param(limit, '::integer')}`,
      values,
    );
    return rows.map((r) => ({
      row: this.fromRow(r),
      position: { createdAt: String(r.position_created_at), id: String(r.id) },
    }));
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
      const locked = await m.findOne(TrackedTransactionEntity, {
        where: { kind, reference },
        lock: { mode: 'pessimistic_write' },
      });
      if (!locked) return null;
      const row = this.decrypted(locked);
      const decision = decide(row);
      if (!decision) return { row, forced: false };
      const { sets, values } = this.setClause(decision.patch, now, { id: row.id });
      values.push(actor, decision.dueAt);
      sets.push(`forced_by = $${values.length - 1}, forced_at = $${values.length}`);
      if (decision.dropLease) sets.push('lease_owner = NULL, lease_expires_at = NULL');
      await m.query(`UPDATE tracked_transaction SET ${sets.sql()} WHERE id = $${values.length + 1}`, [
        ...values,
        row.id,
      ]);
      if (decision.events.length) await appendChangeEvents(m, kind, reference, decision.events, now);
      return { row: (await this.find(kind, reference, m))!, forced: true };
    });
  }

  /**
   * Deletes a transaction's personal data in one database transaction: its media, Jumio's payloads, the result
   * and the media plan (Jumio's hrefs). The tracking record, its references and the attempt log stay. The
   * claim is dropped, so a step in flight cannot write anything back, and nothing more is scheduled.
   * `decide` gives the state change (PURGED and its event; nothing when already purged: the data is still
   * wiped if any came back, but no second event). Returns null when the transaction is not tracked.
   */
  async purgePersonalData(
    kind: Kind,
    reference: string,
    now: Date,
    decide: (row: { state: TrackingState }) => Transition,
  ): Promise<{ row: TrackedTransactionEntity; purged: boolean } | null> {
    return this.dataSource.transaction(async (m) => {
      const locked: { id: string; kind: Kind; reference: string; state: TrackingState; holds: boolean }[] =
        await m.query(
          `SELECT id::text AS id, kind, reference, state, personal_data_at IS NOT NULL AS holds
           FROM tracked_transaction WHERE kind = $1 AND reference = $2 FOR UPDATE`,
          [kind, reference],
        );
      if (locked.length === 0) return null;
      const t = decide(locked[0]);
      const purged = t.events.length > 0;
      if (purged || locked[0].holds) {
        await this.mediaStore.deleteAll(m, locked[0].id);
        await this.wipe(m, [locked[0]], t, now);
      }
      return { row: (await this.find(kind, reference, m))!, purged };
    });
  }

  /**
   * Retention: purges up to `limit` transactions whose personal data was stored before `cutoff`, oldest first,
   * in one database transaction. SKIP LOCKED with LIMIT: a batch never waits for, nor locks more than, its own
   * rows, and replicas running it together take different rows. Returns how many rows were purged.
   */
  async purgeExpiredBatch(
    cutoff: Date,
    limit: number,
    now: Date,
    decide: (row: { state: TrackingState }) => Transition,
  ): Promise<number> {
    return this.dataSource.transaction(async (m) => {
      const rows: { id: string; kind: Kind; reference: string; state: TrackingState }[] = await m.query(
        `SELECT id::text AS id, kind, reference, state FROM tracked_transaction
          WHERE personal_data_at < $1
          ORDER BY personal_data_at
          LIMIT $2
          FOR UPDATE SKIP LOCKED`,
        [cutoff, limit],
      );
      if (rows.length === 0) return 0;
      await this.mediaStore.deleteAllOf(
        m,
        rows.map((r) => r.id),
      );
      // One UPDATE per distinct transition (PURGED now, or nothing for a row already purged), not one per row.
      const groups = new Map<string, { t: Transition; rows: typeof rows }>();
      for (const row of rows) {
        const t = decide(row);
        const key = JSON.stringify(t);
        if (!groups.has(key)) groups.set(key, { t, rows: [] });
        groups.get(key)!.rows.push(row);
      }
      for (const { t, rows: group } of groups.values()) await this.wipe(m, group, t, now);
      return rows.length;
    });
  }

  /** The writes of a purge on locked rows that share one transition (their media are deleted by the caller). */
  private async wipe(
    m: EntityManager,
    rows: { id: string; kind: Kind; reference: string }[],
    t: Transition,
    now: Date,
  ): Promise<void> {
    const nulls = Object.fromEntries(PERSONAL_PROPERTIES.map((p) => [p, null]));
    const { sets, values } = this.setClause({ ...t.patch, ...nulls }, now);
    sets.push(
      'personal_data_at = NULL, forced_by = NULL, forced_at = NULL, lease_owner = NULL, lease_expires_at = NULL',
    );
    await m.query(`UPDATE tracked_transaction SET ${sets.sql()} WHERE id = ANY($${values.length + 1}::bigint[])`, [
      ...values,
      rows.map((r) => r.id),
    ]);
    // Callbacks of these transactions still held in the inbox (unprocessed or unreadable) hold Jumio's data too.
    await this.callbackInbox.clearBodiesOf(
      m,
      rows.map((r) => r.id),
    );
    if (t.events.length) for (const row of rows) await appendChangeEvents(m, row.kind, row.reference, t.events, now);
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

  /** The transaction whose due step is the most overdue (not claimed by anyone right now). */
  async oldestOverdue(now: Date): Promise<{ kind: Kind; reference: string; dueAt: Date } | null> {
    const rows: { kind: Kind; reference: string; next_attempt_at: Date }[] = await this.dataSource.query(
      `SELECT kind, reference, next_attempt_at FROM tracked_transaction WHERE next_attempt_at <= $1 ORDER BY next_attempt_at LIMIT 1`,
      [now],
    );
    return rows.length
      ? { kind: rows[0].kind, reference: rows[0].reference, dueAt: new Date(rows[0].next_attempt_at) }
      : null;
  }

  /**
   * SET assignments for a patch, plus updated_at; a patch that stores any of Jumio's payloads (or a step that
   * stores media: `personalData`) starts the personal data's age unless it already runs. Values of the
   * encrypted columns are encrypted here, bound to the row `id` (required for them; null stays NULL).
   */
  private setClause(
    patch: object,
    now: Date,
    opts: { personalData?: boolean; id?: string } = {},
    p: SqlParams = new SqlParams(),
  ): { sets: SetList; values: unknown[] } {
    const sets = new SetList();
    let personal = opts.personalData ?? false;
    for (const [key, value] of Object.entries(patch)) {
      if (value === undefined) continue;
      const column = this.columns.get(key);
      if (!column) throw new Error(`unknown tracked_transaction field ${key}`);
      const stored =
        value !== null && this.encryptedColumns.has(column)
          ? this.cipher.encryptJson(value, this.context(opts.id, column))
          : value;
      const json = isJsonColumn(column);
      sets.assign(
        column,
        p.add(
          json && stored !== null ? JSON.stringify(stored) : stored,
          json ? '::jsonb' : `::${this.types.get(column)}`,
        ),
      );
      if (value !== null && (PERSONAL_PROPERTIES as readonly string[]).includes(key)) personal = true;
    }
    const at = p.add(now, '::timestamptz');
    sets.assign('updated_at', at);
    if (personal) sets.push(`personal_data_at = coalesce(personal_data_at, ${at})`);
    return { sets, values: p.values };
  }

  /** A raw row (RETURNING t.*, the list's columns) as an entity, decrypted. */
  private fromRow(row: Record<string, unknown>): TrackedTransactionEntity {
    const entity = new TrackedTransactionEntity();
    for (const [property, column] of this.columns)
      (entity as unknown as Record<string, unknown>)[property] = row[column];
    entity.id = String(row.id);
    return this.decrypted(entity);
  }

  /** Decrypts the encrypted columns in place (values stored before encryption read as they are). */
  private decrypted<T extends TrackedTransactionEntity>(entity: T): T {
    const fields = entity as unknown as Record<string, unknown>;
    for (const property of ENCRYPTED_PROPERTIES) {
      const value = fields[property];
      if (value !== null && value !== undefined)
        fields[property] = this.cipher.decryptJson(value, this.context(String(entity.id), this.columns.get(property)!));
    }
    return entity;
  }

  /** The additional authenticated data of one encrypted column of one row. */
  private context(id: string | undefined, column: string): string {
    if (!id) throw new Error(`tracked_transaction.${column} is encrypted: writing it needs the row's id`);
    return `tracked_transaction:${id}:${column}`;
  }
}

function isJsonColumn(column: string): boolean {
  return ['raw_status', 'raw_details', 'raw_media_list', 'media_plan', 'result', 'raw_callback'].includes(column);
}
