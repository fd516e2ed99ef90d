import type { Kind } from '../../common/kinds.js';
import type { AccountState } from '../accounts/account-states.js';
import { mediaHref } from '../normalization/normalize-context.js';
import type { TrackedTransactionEntity } from '../persistence/tracked-transaction.entity.js';
import type { ViewMedium } from '../persistence/tracked-transaction.repository.js';

export interface TrackingView {
  kind: Kind;
  reference: string;
  datacenter: string;
  merchantReference: string | null;
  customerReference: string | null;
  acquiredAt: string;
  status: string;
  tracking: {
    state: string;
    callbackDeadline: string;
    callbackReceivedAt: string | null;
    attempts: number;
    lastAttemptAt: string | null;
    nextAttemptAt: string | null;
    lastError: string | null;
    /** The Jumio account whose credentials its calls use. */
    account: string;
    /** null until a deletion at Jumio falls due (asked for, and everything stored). */
    jumioDeletion: { requestedAt: string; deletedAt: string | null; lastError: string | null } | null;
  };
  result: Record<string, unknown> | null;
  media: { name: string; contentType: string; bytes: number; href: string }[];
  retrievedAt: string | null;
  updatedAt: string;
}

const iso = (d: Date | string | null): string | null => (d === null ? null : new Date(d).toISOString());

/**
 * The contract's view, the same for every kind. `nextAttemptAt` is the next status call or retrieval step;
 * while the service still waits for the callback there is none planned yet (the deadline is shown instead). While
 * its account is paused (Jumio rejects the credentials) a transaction with work left has no next attempt, and
 * `lastError` says why.
 */
export function toView(
  row: TrackedTransactionEntity,
  media: readonly ViewMedium[],
  account: AccountState | null = null,
): TrackingView {
  const paused = account?.state === 'CREDENTIALS_REJECTED' && row.nextAttemptAt !== null;
  return {
    kind: row.kind,
    reference: row.reference,
    datacenter: row.datacenter,
    merchantReference: row.merchantReference,
    customerReference: row.customerReference,
    acquiredAt: iso(row.acquiredAt)!,
    status: row.status,
    tracking: {
      state: row.state,
      callbackDeadline: iso(row.callbackDeadline)!,
      callbackReceivedAt: iso(row.callbackReceivedAt),
      attempts: row.attempts,
      lastAttemptAt: iso(row.lastAttemptAt),
      nextAttemptAt: row.state === 'RECONCILING' && !paused ? iso(row.nextAttemptAt) : null,
      lastError: paused ? pausedError(row, account!) : row.lastError,
      account: row.account,
      jumioDeletion: row.jumioDeletionRequestedAt
        ? {
            requestedAt: iso(row.jumioDeletionRequestedAt)!,
            deletedAt: iso(row.jumioDeletedAt ?? null),
            lastError: row.jumioDeletionError ?? null,
          }
        : null,
    },
    result: row.result,
    media: media.map((m) => ({
      name: m.name,
      contentType: m.contentType,
      bytes: m.byteSize,
      href: mediaHref(row.kind, row.reference, m.name),
    })),
    retrievedAt: iso(row.retrievedAt),
    updatedAt: iso(row.updatedAt)!,
  };
}

function pausedError(row: TrackedTransactionEntity, account: AccountState): string {
  const since = account.since ? ` since ${account.since.toISOString()}` : '';
  return `paused: Jumio rejects the credentials of account ${row.account} (${row.datacenter})${since}; the work resumes once a probe is accepted`;
}
