import type { EngineExceptionCode } from '../engine/engine.exception.js';

/** The HTTP status of each engine refusal; exhaustive, so a new code does not compile until it is mapped. */
export function httpStatusOf(code: EngineExceptionCode): number {
  switch (code) {
    case 'TRANSACTION_NOT_TRACKED':
    case 'MEDIUM_NOT_FOUND':
      return 404;
    case 'TRACKING_CONFLICT':
    case 'TRANSACTION_FINAL':
    case 'ACCOUNT_PAUSED':
    case 'JUMIO_DELETION_REFUSED':
      return 409;
    case 'INVALID_REQUEST':
      return 400;
    case 'DATA_UNREADABLE':
      return 503;
    default: {
      const unreachable: never = code;
      throw new Error(`unmapped engine exception code ${String(unreachable)}`);
    }
  }
}
