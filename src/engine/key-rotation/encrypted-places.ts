import type { EntityManager } from 'typeorm';
import type { Kind } from '../../common/kinds.js';
import { bodyContext } from '../callbacks/callback-inbox.js';
import { DataCipher } from '../crypto/data-cipher.js';
import { mediumContext } from '../media/media-store.js';
import { ENCRYPTED_COLUMNS, transactionColumnContext } from '../persistence/transaction-row-codec.js';
import { rowsOf } from '../sql/sql-results.js';

/** Anything that runs SQL: the DataSource or a transaction's EntityManager. */
export interface Queryable {
  query(sql: string, params?: unknown[]): Promise<unknown>;
}

/**
 * One place where values are encrypted at rest (each find orders by the key-id column so that the planner walks its
 * index however stale its statistics are, never the table through values already done): a table, its encrypted column and the indexed column naming each
 * value's key (see migration EncryptionKeyIds). `reencrypt` locks up to `limit` values under the `stale` keys
 * (SKIP LOCKED: a row another transaction holds is left for a later batch), re-encrypts them under the active
 * key and writes them back in one statement, in the caller's transaction; `skip` names values to leave alone
 * (ones that could not be decrypted). Returns what it wrote and what it could not decrypt.
 */
export interface EncryptedPlace {
  /** `table.column`, for logs. */
  readonly name: string;
  readonly table: string;
  readonly keyColumn: string;
  /** Bytes (media) are large: they go in batches of a tenth of the values. */
  readonly large: boolean;
  reencrypt(
    m: EntityManager,
    cipher: DataCipher,
    stale: string[],
    limit: number,
    skip: ReadonlySet<string>,
  ): Promise<{ written: number; unreadable: string[] }>;
}

/**
 * A jsonb column holding DataCipher's envelope, in a table keyed by `id`; `fields` are the further columns the
 * value's context is built from.
 */
