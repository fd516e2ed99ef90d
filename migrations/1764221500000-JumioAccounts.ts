import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 15, Jumio accounts (retrieval-rules.md, "Jumio accounts"): every transaction belongs to one account, whose
 * credentials and ceiling its calls use. Rows tracked before accounts existed belong to `default`, the account of
 * JUMIO_API_TOKEN/JUMIO_API_SECRET, which they were called with.
 *
 * - tracked_transaction.account: the account's name (with the row's datacenter, the pair the calls use); the
 *   service always names it, and the default `default` fills the existing rows (and those a bulk load writes);
 *   account_explicit: the backend named it (a callback's `?account=` then does not replace it).
 * - tracked_transaction.unreached_failures: consecutive calls that never reached Jumio (DNS, refused, TLS, the
 *   proxy): their back-off doubles with it, and any answer from Jumio resets it.
 * - jumio_account_state: an account whose credentials Jumio rejected, per data center, shared by every replica:
 *   CREDENTIALS_REJECTED since when, and when the next probe may go. No row: OK, never rejected.
 * - jumio_callback.account_hint: the callback URL's `?account=`.
 * - An index of due rows per account and data center: a paused account's probe takes its oldest due row.
 */
export class JumioAccounts1764221500000 implements MigrationInterface {
  name = 'JumioAccounts1764221500000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE tracked_transaction
        ADD COLUMN account text NOT NULL DEFAULT 'default',
        ADD COLUMN account_explicit boolean NOT NULL DEFAULT false,
        ADD COLUMN unreached_failures integer NOT NULL DEFAULT 0`);
    await q.query(`
      CREATE INDEX tracked_transaction_account_due ON tracked_transaction (account, datacenter, next_attempt_at)
       WHERE next_attempt_at IS NOT NULL`);
    await q.query(`
      CREATE TABLE jumio_account_state (
        account text NOT NULL,
        datacenter text NOT NULL,
        state text NOT NULL,
        since timestamptz NOT NULL,
        next_probe_at timestamptz,
        PRIMARY KEY (account, datacenter)
      )`);
    await q.query(`ALTER TABLE jumio_callback ADD COLUMN account_hint text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE jumio_callback DROP COLUMN account_hint`);
    await q.query(`DROP TABLE jumio_account_state`);
    await q.query(`DROP INDEX tracked_transaction_account_due`);
    await q.query(
      `ALTER TABLE tracked_transaction DROP COLUMN unreached_failures, DROP COLUMN account_explicit, DROP COLUMN account`,
    );
  }
}
