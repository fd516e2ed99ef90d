/** Jumio's lifecycle as the view shows it, the same words for every kind. */
export const VIEW_STATUSES = ['PENDING', 'DONE', 'FAILED', 'NOT_FOUND', 'UNKNOWN'] as const;
export type ViewStatus = (typeof VIEW_STATUSES)[number];

export const TRACKING_STATES = [
  'AWAITING_CALLBACK',
  'CALLBACK_RECEIVED',
  'RECONCILING',
  'RETRIEVED',
  'NOT_FOUND',
  'EXHAUSTED',
  'PURGED',
] as const;
export type TrackingState = (typeof TRACKING_STATES)[number];
