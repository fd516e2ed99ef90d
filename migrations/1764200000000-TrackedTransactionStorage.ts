import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Benchmark 3 (BENCHMARKS.md, "Claim at 1M"): the claim's cost grew with the table although its plan did not,
 * because updates of tracked_transaction could not be HOT (heap-only) on the full pages a table is left with
 * after inserts at the default fillfactor of 100: every claim's lease update then wrote a new entry into every
 * index of the table, and those dead entries piled up at the front of `tracked_transaction_due`, where every
 * later claim's index scan walks over them.
 *
 * - `fillfactor = 80`: inserts leave a fifth of each page free, so an update that changes no indexed column
 *   (the claim's lease_owner, lease_expires_at, forced_by; a release; a set-aside) puts the new version on the
 *   same page and adds no index entry. The other updates (a step's next_attempt_at, state, ...) still write
 *   index entries, as before. It applies to pages written from now on: on a table that is already large, the
 *   existing full pages keep no room until they are rewritten (`VACUUM FULL tracked_transaction` or pg_repack,
 *   in a maintenance window; not done here because it locks the table).
 * - Autovacuum per table, for a table that grows to millions of rows while its hot part (the due range) stays
 *   small: vacuum after 1 % of the rows changed rather than the default 20 % (200,000 dead rows at 1M), analyze
 *   after 2 %, and `vacuum_index_cleanup = on` so that vacuum always removes dead index entries (the default,
 *   auto, skips index cleanup when dead rows sit on fewer than 2 % of the pages, which at 1M rows left the dead
 *   entries of the due range in place).
 */
export class TrackedTransactionStorage1764200000000 implements MigrationInterface {
  name = 'TrackedTransactionStorage1764200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE tracked_transaction SET (
         fillfactor = 80,
         autovacuum_vacuum_scale_factor = 0.01,
         autovacuum_analyze_scale_factor = 0.02,
         vacuum_index_cleanup = on
       )`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE tracked_transaction RESET (fillfactor, autovacuum_vacuum_scale_factor, autovacuum_analyze_scale_factor, vacuum_index_cleanup)`,
    );
  }
}
