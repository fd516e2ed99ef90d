import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

/** A pending delete at Jumio, in SQL (deletionPending): it fell due and Jumio has not answered it 200 or 404. */
export const DELETION_PENDING_SQL = 'jumio_deletion_requested_at IS NOT NULL AND jumio_deleted_at IS NULL';

/**
 * How a write outside any claim drops the claim: unless a delete at Jumio is pending under a lease still running
 * (its holder may be about to send it; another replica taking the row at once would send it a second time).
 */
export const DROP_LEASE_SQL = `lease_owner = CASE WHEN ${DELETION_PENDING_SQL} AND lease_expires_at > clock_timestamp() THEN lease_owner END,
       lease_expires_at = CASE WHEN ${DELETION_PENDING_SQL} AND lease_expires_at > clock_timestamp() THEN lease_expires_at END`;

/** The writes of a deletion at Jumio made outside a claim (an erasure's); the claim's own go through StepSaves. */
@Injectable()
export class JumioDeletionSaves {
  /**
   * An erasure `?atJumio=true` on a locked row (in the purge's transaction): the delete is wanted and due now,
   * whatever the state, and retried until done. Nothing when Jumio already deleted it.
   */
  async requestNow(m: EntityManager, id: string, now: Date): Promise<void> {
    await m.query(
      `UPDATE tracked_transaction
          SET delete_at_jumio = true, jumio_deletion_erasure = true,
              jumio_deletion_requested_at = coalesce(jumio_deletion_requested_at, $2),
              jumio_deletion_error = NULL, jumio_deletion_failures = 0, next_attempt_at = $2, updated_at = $2
        WHERE id = $1 AND jumio_deleted_at IS NULL`,
      [id, now],
    );
  }
}
