import type { Datacenter } from '../../common/kinds.js';

/** What a backend asks to track (`POST /v1/{kind}`), already validated by the HTTP layer's DTO. */
export interface TrackRequest {
  reference: string;
  /** ISO-8601; defaults to now. */
  acquiredAt?: string;
  datacenter?: Datacenter;
  /** A configured Jumio account of the data center; defaults to the data center's first. */
  account?: string;
  merchantReference?: string;
  customerReference?: string;
  callbackGraceSeconds?: number;
  /** Delete it at Jumio once everything is stored; defaults to JUMIO_DELETE_AFTER_RETRIEVAL. */
  deleteAtJumio?: boolean;
}

export const CALLBACK_OUTCOMES = ['RECEIVED', 'FAILED'] as const;
export type CallbackOutcomeReport = (typeof CALLBACK_OUTCOMES)[number];

/** A backend's word on Jumio's callback (`POST /v1/{kind}/{reference}/callback`). */
export interface CallbackReport {
  outcome: CallbackOutcomeReport;
  /** ISO-8601; defaults to now. */
  receivedAt?: string;
}
