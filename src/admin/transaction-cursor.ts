import { createHash } from 'node:crypto';
import { EngineException } from '../engine/engine.exception.js';
import type { ListPosition, TransactionFilter } from '../engine/persistence/transaction-reports.js';

/**
 * The admin list's cursor: opaque to clients, it carries the last row's position (created_at to the microsecond,
 * id) and a short digest of the filters it was made for, so a cursor reused with other filters is refused
 * instead of silently paging another result set.
 */
const FORMAT = /^v1\.([0-9a-f]{12})\.(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z)\.(\d{1,19})$/;
const MAX_BIGINT = 2n ** 63n - 1n;

export function filterDigest(filter: TransactionFilter): string {
  const canonical = JSON.stringify([
    filter.kind ?? null,
    filter.state ?? null,
    filter.status ?? null,
    filter.customerReference ?? null,
    filter.merchantReference ?? null,
    filter.createdFrom?.toISOString() ?? null,
    filter.createdTo?.toISOString() ?? null,
    // Last and only when given, so cursors made before the account filter existed stay valid.
    ...(filter.account !== undefined ? [filter.account] : []),
  ]);
  return createHash('sha256').update(canonical).digest('hex').slice(0, 12);
}

export function encodeListCursor(position: ListPosition, filter: TransactionFilter): string {
  return Buffer.from(`v1.${filterDigest(filter)}.${position.createdAt}.${position.id}`, 'utf8').toString('base64url');
}

export function decodeListCursor(cursor: string, filter: TransactionFilter): ListPosition {
  const decoded = /^[A-Za-z0-9_-]{1,120}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const match = FORMAT.exec(decoded);
  if (!match || BigInt(match[3]) > MAX_BIGINT || !isRealInstant(match[2])) {
    throw new EngineException('INVALID_REQUEST', [
      'cursor must be a value returned as "next" by GET /v1/admin/transactions',
    ]);
  }
  if (match[1] !== filterDigest(filter)) {
    throw new EngineException('INVALID_REQUEST', [
      'cursor belongs to a query with other filters: pass the same kind, state, status, customerReference, merchantReference, account, createdFrom and createdTo as the first page',
    ]);
  }
  return { createdAt: match[2], id: match[3] };
}

/** A calendar-valid instant PostgreSQL reads as it is (no 30 February, no 24:00, no year 0). */
function isRealInstant(iso: string): boolean {
  const ms = `${iso.slice(0, 23)}Z`;
  const parsed = Date.parse(ms);
  return !Number.isNaN(parsed) && parsed >= 0 && new Date(parsed).toISOString() === ms;
}