function jsonColumn<R extends { id: string; value: unknown }>(
  table: string,
  column: string,
  keyColumn: string,
  fields: string,
  context: (row: R) => string,
): EncryptedPlace {
  return {
    name: `${table}.${column}`,
    table,
    keyColumn,
    large: false,
    async reencrypt(m, cipher, stale, limit, skip) {
      const rows: R[] = await m.query(
        `SELECT id::text AS id, ${fields}${column} AS value FROM ${table}
          WHERE ${keyColumn} = ANY($1::text[]) AND id <> ALL($3::bigint[])
          ORDER BY ${keyColumn} LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [stale, limit, [...skip]],
      );
      const { ids, values, unreadable } = reencryptEach(rows, (r) =>
        JSON.stringify(cipher.reencryptJson(r.value, context(r))),
      );
      if (ids.length > 0)
        await m.query(
          `UPDATE ${table} t SET ${column} = v.value::jsonb
             FROM unnest($1::bigint[], $2::text[]) AS v(id, value) WHERE t.id = v.id`,
          [ids, values],
        );
      return { written: ids.length, unreadable };
    },
  };
}

/** tracked_transaction's encrypted jsonb columns: Jumio's payloads and the normalized result. */
const transactionColumn = (column: string): EncryptedPlace =>
  jsonColumn('tracked_transaction', column, `${column}_key_id`, '', (r) => transactionColumnContext(r.id, column));

/** jumio_callback.body: a callback's raw body, held until it is applied. */
const callbackBody = jsonColumn<{ id: string; value: unknown; kind: Kind; body_digest: string }>(
  'jumio_callback',
  'body',
  'body_key_id',
  'kind, body_digest, ',
  (r) => bodyContext(r.kind, r.body_digest),
);

/** The bytes of media one batch holds at most (but always one medium, up to JUMIO_MAX_MEDIA_BYTES). */
export const MEDIA_BATCH_BYTES = 16 * 1024 * 1024;

/**
 * stored_medium.content: the media bytes, with key_id next to them. The batch is chosen and locked from the sizes
 * first (no bytes read; rows another transaction holds are skipped there, so a batch never comes back empty while
 * unlocked media are left), then read; each medium is written back by a statement of its own, its bytes a binary
 * parameter.
 */
const mediumContent: EncryptedPlace = {
  name: 'stored_medium.content',
  table: 'stored_medium',
  keyColumn: 'key_id',
  large: true,
  async reencrypt(m, cipher, stale, limit, skip) {
    const sizes: { transaction_id: string; name: string; byte_size: number }[] = await m.query(
      `SELECT transaction_id::text AS transaction_id, name, byte_size FROM stored_medium
        WHERE key_id = ANY($1::text[]) AND transaction_id::text || '/' || name <> ALL($3::text[])
        ORDER BY key_id LIMIT $2 FOR UPDATE SKIP LOCKED`,
      [stale, limit, [...skip]],
    );
    let bytes = 0;
    const chosen = sizes.filter((r, i) => (bytes += r.byte_size) <= MEDIA_BATCH_BYTES || i === 0);
    if (chosen.length === 0) return { written: 0, unreadable: [] };
    const rows: { id: string; transaction_id: string; name: string; key_id: string; content: Buffer }[] = await m.query(
      `SELECT transaction_id::text || '/' || name AS id, transaction_id::text AS transaction_id, name, key_id, content
         FROM stored_medium
        WHERE (transaction_id, name) IN (SELECT * FROM unnest($1::bigint[], $2::text[])) AND key_id = ANY($3::text[])`,
      [chosen.map((r) => r.transaction_id), chosen.map((r) => r.name), stale],
    );
    const { ids, values, unreadable } = reencryptEach(rows, (r) =>
      cipher.reencryptBytes(r.content, mediumContext(r.transaction_id, r.name), r.key_id),
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    for (const [i, id] of ids.entries())
      await m.query(`UPDATE stored_medium SET content = $3, key_id = $4 WHERE transaction_id = $1 AND name = $2`, [
        byId.get(id)!.transaction_id,
        byId.get(id)!.name,
        values[i],
        cipher.activeKeyId,
      ]);
    return { written: ids.length, unreadable };
  },
};

/**
 * Every place a value is encrypted at rest. media_plan, the attempt log, the change feed and the callbacks'
 * fingerprints hold no ciphertext (fingerprints are keyed, not encrypted, and never decrypted).
 */
export const ENCRYPTED_PLACES: readonly EncryptedPlace[] = [
  ...ENCRYPTED_COLUMNS.map(transactionColumn),
  callbackBody,
  mediumContent,
];

/** Re-encrypts each row's value; one that cannot be decrypted is left out (and named) rather than failing the rest. */
function reencryptEach<R extends { id: string }, V>(
  rows: R[],
  reencrypt: (row: R) => V,
): { ids: string[]; values: V[]; unreadable: string[] } {
  const ids: string[] = [];
  const values: V[] = [];
  const unreadable: string[] = [];
  for (const row of rows) {
    try {
      values.push(reencrypt(row));
      ids.push(row.id);
    } catch {
      // DataCipher has logged why (with the value's context, never the data).
      unreadable.push(row.id);
    }
  }
  return { ids, values, unreadable };
}

/** How many values each key id encrypts, over every place (each place reads its key-id index only). */
export async function countValuesByKeyId(db: Queryable, only?: string[]): Promise<Map<string, number>> {
  const filter = only ? ' = ANY($1::text[])' : ' IS NOT NULL';
  const parts = ENCRYPTED_PLACES.map(
    (p) => `SELECT ${p.keyColumn} AS key_id, count(*) AS n FROM ${p.table} WHERE ${p.keyColumn}${filter} GROUP BY 1`,
  );
  const rows = rowsOf<{ key_id: string; n: string }>(
    await db.query(
      `SELECT key_id, sum(n)::bigint AS n FROM (${parts.join(' UNION ALL ')}) s GROUP BY key_id ORDER BY key_id`,
      only ? [only] : [],
    ),
  );
  return new Map(rows.map((r) => [r.key_id, Number(r.n)]));
}

/**
 * The key ids stored values name, without counting them: a skip scan of each key-id index (a few index probes
 * per distinct key, however many rows), cheap enough for every batch and for start-up.
 */
export async function storedKeyIds(db: Queryable): Promise<string[]> {
  const parts = ENCRYPTED_PLACES.map(
    (p, i) => `(WITH RECURSIVE k${i}(id) AS (
        (SELECT ${p.keyColumn} FROM ${p.table} WHERE ${p.keyColumn} IS NOT NULL ORDER BY 1 LIMIT 1)
        UNION ALL
        SELECT (SELECT ${p.keyColumn} FROM ${p.table} WHERE ${p.keyColumn} > k${i}.id ORDER BY 1 LIMIT 1)
          FROM k${i} WHERE k${i}.id IS NOT NULL)
      SELECT id FROM k${i} WHERE id IS NOT NULL)`,
  );
  const rows = rowsOf<{ id: string }>(
    await db.query(`SELECT DISTINCT id FROM (${parts.join(' UNION ALL ')}) s ORDER BY id`),
  );
  return rows.map((r) => r.id);
}
