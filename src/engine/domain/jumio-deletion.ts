import type { TrackingState } from './states.js';
import { expiryOf, type RetrievalSchedule } from './retrieval-schedule.js';
import type { EventType } from './tracking-state-machine.js';

/** The fields of a deletion at Jumio (retrieval-rules.md, "Deleting at Jumio"). */
export interface JumioDeletionFields {
  deleteAtJumio: boolean;
  jumioDeletionRequestedAt: Date | null;
  jumioDeletedAt: Date | null;
  jumioDeletionError: string | null;
  jumioDeletionFailures: number;
  /** An erasure asked for it: retried until done. */
  jumioDeletionErasure: boolean;
}

/** What a deletion's transitions write: its own fields and when the row is due next. */
export type JumioDeletionPatch = Partial<JumioDeletionFields> & { nextAttemptAt?: Date | null };

/** The first retry of a failed delete; each further failure doubles it, up to MAX_DELETE_BACKOFF_MS. */
export const FIRST_DELETE_BACKOFF_MS = 10_000;
export const MAX_DELETE_BACKOFF_MS = 3_600_000;

/** The delete fell due and Jumio has not answered it 200 or 404 yet. */
export function deletionPending(
  row: Pick<JumioDeletionFields, 'jumioDeletionRequestedAt' | 'jumioDeletedAt'>,
): boolean {
  return row.jumioDeletionRequestedAt != null && row.jumioDeletedAt == null;
}

/**
 * Everything the service keeps of the transaction is stored: a wanted delete falls due now (sent by the next
 * claim). Nothing when it is not wanted, already due or done.
 */
export function onEverythingStored(row: JumioDeletionFields, now: Date): JumioDeletionPatch {
  if (!row.deleteAtJumio || row.jumioDeletedAt != null || row.jumioDeletionRequestedAt != null) return {};
  return { jumioDeletionRequestedAt: now, nextAttemptAt: now };
}

/** Jumio answered 200 (deleted) or 404 (already gone): done, nothing more is scheduled. */
export function onJumioDeleted(now: Date): { patch: JumioDeletionPatch; events: EventType[] } {
  return {
    patch: { jumioDeletedAt: now, jumioDeletionError: null, jumioDeletionFailures: 0, nextAttemptAt: null },
    events: ['JUMIO_DELETED'],
  };
}

/**
 * A delete that failed is retried after a back-off doubling from FIRST_DELETE_BACKOFF_MS to an hour (never sooner
 * than a Retry-After, capped at an hour too): for an erasure until done, otherwise until the maximum age counted
 * from when the delete fell due, when it is given up (the error says so).
 */
export function onDeleteFailed(
  row: JumioDeletionFields,
  failure: { error: string; retryAfterMs: number | null },
  now: Date,
  schedule: RetrievalSchedule,
): JumioDeletionPatch {
  const failures = row.jumioDeletionFailures + 1;
  const backOff = Math.min(FIRST_DELETE_BACKOFF_MS * 2 ** Math.min(failures - 1, 20), MAX_DELETE_BACKOFF_MS);
  const delay = Math.max(backOff, Math.min(failure.retryAfterMs ?? 0, MAX_DELETE_BACKOFF_MS));
  const next = new Date(now.getTime() + delay);
  const requested = row.jumioDeletionRequestedAt ?? now;
  if (!row.jumioDeletionErasure && next.getTime() >= expiryOf(schedule, requested).getTime()) {
    const error = `gave up deleting at Jumio: the maximum age passed; last failure: ${failure.error}`;
    return { jumioDeletionFailures: failures, jumioDeletionError: error, nextAttemptAt: null };
  }
  return { jumioDeletionFailures: failures, jumioDeletionError: failure.error, nextAttemptAt: next };
}

/**
 * An admin asks for the delete at Jumio without purging (store-first): due now when everything the service keeps
 * is stored (RETRIEVED, a callback's media stored, a callback a backend reported itself, which stores nothing, or
 * PURGED), otherwise wanted and due once that is so; nothing new while already due (one given up starts again).
 * A string: refused, and why.
 */
export function onDeleteAtJumioAsked(
  row: JumioDeletionFields & {
    state: TrackingState;
    retrievedAt: Date | null;
    result: unknown;
    nextAttemptAt: Date | null;
  },
  now: Date,
): JumioDeletionPatch | null | string {
  if (row.jumioDeletedAt != null) return `already deleted at Jumio (${new Date(row.jumioDeletedAt).toISOString()})`;
  if (row.state === 'NOT_FOUND') return 'never found at Jumio: there is nothing to delete there';
  if (row.jumioDeletionRequestedAt != null && row.nextAttemptAt != null) return null;
  const stored =
    row.state === 'RETRIEVED' ||
    row.state === 'PURGED' ||
    (row.state === 'CALLBACK_RECEIVED' && (row.retrievedAt != null || row.result == null));
  if (!stored) return { deleteAtJumio: true };
  return { deleteAtJumio: true, jumioDeletionRequestedAt: now, jumioDeletionFailures: 0, nextAttemptAt: now };
}
