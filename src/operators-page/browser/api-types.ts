/**
 * What the admin API answers, as the page reads it (docs/internal-api.md). The page is a client of its own, in the
 * browser, that knows the service only through HTTP: these are the contract's shapes, not the engine's types (which
 * it may not import). Fields of later issues are optional.
 */

export const KINDS = ['id-verifications', 'document-verifications', 'authentications'] as const;
export type Kind = (typeof KINDS)[number];

export const TRACKING_STATES = [
  'AWAITING_CALLBACK',
  'CALLBACK_RECEIVED',
  'RECONCILING',
  'RETRIEVED',
  'NOT_FOUND',
  'EXHAUSTED',
  'PURGED',
] as const;
export const VIEW_STATUSES = ['UNKNOWN', 'PENDING', 'DONE', 'FAILED', 'NOT_FOUND'] as const;

export interface JumioCallCount {
  kind?: string;
  endpoint: string;
  httpStatus: number | null;
  count: number;
}

export interface AccountStats {
  name: string;
  datacenter: string;
  ceilingPerSecond: number;
  state: string;
  since: string | null;
  callsLastMinute: number;
  /** Absent from a service that does not count due calls yet. */
  dueCalls?: number;
  etaSeconds?: number | null;
}

export interface AdminStats {
  states: Record<string, Record<string, number>>;
  dueNow: number;
  oldestOverdue: { kind: string; reference: string; dueAt: string; lateSeconds: number } | null;
  jumioCalls: JumioCallCount[];
  /** Jumio accounts (issue 15): absent until the service has them. */
  accounts?: AccountStats[];
  /** The key new values are encrypted with, and how many stored values each key encrypts. */
  encryption?: { activeKeyId: string; valuesByKeyId: Record<string, number> };
}

export interface JumioDeletion {
  requestedAt: string | null;
  deletedAt: string | null;
  lastError: string | null;
}

export interface TransactionView {
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
    account?: string;
    /** Deleting at Jumio (issue 16): the property exists once the service can delete at Jumio. */
    jumioDeletion?: JumioDeletion | null;
  };
  result: Record<string, unknown> | null;
  media: { name: string; contentType: string; bytes: number; href: string }[];
  retrievedAt: string | null;
  updatedAt: string;
}

export interface TransactionPage {
  items: TransactionView[];
  next: string | null;
}

export interface Attempt {
  at: string;
  endpoint: string;
  callType: string;
  httpStatus: number | null;
  durationMs: number;
  outcome: string;
  error: string | null;
  countsAsAttempt: boolean;
  actor: string | null;
}

export interface TransactionEvent {
  id: string;
  type: string;
  at: string;
}
