/** The engine's refusals, by code; the HTTP layer maps each code to a status (src/http/engine-exception-status.ts). */
export type EngineExceptionCode =
  | 'TRANSACTION_NOT_TRACKED'
  | 'MEDIUM_NOT_FOUND'
  | 'TRACKING_CONFLICT'
  | 'INVALID_REQUEST'
  | 'TRANSACTION_FINAL'
  /** The transaction's Jumio account is paused: Jumio rejected its credentials. */
  | 'ACCOUNT_PAUSED'
  /** A delete at Jumio of a transaction already deleted there, or never found there. */
  | 'JUMIO_DELETION_REFUSED'
  /** Stored data this deployment cannot decrypt (a key missing from DATA_ENCRYPTION_KEYS). */
  | 'DATA_UNREADABLE';

export class EngineException extends Error {
  constructor(
    readonly code: EngineExceptionCode,
    readonly messages: string[],
  ) {
    super(messages.join('; '));
    this.name = 'EngineException';
  }
}
