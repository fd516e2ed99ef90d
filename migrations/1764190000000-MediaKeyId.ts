import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 6, personal data at rest: stored_medium.content is encrypted (DataCipher's binary format) and key_id
 * names the key it was encrypted under, so an operator can tell when an old key of DATA_ENCRYPTION_KEYS has
 * nothing left to read (`SELECT key_id, count(*) FROM stored_medium GROUP BY key_id`). NULL: a medium stored in
 * clear before this migration, still read as it is. Read and written by PostgresMediaStore's SQL only, not
 * mapped on the entity. The jsonb columns of tracked_transaction need no change: their encrypted values are
 * envelopes carrying their key id (`raw_details->>'kid'`).
 */
export class MediaKeyId1764190000000 implements MigrationInterface {
  name = 'MediaKeyId1764190000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE stored_medium ADD COLUMN key_id text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE stored_medium DROP COLUMN key_id`);
  }
}
