import type { MigrationInterface, QueryRunner } from 'typeorm';

/** tracked_transaction's encrypted jsonb columns, each with the generated column naming its key. */
const TRANSACTION_COLUMNS = ['raw_status', 'raw_details', 'raw_media_list', 'result', 'raw_callback'];

/** The key id of a jsonb column holding DataCipher's envelope; NULL for NULL and for values stored in clear. */
function envelopeKeyId(column: string): string {
  return `CASE WHEN jsonb_typeof(${column}) = 'object' AND ${column} ? 'enc' AND ${column} ? 'ct' THEN ${column}->>'kid' END`;
}

/**
 * Issue 16, key rotation: every value encrypted at rest names its key in a column of its own, indexed, so counting
 * the values per key (GET /v1/admin/stats `encryption`, the start-up check that refuses a missing key) and finding
 * those an old key still encrypts (the re-encryption job) read small indexes, never the payloads. On
 * tracked_transaction and jumio_callback the key id is a stored generated column read from the envelope itself,
 * so no write can leave it out of step; stored_medium.key_id exists since MediaKeyId. Adding the generated columns
 * rewrites tracked_transaction once (one ALTER TABLE), under its lock.
 */
export class EncryptionKeyIds1764240000000 implements MigrationInterface {
  name = 'EncryptionKeyIds1764240000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE tracked_transaction ${TRANSACTION_COLUMNS.map(
        (c) => `ADD COLUMN ${c}_key_id text GENERATED ALWAYS AS (${envelopeKeyId(c)}) STORED`,
      ).join(', ')}`,
    );
    for (const c of TRANSACTION_COLUMNS)
      await q.query(
        `CREATE INDEX tracked_transaction_${c}_key ON tracked_transaction (${c}_key_id) WHERE ${c}_key_id IS NOT NULL`,
      );
    await q.query(
      `ALTER TABLE jumio_callback ADD COLUMN body_key_id text GENERATED ALWAYS AS (${envelopeKeyId('body')}) STORED`,
    );
    await q.query(`CREATE INDEX jumio_callback_body_key ON jumio_callback (body_key_id) WHERE body_key_id IS NOT NULL`);
    await q.query(`CREATE INDEX stored_medium_key ON stored_medium (key_id) WHERE key_id IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX stored_medium_key`);
    await q.query(`ALTER TABLE jumio_callback DROP COLUMN body_key_id`);
    await q.query(
      `ALTER TABLE tracked_transaction ${TRANSACTION_COLUMNS.map((c) => `DROP COLUMN ${c}_key_id`).join(', ')}`,
    );
  }
}
