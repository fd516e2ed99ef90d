import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The admin list's `account=` filter (issue 18): newest first within one account, read from an index like the
 * other filters' (an account holding few of the rows would otherwise walk the whole created_at index).
 */
export class AdminListByAccount1764260000000 implements MigrationInterface {
  name = 'AdminListByAccount1764260000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX tracked_transaction_account_created ON tracked_transaction (account, created_at DESC, id DESC)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX tracked_transaction_account_created`);
  }
}
