import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 5, admin queries: the columns forced reconciliation and retention need, and the indexes that keep every
 * admin query on an index path at a million tracked transactions (bench/admin-plans.ts checks the plans).
 *
 * The new columns are read and written by TrackedTransactionRepository's SQL only (like change_event.xid), not
 * mapped on the entity.
 *
 * The indexes are built in the migration's transaction (plain CREATE INDEX: `CREATE INDEX CONCURRENTLY` cannot run
 * in one, and a migration that opts out of its transaction breaks `typeorm migration:run`'s default "all" mode).
 * Writes to tracked_transaction wait while they build: about a second each per million rows.
 */
export class AdminQueries1764180000000 implements MigrationInterface {
  name = 'AdminQueries1764180000000';

  async up(q: QueryRunner): Promise<void> {
    // forced_by: the API key that forced an attempt (POST .../reconcile) not yet taken by a claim; the claim takes
    // it and puts it on the jumio_call rows it writes (actor). forced_at: when the forced attempt is due.
    // personal_data_at: when the first personal data (a Jumio payload or a medium) was stored; null when none is
    // held. Retention measures the data's age from it.
    await q.query(`
      ALTER TABLE tracked_transaction
        ADD COLUMN forced_by text,
        ADD COLUMN forced_at timestamptz,
        ADD COLUMN personal_data_at timestamptz`);
    await q.query(`
      UPDATE tracked_transaction t
         SET personal_data_at = coalesce(t.retrieved_at, t.updated_at)
       WHERE t.purged_at IS NULL
         AND (t.raw_status IS NOT NULL OR t.raw_details IS NOT NULL OR t.raw_media_list IS NOT NULL
              OR t.media_plan IS NOT NULL OR t.result IS NOT NULL
              OR EXISTS (SELECT 1 FROM stored_medium s WHERE s.transaction_id = t.id))`);

    // The admin list: newest first, keyset on (created_at, id), with no filter, a created_at range, or a filter
    // on a value spread over time (kind: every product is tracked all along), read along it with a Filter.
    await q.query(`CREATE INDEX tracked_transaction_created ON tracked_transaction (created_at DESC, id DESC)`);
    // kind and state together; also the stats' counts by kind and state, as an index-only scan.
    await q.query(
      `CREATE INDEX tracked_transaction_kind_state_created ON tracked_transaction (kind, state, created_at DESC, id DESC)`,
    );
    // state alone, status alone: some values are rare and bunched in time (RECONCILING in the last 30 days,
    // EXHAUSTED only before them), which the created_at index would look for row by row across the whole table.
    await q.query(
      `CREATE INDEX tracked_transaction_state_created ON tracked_transaction (state, created_at DESC, id DESC)`,
    );
    await q.query(
      `CREATE INDEX tracked_transaction_status_created ON tracked_transaction (status, created_at DESC, id DESC)`,
    );
    // A backend's own references: few rows each, searched by equality.
    await q.query(`
      CREATE INDEX tracked_transaction_customer_created ON tracked_transaction (customer_reference, created_at DESC, id DESC)
       WHERE customer_reference IS NOT NULL`);
    await q.query(`
      CREATE INDEX tracked_transaction_merchant_created ON tracked_transaction (merchant_reference, created_at DESC, id DESC)
       WHERE merchant_reference IS NOT NULL`);
    // Retention: only rows that still hold personal data, oldest first.
    await q.query(
      `CREATE INDEX tracked_transaction_personal_data ON tracked_transaction (personal_data_at) WHERE personal_data_at IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    for (const index of [
      'tracked_transaction_personal_data',
      'tracked_transaction_merchant_created',
      'tracked_transaction_customer_created',
      'tracked_transaction_status_created',
      'tracked_transaction_state_created',
      'tracked_transaction_kind_state_created',
      'tracked_transaction_created',
    ]) {
      await q.query(`DROP INDEX ${index}`);
    }
    await q.query(
      `ALTER TABLE tracked_transaction DROP COLUMN personal_data_at, DROP COLUMN forced_at, DROP COLUMN forced_by`,
    );
  }
}
