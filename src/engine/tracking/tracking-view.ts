import type { Kind } from '../../common/kinds.js';
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
  };
  result: Record<string, unknown> | null;
  media: { name: string; contentType: string; bytes: number; href: string }[];
  retrievedAt: string | null;
  updatedAt: string;
}

const iso = (d: Date | string | null): string | null => (d === null ? null : new Date(d).toISOString());

/**
 * The contract's view, the same for every kind. `nextAttemptAt` is the next status call or retrieval step;
 * while the service still waits for the callback there is none planned yet (the deadline is shown instead).
 */
export function toView(row: TrackedTransactionEntity, media: readonly ViewMedium[]): TrackingView {
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
      nextAttemptAt: row.state === 'RECONCILING' ? iso(row.nextAttemptAt) : null,
      lastError: row.lastError,
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
