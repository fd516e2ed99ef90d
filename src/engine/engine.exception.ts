/** The engine's refusals, by code; the HTTP layer maps each code to a status with an exhaustive switch. */
export type EngineExceptionCode =
  'TRANSACTION_NOT_TRACKED' | 'MEDIUM_NOT_FOUND' | 'TRACKING_CONFLICT' | 'INVALID_REQUEST' | 'TRANSACTION_FINAL';

export class EngineException extends Error {
  constructor(
    readonly code: EngineExceptionCode,
    readonly messages: string[],
  ) {
    super(messages.join('; '));
    this.name = 'EngineException';
  }
}

export function httpStatusOf(code: EngineExceptionCode): number {
  switch (code) {
    case 'TRANSACTION_NOT_TRACKED':
    case 'MEDIUM_NOT_FOUND':
      return 404;
    case 'TRACKING_CONFLICT':
    case 'TRANSACTION_FINAL':
      return 409;
    case 'INVALID_REQUEST':
      return 400;
    default: {
      const unreachable: never = code;
      throw new Error(`unmapped engine exception code ${String(unreachable)}`);
    }
  }
}
