import type { Kind } from '../../common/kinds.js';

/**
 * What a product's normalizer reads off a status answer. `final` decides whether details and media may be
 * fetched (Jumio's rule 1); `status` is the view's word; `raw` is what Jumio sent, kept for the attempt log.
 */
export interface StatusVerdict {
  final: boolean;
  status: 'PENDING' | 'DONE' | 'FAILED';
  raw: string;
}

/** What a medium is, so the engine knows what to ask for and what to accept. */
export type MediumClass = 'image' | 'facemap' | 'pdf';

/** One medium Jumio listed for a transaction, with Jumio's own href (never shown in a view). */
export interface MediaRef {
  /** The contract's name: front, back, face, liveness-<n>, facemap, page-<classifier>, original. */
  name: string;
  href: string;
  mediumClass: MediumClass;
}

/** Context a normalizer may need to write the service's own links instead of Jumio's (rule 6). */
export interface NormalizeContext {
  kind: Kind;
  reference: string;
  /** The service's href of a stored medium, e.g. `/v1/document-verifications/{ref}/media/original`. */
  mediaHref(name: string): string;
}

/**
 * Thrown by a normalizer when a Jumio payload is not what the guide promises (not an object, a required
 * field missing or of the wrong type). The message names the field and what was wrong, and never carries
 * values from the payload (they may be personal data).
 */
export class JumioPayloadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JumioPayloadError';
  }
}
