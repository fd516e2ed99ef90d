import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One transaction's events (`GET /v1/admin/transactions/{kind}/{reference}/events`, the operators' page): found by
 * reference, a handful of rows each, rather than by reading the whole change feed. Built in the migration's
 * transaction like the admin indexes (writes to change_event wait while it builds).
 */
export class ChangeEventByTransaction1764220000000 implements MigrationInterface {
  name = 'ChangeEventByTransaction1764220000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX change_event_reference ON change_event (reference)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX change_event_reference`);
  }
}
