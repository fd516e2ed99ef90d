import type { TrackingRecord } from '../domain/tracking-state-machine.js';
import type { TrackedTransactionEntity } from './tracked-transaction.entity.js';

/** The fields of a stored row the state machine reads (timestamps as Dates, whatever the driver returned). */
export function trackingRecordOf(row: TrackedTransactionEntity): TrackingRecord {
  return {
    state: row.state,
    status: row.status,
    acquiredAt: new Date(row.acquiredAt),
    callbackDeadline: new Date(row.callbackDeadline),
    callbackReceivedAt: row.callbackReceivedAt ? new Date(row.callbackReceivedAt) : null,
    reconcileStartedAt: row.reconcileStartedAt,
    attempts: row.attempts,
    lastAttemptAt: row.lastAttemptAt ? new Date(row.lastAttemptAt) : null,
    retryAfterUntil: row.retryAfterUntil ? new Date(row.retryAfterUntil) : null,
  };
}
