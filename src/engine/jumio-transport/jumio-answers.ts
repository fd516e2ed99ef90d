import type { AxiosResponse } from 'axios';
import type { MediumClass } from '../domain/product-contracts.js';

/** What each class of medium asks for, and what it accepts. */
export const ACCEPT_BY_CLASS: Record<MediumClass, string> = {
  image: 'image/jpeg, image/png',
  facemap: 'application/octet-stream, */*',
  pdf: 'application/pdf',
};
export const CONTENT_TYPES_BY_CLASS: Record<MediumClass, RegExp> = {
  image: /^image\/(jpeg|png)$/,
  facemap: /^(application\/octet-stream|application\/x-facemap|binary\/octet-stream)$/,
  pdf: /^application\/pdf$/,
};

/** The media type of an answer, lower case, without parameters ('' when absent). */
export function contentTypeOf(response: AxiosResponse): string {
  return String(response.headers?.['content-type'] ?? '')
    .split(';')[0]
    .trim()
    .toLowerCase();
}

/**
 * Why a complete-looking body is short of its Content-Length, or null. (Node and axios already fail a body whose
 * connection closes early: this is the second line.) A body that arrived content-encoded and was decoded is
 * not compared: its Content-Length counts the encoded bytes.
 */
export function truncation(response: AxiosResponse, received: number): string | null {
  const declared = Number(response.headers?.['content-length']);
  if (!Number.isFinite(declared) || declared === received) return null;
  const raw: unknown = (response.request as { res?: { rawHeaders?: unknown } } | undefined)?.res?.rawHeaders;
  if (Array.isArray(raw)) {
    for (let i = 0; i + 1 < raw.length; i += 2) {
      if (
        String(raw[i]).toLowerCase() === 'content-encoding' &&
        String(raw[i + 1])
          .trim()
          .toLowerCase() !== 'identity'
      )
        return null;
    }
  }
  return `truncated body: ${received} of ${declared} bytes`;
}
