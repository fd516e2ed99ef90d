import type { CallbackFields } from '../product-kit/callback-reader.js';

/** The form's fields; the first value of a repeated name wins. */
export function parseCallbackForm(body: string): CallbackFields {
  const fields: CallbackFields = {};
  for (const [name, value] of new URLSearchParams(body)) {
    if (!Object.prototype.hasOwnProperty.call(fields, name))
      Object.defineProperty(fields, name, { value, enumerable: true, writable: true, configurable: true });
  }
  return fields;
}
