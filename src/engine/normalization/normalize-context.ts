import type { Kind } from '../../common/kinds.js';
import type { NormalizeContext } from '../domain/product-contracts.js';

/** Where the service serves a stored medium: the view's media links and the normalized result's point here. */
export function mediaHref(kind: Kind, reference: string, name: string): string {
  return `/v1/${kind}/${reference}/media/${encodeURIComponent(name)}`;
}

/** What a product's normalizer is told about the transaction it reads: whose media links to write. */
export function normalizeContextOf(kind: Kind, reference: string): NormalizeContext {
  return { kind, reference, mediaHref: (name: string) => mediaHref(kind, reference, name) };
}
