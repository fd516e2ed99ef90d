import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Which replica's claim made each call: proves the work is shared, and shows who had a call in flight when it died. */
export class JumioCallReplica1764170000000 implements MigrationInterface {
  name = 'JumioCallReplica1764170000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE jumio_call ADD COLUMN claim text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE jumio_call DROP COLUMN claim`);
  }
}
