import type { CallbackFields } from '../product-kit/callback-reader.js';

/** Jumio's callbacks are small; this leaves room for long addresses and many liveness links. */
export const MAX_CALLBACK_BODY_BYTES = 256 * 1024;

/** Why a body is not a callback at all (answered 400; the message never repeats the body). */
export class CallbackBodyError extends Error {}

export const NOT_A_FORM = 'a Jumio callback is sent as application/x-www-form-urlencoded';

/** Decodes a raw form body as UTF-8; anything that is not one is refused with CallbackBodyError. */
export function decodeCallbackBody(raw: unknown, contentType: string | undefined): string {
  if (!/^application\/x-www-form-urlencoded\s*(;|$)/i.test(contentType ?? '')) {
    throw new CallbackBodyError(NOT_A_FORM);
  }
  if (!Buffer.isBuffer(raw) || raw.length === 0) throw new CallbackBodyError('the callback body is empty');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch {
    throw new CallbackBodyError('the callback body is not valid UTF-8');
  }
}

/** The form's fields; the first value of a repeated name wins. */
export function parseCallbackForm(body: string): CallbackFields {
  const fields: CallbackFields = {};
  for (const [name, value] of new URLSearchParams(body)) {
    if (!Object.prototype.hasOwnProperty.call(fields, name))
      Object.defineProperty(fields, name, { value, enumerable: true, writable: true, configurable: true });
  }
  return fields;
}
