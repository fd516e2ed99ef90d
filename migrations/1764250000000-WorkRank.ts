import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 17, the order of work (retrieval-rules.md, "Order of work when there is more than the ceiling allows"):
 * claims take due rows by `work_rank`, then oldest due first.
 *
 * - tracked_transaction.work_rank, generated from the row so that every write keeps it (and existing rows get it
 *   when the column is added): 0 a forced reconcile, 1 details due (the final status is known, or a callback
 *   lacks its completion: one call from the decision), 2 a status call (or the end of the callback wait) due, 3
 *   media due, 4 a delete at Jumio (requested and not done: nothing else is left to do for such a row).
 * - tracked_transaction_rank_due: the claim reads each rank's oldest due rows (one short range per rank).
 * - tracked_transaction_account_rank_due replaces tracked_transaction_account_due: the same per account and data
 *   center (each pair's share of a claim, a paused account's probe, the stats' due calls).
 */
export class WorkRank1764250000000 implements MigrationInterface {
  name = 'WorkRank1764250000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE tracked_transaction ADD COLUMN work_rank smallint NOT NULL GENERATED ALWAYS AS (
        CASE
          WHEN jumio_deletion_requested_at IS NOT NULL AND jumio_deleted_at IS NULL THEN 4
          WHEN forced_by IS NOT NULL THEN 0
          WHEN state = 'RECONCILING' AND status IN ('DONE', 'FAILED') AND raw_details IS NULL THEN 1
          WHEN state = 'CALLBACK_RECEIVED' AND callback_completion_pending THEN 1
          WHEN state IN ('RECONCILING', 'CALLBACK_RECEIVED') AND status IN ('DONE', 'FAILED') THEN 3
          ELSE 2
        END) STORED`);
    await q.query(`
      CREATE INDEX tracked_transaction_rank_due ON tracked_transaction (work_rank, next_attempt_at)
       WHERE next_attempt_at IS NOT NULL`);
    await q.query(`
      CREATE INDEX tracked_transaction_account_rank_due ON tracked_transaction (account, datacenter, work_rank, next_attempt_at)
       WHERE next_attempt_at IS NOT NULL`);
    await q.query(`DROP INDEX tracked_transaction_account_due`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE INDEX tracked_transaction_account_due ON tracked_transaction (account, datacenter, next_attempt_at)
       WHERE next_attempt_at IS NOT NULL`);
    await q.query(`DROP INDEX tracked_transaction_account_rank_due`);
    await q.query(`DROP INDEX tracked_transaction_rank_due`);
    await q.query(`ALTER TABLE tracked_transaction DROP COLUMN work_rank`);
  }
}
