import type { MediaRef } from './product-contracts.js';

/**
 * What became of one medium Jumio listed. `STORED` and `REFUSED` are final (never fetched again);
 * `null` means still to fetch. REFUSED covers what Jumio's rules or ours forbid retrying: an href on another
 * host, a 403 on an unmasked card page, a 404 for a listed medium, a medium over the size limit.
 */
export interface MediaPlanEntry extends MediaRef {
  outcome: 'STORED' | 'REFUSED' | null;
  reason: string | null;
  /** Failed tries so far; after MAX_MEDIUM_FAILURES the medium is REFUSED rather than fetched for 30 days. */
  failures?: number;
}

export const MAX_MEDIUM_FAILURES = 5;
