import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { Datacenter, Kind } from '../../common/kinds.js';
import type { TrackingState, ViewStatus } from '../domain/states.js';
import type { MediaPlanEntry } from '../domain/media-plan.js';

/** One transaction a product backend asked the service to track; the reconciler's unit of work. */
@Entity({ name: 'tracked_transaction' })
export class TrackedTransactionEntity {
  @PrimaryColumn({ type: 'bigint', generated: 'identity' }) id: string;
  @Column({ type: 'text' }) kind: Kind;
  @Column({ type: 'uuid' }) reference: string;
  @Column({ type: 'text' }) datacenter: Datacenter;
  /** The Jumio account whose credentials and ceiling its calls use (with `datacenter`, the pair). */
  @Column({ type: 'text' }) account: string;
  /** The backend named the account (a callback's `?account=` does not replace it); false: defaulted. */
  @Column({ name: 'account_explicit', type: 'boolean', default: false }) accountExplicit: boolean;
  /** Consecutive calls that never reached Jumio (DNS, refused, TLS, proxy): their back-off doubles with it. */
  @Column({ name: 'unreached_failures', type: 'integer', default: 0 }) unreachedFailures: number;
  @Column({ name: 'merchant_reference', type: 'text', nullable: true }) merchantReference: string | null;
  @Column({ name: 'customer_reference', type: 'text', nullable: true }) customerReference: string | null;
  @Column({ name: 'acquired_at', type: 'timestamptz' }) acquiredAt: Date;
  @Column({ name: 'callback_grace_seconds', type: 'integer' }) callbackGraceSeconds: number;
  @Column({ name: 'callback_deadline', type: 'timestamptz' }) callbackDeadline: Date;
  @Column({ type: 'text' }) state: TrackingState;
  @Column({ type: 'text' }) status: ViewStatus;
  @Column({ name: 'jumio_status_raw', type: 'text', nullable: true }) jumioStatusRaw: string | null;
  @Column({ name: 'callback_received_at', type: 'timestamptz', nullable: true }) callbackReceivedAt: Date | null;
  @Column({ name: 'reconcile_started_at', type: 'timestamptz', nullable: true }) reconcileStartedAt: Date | null;
  @Column({ type: 'integer' }) attempts: number;
  @Column({ name: 'last_attempt_at', type: 'timestamptz', nullable: true }) lastAttemptAt: Date | null;
  @Column({ name: 'next_attempt_at', type: 'timestamptz', nullable: true }) nextAttemptAt: Date | null;
  @Column({ name: 'retry_after_until', type: 'timestamptz', nullable: true }) retryAfterUntil: Date | null;
  @Column({ name: 'last_error', type: 'text', nullable: true }) lastError: string | null;
  @Column({ name: 'lease_owner', type: 'text', nullable: true }) leaseOwner: string | null;
  @Column({ name: 'lease_expires_at', type: 'timestamptz', nullable: true }) leaseExpiresAt: Date | null;
  @Column({ name: 'raw_status', type: 'jsonb', nullable: true }) rawStatus: unknown;
  @Column({ name: 'raw_details', type: 'jsonb', nullable: true }) rawDetails: unknown;
  @Column({ name: 'raw_media_list', type: 'jsonb', nullable: true }) rawMediaList: unknown;
  @Column({ name: 'media_plan', type: 'jsonb', nullable: true }) mediaPlan: MediaPlanEntry[] | null;
  @Column({ type: 'jsonb', nullable: true }) result: Record<string, unknown> | null;
  /** The fields of Jumio's callback, when it came to this service directly, as Jumio sent them. */
  @Column({ name: 'raw_callback', type: 'jsonb', nullable: true }) rawCallback: Record<string, string> | null;
  /** Tracked because a callback arrived for it, not by a backend: the first backend to track it sets its fields. */
  @Column({ name: 'started_by_callback', type: 'boolean', default: false }) startedByCallback: boolean;
  /** Filled from a callback that lacks what the product's CallbackCompletion adds; one details call to go. */
  /** The W3C traceparent of the request that started tracking it (tracing on): later spans link to it. */
  @Column({ name: 'started_by_trace', type: 'text', nullable: true }) startedByTrace: string | null;
  @Column({ name: 'callback_completion_pending', type: 'boolean', default: false }) callbackCompletionPending: boolean;
  @Column({ name: 'retrieved_at', type: 'timestamptz', nullable: true }) retrievedAt: Date | null;
  @Column({ name: 'purged_at', type: 'timestamptz', nullable: true }) purgedAt: Date | null;
  /** An admin's forced attempt: the key's name, read and cleared by the next claim (see claimDue). */
  @Column({ name: 'forced_by', type: 'text', nullable: true }) forcedByKey: string | null;
  @Column({ name: 'forced_at', type: 'timestamptz', nullable: true }) forcedAt: Date | null;
  /** When personal data was first stored: retention counts from here. */
  @Column({ name: 'personal_data_at', type: 'timestamptz', nullable: true }) personalDataAt: Date | null;
  /** Delete it at Jumio once everything is stored (see retrieval-rules.md, "Deleting at Jumio"). */
  @Column({ name: 'delete_at_jumio', type: 'boolean', default: false }) deleteAtJumio: boolean;
  /** The deletion at Jumio fell due; pending while jumioDeletedAt is null (next_attempt_at: when it is sent). */
  @Column({ name: 'jumio_deletion_requested_at', type: 'timestamptz', nullable: true })
  jumioDeletionRequestedAt: Date | null;
  /** Jumio answered the delete 200 (or 404: already gone). */
  @Column({ name: 'jumio_deleted_at', type: 'timestamptz', nullable: true }) jumioDeletedAt: Date | null;
  @Column({ name: 'jumio_deletion_error', type: 'text', nullable: true }) jumioDeletionError: string | null;
  /** Failed deletes in a row: the back-off doubles with it. */
  @Column({ name: 'jumio_deletion_failures', type: 'integer', default: 0 }) jumioDeletionFailures: number;
  /** An erasure asked for the delete: it is retried until done (otherwise until the maximum age). */
  @Column({ name: 'jumio_deletion_erasure', type: 'boolean', default: false }) jumioDeletionErasure: boolean;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
