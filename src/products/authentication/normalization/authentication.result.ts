/** Jumio's `transactionResult` values; the first two are not final. */
export const AUTHENTICATION_RESULTS = ['CREATED', 'STARTED', 'PASSED', 'FAILED', 'INVALID', 'EXPIRED'] as const;
export type AuthenticationTransactionResult = (typeof AUTHENTICATION_RESULTS)[number];

/** The normalized `result` of an authentication (`/authentications/{ref}`). */
export interface AuthenticationResult {
  /** `PASSED`, `FAILED`, `INVALID`, `EXPIRED` (or `CREATED`/`STARTED`, or what Jumio sent); `null` when absent. */
  transactionResult: unknown;
  enrollmentTransactionReference: unknown;
  /** ISO-8601 UTC with `Z` (Jumio's zone-less value read as UTC); an unparseable value is kept; `null` when absent. */
  transactionDate: unknown;
  /** `SDK`, `WEB`, or what Jumio sent; `null` when absent. */
  scanSource: unknown;
  userReference: unknown;
  /** Fields Jumio sent that the service does not know, as they came. Omitted when empty. */
  extra?: Record<string, unknown>;
}
