import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 16, deleting at Jumio (retrieval-rules.md, "Deleting at Jumio"): a transaction may be deleted at Jumio once
 * everything the service keeps of it is stored, or by an erasure whatever its state.
 *
 * - delete_at_jumio: the deletion is wanted (JUMIO_DELETE_AFTER_RETRIEVAL, the track request's `deleteAtJumio`, an
 *   admin's delete-at-jumio, an erasure `?atJumio=true`); it falls due once everything is stored.
 * - jumio_deletion_requested_at: when it fell due (the view's `jumioDeletion.requestedAt`); while
 *   jumio_deleted_at is NULL the delete is pending, and next_attempt_at says when it is sent (or retried).
 * - jumio_deleted_at: Jumio answered 200 (or 404: already gone).
 * - jumio_deletion_error, jumio_deletion_failures: the last failure while it is retried, and how many in a row
 *   (the back-off doubles with it).
 * - jumio_deletion_erasure: an erasure asked for it, so it is retried until done (otherwise until the maximum age).
 */
export class JumioDeletion1764230000000 implements MigrationInterface {
  name = 'JumioDeletion1764230000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE tracked_transaction
        ADD COLUMN delete_at_jumio boolean NOT NULL DEFAULT false,
        ADD COLUMN jumio_deletion_requested_at timestamptz,
        ADD COLUMN jumio_deleted_at timestamptz,
        ADD COLUMN jumio_deletion_error text,
        ADD COLUMN jumio_deletion_failures integer NOT NULL DEFAULT 0,
        ADD COLUMN jumio_deletion_erasure boolean NOT NULL DEFAULT false`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE tracked_transaction
        DROP COLUMN jumio_deletion_erasure,
        DROP COLUMN jumio_deletion_failures,
        DROP COLUMN jumio_deletion_error,
        DROP COLUMN jumio_deleted_at,
        DROP COLUMN jumio_deletion_requested_at,
        DROP COLUMN delete_at_jumio`);
  }
}
