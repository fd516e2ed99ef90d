import { TrackedTransactionStorage1764200000000 } from '../../migrations/1764200000000-TrackedTransactionStorage';
import { startTestApp, type TestApp } from '../support/test-app';

/** The TrackedTransactionStorage migration: table storage settings that keep the claim's lease update HOT. */
describe('tracked_transaction storage settings', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  const options = async (): Promise<string[] | null> =>
    (
      await t.dataSource.query(
        `SELECT reloptions FROM pg_class WHERE relname = 'tracked_transaction' AND relkind = 'r'`,
      )
    )[0].reloptions;

  it('sets fillfactor and per-table autovacuum; down() resets them and up() applies them again', async () => {
    const expected = [
      'fillfactor=80',
      'autovacuum_vacuum_scale_factor=0.01',
      'autovacuum_analyze_scale_factor=0.02',
      'vacuum_index_cleanup=on',
    ];
    expect(await options()).toEqual(expect.arrayContaining(expected));

    // The migration's own down() and up(), whatever migrations came after it.
    const migration = new TrackedTransactionStorage1764200000000();
    const runner = t.dataSource.createQueryRunner();
    try {
      await migration.down(runner);
      expect(await options()).toBeNull();
      await migration.up(runner);
      expect(await options()).toEqual(expect.arrayContaining(expected));
    } finally {
      await runner.release();
    }
  });

  it("makes the claim's lease update a HOT update (no index entry written)", async () => {
    await t.dataSource.query(
      `INSERT INTO tracked_transaction (kind, reference, datacenter, acquired_at, callback_grace_seconds, callback_deadline, state, status,
         next_attempt_at, attempts, created_at, updated_at)
       SELECT 'id-verifications', gen_random_uuid(), 'EU', now(), 0, now(), 'RECONCILING', 'PENDING', now() - interval '1 minute', 1, now(), now()
         FROM generate_series(1, 200)`,
    );
    // One connection for the update and the counters: pg_stat_force_next_flush() flushes its own session's counts.
    const q = t.dataSource.createQueryRunner();
    await q.connect();
    const counters = async () => {
      await q.query('SELECT pg_stat_force_next_flush()');
      const [r] = await q.query(
        `SELECT n_tup_upd::int AS upd, n_tup_hot_upd::int AS hot FROM pg_stat_user_tables WHERE relname = 'tracked_transaction'`,
      );
      return r as { upd: number; hot: number };
    };
    const before = await counters();
    // The claim's SET list (TransactionClaims.claimDue): lease columns only, none of them indexed.
    await q.query(
      `UPDATE tracked_transaction SET lease_owner = 'test', lease_expires_at = clock_timestamp() + interval '60 seconds', forced_by = NULL
        WHERE id IN (SELECT id FROM tracked_transaction WHERE next_attempt_at <= now() ORDER BY next_attempt_at LIMIT 8)`,
    );
    const after = await counters();
    await q.release();
    expect(after.upd - before.upd).toBe(8);
    expect(after.hot - before.hot).toBe(8);
  });
});
