import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The engine's tables. Hand-written rather than generated so every index states why it exists:
 * the reconciler's claim, the change feed's commit-safe position, the attempt log by transaction and by time.
 */
export class InitialSchema1764160000000 implements MigrationInterface {
  name = 'InitialSchema1764160000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE tracked_transaction (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        kind text NOT NULL,
        reference uuid NOT NULL,
        datacenter text NOT NULL,
        merchant_reference text,
        customer_reference text,
        acquired_at timestamptz NOT NULL,
        callback_grace_seconds integer NOT NULL,
        callback_deadline timestamptz NOT NULL,
        state text NOT NULL,
        status text NOT NULL DEFAULT 'UNKNOWN',
        jumio_status_raw text,
        callback_received_at timestamptz,
        reconcile_started_at timestamptz,
        attempts integer NOT NULL DEFAULT 0,
        last_attempt_at timestamptz,
        next_attempt_at timestamptz,
        retry_after_until timestamptz,
        last_error text,
        lease_owner text,
        lease_expires_at timestamptz,
        raw_status jsonb,
        raw_details jsonb,
        raw_media_list jsonb,
        media_plan jsonb,
        result jsonb,
        retrieved_at timestamptz,
        purged_at timestamptz,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        CONSTRAINT tracked_transaction_kind_reference UNIQUE (kind, reference)
      )`);
    // The reconciler's claim reads only rows with work to do, oldest due first.
    await q.query(
      `CREATE INDEX tracked_transaction_due ON tracked_transaction (next_attempt_at) WHERE next_attempt_at IS NOT NULL`,
    );
    await q.query(`
      CREATE TABLE jumio_call (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        transaction_id bigint NOT NULL REFERENCES tracked_transaction(id) ON DELETE CASCADE,
        at timestamptz NOT NULL,
        endpoint text NOT NULL,
        call_type text NOT NULL,
        http_status integer,
        duration_ms integer NOT NULL,
        outcome text NOT NULL,
        error text,
        counts_as_attempt boolean NOT NULL,
        actor text
      )`);
    await q.query(`CREATE INDEX jumio_call_transaction ON jumio_call (transaction_id, id)`);
    await q.query(`CREATE INDEX jumio_call_at ON jumio_call (at)`);
    await q.query(`
      CREATE TABLE stored_medium (
        transaction_id bigint NOT NULL REFERENCES tracked_transaction(id) ON DELETE CASCADE,
        name text NOT NULL,
        content_type text NOT NULL,
        byte_size integer NOT NULL,
        sha256 text NOT NULL,
        content bytea NOT NULL,
        stored_at timestamptz NOT NULL,
        PRIMARY KEY (transaction_id, name)
      )`);
    // xid records the writing transaction, so the feed can tell which positions can no longer be filled in
    // by a transaction that is still running (see ChangeFeed).
    await q.query(`
      CREATE TABLE change_event (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
        kind text NOT NULL,
        reference uuid NOT NULL,
        type text NOT NULL,
        at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX change_event_position ON change_event (xid, id)`);
    await q.query(`
      CREATE TABLE jumio_rate_slot (
        bucket text PRIMARY KEY,
        next_free_at timestamptz NOT NULL
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE jumio_rate_slot`);
    await q.query(`DROP TABLE change_event`);
    await q.query(`DROP TABLE stored_medium`);
    await q.query(`DROP TABLE jumio_call`);
    await q.query(`DROP TABLE tracked_transaction`);
  }
}
