import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 8, Jumio's callbacks received directly. jumio_callback is the inbox: a callback is written here before
 * the 200 is sent (Jumio's advice: store, answer, then process) and processed afterwards by whichever replica
 * claims it, so a crash between the two loses nothing. (kind, body_digest) is unique: the same callback
 * delivered twice is one row, processed once. `body` is the raw form body, encrypted (DataCipher's JSON envelope,
 * bound to `jumio_callback:<kind>:<body_digest>:body`); it is cleared once processed (the transaction keeps the
 * parsed fields in tracked_transaction.raw_callback, encrypted, purged with the rest of its personal data), and
 * by retention and purges otherwise. body_digest is a keyed HMAC of the fields (no personal value can be guessed
 * from it); retention deletes inbox rows once they are older than the personal data retention. A processing run
 * that fails for a reason of ours is tried again at next_try_at, with a growing delay, never given up.
 */
export class JumioCallbackInbox1764210000000 implements MigrationInterface {
  name = 'JumioCallbackInbox1764210000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE jumio_callback (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        kind text NOT NULL,
        reference uuid NOT NULL,
        body_digest text NOT NULL,
        body jsonb,
        source_address text NOT NULL,
        datacenter_hint text,
        received_at timestamptz NOT NULL,
        deliveries integer NOT NULL DEFAULT 1,
        last_delivery_at timestamptz NOT NULL,
        processed_at timestamptz,
        outcome text,
        error text,
        failures integer NOT NULL DEFAULT 0,
        next_try_at timestamptz,
        CONSTRAINT jumio_callback_once UNIQUE (kind, body_digest)
      )`);
    await q.query(`CREATE INDEX jumio_callback_unprocessed ON jumio_callback (received_at) WHERE processed_at IS NULL`);
    await q.query(`CREATE INDEX jumio_callback_age ON jumio_callback (received_at)`);
    await q.query(`CREATE INDEX jumio_callback_transaction ON jumio_callback (kind, reference)`);
    await q.query(`ALTER TABLE tracked_transaction ADD COLUMN raw_callback jsonb`);
    // A transaction a callback started (nobody had tracked it): the first backend to track it sets its fields.
    await q.query(`ALTER TABLE tracked_transaction ADD COLUMN started_by_callback boolean NOT NULL DEFAULT false`);
    // A view filled from a callback that lacks what only a retrieval has (ID Verification's additionalChecks):
    // one details call completes it, before the media.
    await q.query(
      `ALTER TABLE tracked_transaction ADD COLUMN callback_completion_pending boolean NOT NULL DEFAULT false`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE tracked_transaction DROP COLUMN callback_completion_pending`);
    await q.query(`ALTER TABLE tracked_transaction DROP COLUMN started_by_callback`);
    await q.query(`ALTER TABLE tracked_transaction DROP COLUMN raw_callback`);
    await q.query(`DROP TABLE jumio_callback`);
  }
}
