import type { TrackingState, ViewStatus } from './states.js';
import { expiryOf, nextAttempt, type RetrievalSchedule } from './retrieval-schedule.js';

export const EVENT_TYPES = [
  'TRACKED',
  'CALLBACK_RECEIVED',
  'CALLBACK_MISSED',
  'RETRIEVED',
  'NOT_FOUND',
  'EXHAUSTED',
  'PERSONAL_DATA_PURGED',
  'MEDIA_STORED',
  'RESULT_STORED',
  'JUMIO_DELETED',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** The fields the state machine reads. */
export interface TrackingRecord {
  state: TrackingState;
  status: ViewStatus;
  acquiredAt: Date;
  callbackDeadline: Date;
  callbackReceivedAt: Date | null;
  reconcileStartedAt: Date | null;
  attempts: number;
  lastAttemptAt: Date | null;
  retryAfterUntil: Date | null;
}

/** The fields a transition may change. */
export interface TrackingPatch {
  state?: TrackingState;
  status?: ViewStatus;
  jumioStatusRaw?: string | null;
  callbackReceivedAt?: Date | null;
  reconcileStartedAt?: Date | null;
  attempts?: number;
  lastAttemptAt?: Date | null;
  nextAttemptAt?: Date | null;
  retryAfterUntil?: Date | null;
  lastError?: string | null;
  retrievedAt?: Date | null;
  purgedAt?: Date | null;
}

export interface Transition {
  patch: TrackingPatch;
  events: EventType[];
}

const NO_CHANGE: Transition = { patch: {}, events: [] };

/** The states from which each state may be entered; anything else is a bug the engine refuses. */
export const ALLOWED_TRANSITIONS: Record<TrackingState, readonly TrackingState[]> = {
  AWAITING_CALLBACK: [],
  // NOT_FOUND and EXHAUSTED are the service's conclusions; Jumio's own callback, arriving later, overrules them.
  CALLBACK_RECEIVED: ['AWAITING_CALLBACK', 'RECONCILING', 'NOT_FOUND', 'EXHAUSTED'],
  RECONCILING: ['AWAITING_CALLBACK', 'CALLBACK_RECEIVED'],
  RETRIEVED: ['RECONCILING'],
  NOT_FOUND: ['RECONCILING'],
  EXHAUSTED: ['RECONCILING'],
  PURGED: ['AWAITING_CALLBACK', 'CALLBACK_RECEIVED', 'RECONCILING', 'RETRIEVED', 'NOT_FOUND', 'EXHAUSTED'],
};

export function canTransition(from: TrackingState, to: TrackingState): boolean {
  return from === to || ALLOWED_TRANSITIONS[to].includes(from);
}

export const FINAL_STATES: readonly TrackingState[] = ['RETRIEVED', 'NOT_FOUND', 'EXHAUSTED', 'PURGED'];

/** The first status call is due at the schedule's first offset, or at once when reconciliation starts later. */
function planFromHistory(schedule: RetrievalSchedule, rec: TrackingRecord, notBefore: Date): TrackingPatch {
  const next = nextAttempt(schedule, {
    acquiredAt: rec.acquiredAt,
    attemptsMade: rec.attempts,
    lastAttemptAt: rec.lastAttemptAt,
    notBefore,
    retryAfterUntil: rec.retryAfterUntil,
  });
  return { nextAttemptAt: next.at };
}

/** A new record: waits for the callback until its deadline, when the reconciler wakes it. */
export function initialPlan(callbackDeadline: Date): TrackingPatch {
  return { state: 'AWAITING_CALLBACK', status: 'UNKNOWN', nextAttemptAt: callbackDeadline };
}

/** The deadline passed with no report: the callback is missed and reconciliation starts. */
export function onCallbackDeadline(rec: TrackingRecord, now: Date, schedule: RetrievalSchedule): Transition {
  if (rec.state !== 'AWAITING_CALLBACK') return NO_CHANGE;
  return {
    patch: { state: 'RECONCILING', reconcileStartedAt: now, ...planFromHistory(schedule, rec, now) },
    events: ['CALLBACK_MISSED'],
  };
}

/**
 * A product backend reports the callback's fate. RECEIVED ends tracking (data already retrieved is kept);
 * FAILED starts reconciliation now: the first status call at once (no waiting for the grace period or the first
 * offset), a later one no sooner than Jumio's spacing and any Retry-After allow. Reporting the same outcome
 * again changes nothing.
 */
export function onCallbackReported(
  rec: TrackingRecord & { hasResult?: boolean },
  outcome: 'RECEIVED' | 'FAILED',
  receivedAt: Date,
  now: Date,
  schedule: RetrievalSchedule,
): Transition {
  if (outcome === 'RECEIVED') {
    const firstReport = rec.callbackReceivedAt === null;
    const patch: TrackingPatch = firstReport ? { callbackReceivedAt: receivedAt } : {};
    if (rec.state === 'AWAITING_CALLBACK' || rec.state === 'RECONCILING') {
      Object.assign(patch, { state: 'CALLBACK_RECEIVED', nextAttemptAt: null });
    }
    return { patch, events: firstReport ? ['CALLBACK_RECEIVED'] : [] };
  }
  // A transaction filled from Jumio's own callback has nothing missing: a backend's FAILED changes nothing.
  if (rec.state === 'CALLBACK_RECEIVED' && rec.hasResult) return NO_CHANGE;
  if (rec.state === 'AWAITING_CALLBACK' || rec.state === 'CALLBACK_RECEIVED') {
    const first = new Date(Math.max(now.getTime(), rec.retryAfterUntil?.getTime() ?? 0));
    const plan = rec.attempts === 0 ? { nextAttemptAt: first } : planFromHistory(schedule, rec, now);
    return { patch: { state: 'RECONCILING', reconcileStartedAt: now, ...plan }, events: ['CALLBACK_MISSED'] };
  }
  return NO_CHANGE;
}

/**
 * Jumio's callback reached this service directly (POST /callbacks/jumio/{kind}) with a final status. The view
 * is filled from it (`fill`) unless Jumio's data is already stored (a retrieval got there first, or an earlier
 * callback): the two are the same transaction's data, and keeping what is stored leaves one consistent result.
 * The transaction becomes CALLBACK_RECEIVED (a RETRIEVED one stays RETRIEVED: everything is stored) and its media
 * are fetched at once (`nextAttemptAt` now; the worker finds nothing to do when they are all stored). A PURGED
 * transaction takes nothing back. The same callback again changes nothing.
 */
export function onCallbackArrived(
  rec: TrackingRecord & { hasResult: boolean },
  verdict: { status: 'DONE' | 'FAILED'; raw: string },
  receivedAt: Date,
  now: Date,
): Transition & { fill: boolean } {
  const firstReport = rec.callbackReceivedAt === null;
  const received: TrackingPatch = firstReport ? { callbackReceivedAt: receivedAt } : {};
  const events: EventType[] = firstReport ? ['CALLBACK_RECEIVED'] : [];
  if (rec.state === 'PURGED') return { ...NO_CHANGE, fill: false };
  if (rec.state === 'RETRIEVED') return { patch: received, events, fill: false };
  if (rec.state === 'CALLBACK_RECEIVED' && rec.hasResult) return { patch: received, events, fill: false };
  const fill = !rec.hasResult;
  const patch: TrackingPatch = {
    ...received,
    state: 'CALLBACK_RECEIVED',
    nextAttemptAt: now,
    lastError: null,
    retryAfterUntil: null,
    ...(fill ? { status: verdict.status, jumioStatusRaw: verdict.raw } : {}),
  };
  return { patch, events: rec.state === 'CALLBACK_RECEIVED' ? events : ['CALLBACK_RECEIVED'], fill };
}

/** A callback-filled transaction has every medium stored (or refused): nothing more is scheduled. */
export function onCallbackMediaStored(now: Date): Transition {
  return { patch: { retrievedAt: now, nextAttemptAt: null, lastError: null }, events: ['MEDIA_STORED'] };
}

export type StatusAnswer =
  | { type: 'pending'; raw: string }
  | { type: 'final'; status: 'DONE' | 'FAILED'; raw: string }
  | { type: 'not-found' }
  | { type: 'failure'; error: string; retryAfterMs?: number | null };

/** Every status call counts as an attempt, whatever it returned (Jumio's 10-attempt rule). */
export function onStatusAnswer(
  rec: TrackingRecord,
  answer: StatusAnswer,
  now: Date,
  schedule: RetrievalSchedule,
): Transition {
  const counted: TrackingRecord = { ...rec, attempts: rec.attempts + 1, lastAttemptAt: now };
  const base: TrackingPatch = { attempts: counted.attempts, lastAttemptAt: now };
  switch (answer.type) {
    case 'final':
      // Details and media follow at once; they are not attempts and are not scheduled.
      return {
        patch: {
          ...base,
          status: answer.status,
          jumioStatusRaw: answer.raw,
          lastError: null,
          retryAfterUntil: null,
          nextAttemptAt: now,
        },
        events: [],
      };
    case 'not-found':
      return {
        patch: { ...base, state: 'NOT_FOUND', status: 'NOT_FOUND', lastError: null, nextAttemptAt: null },
        events: ['NOT_FOUND'],
      };
    case 'pending':
      return {
        patch: {
          ...base,
          status: 'PENDING',
          jumioStatusRaw: answer.raw,
          lastError: null,
          retryAfterUntil: null,
          ...planFromHistory(schedule, { ...counted, retryAfterUntil: null }, now),
        },
        events: [],
      };
    case 'failure': {
      const retryAfterUntil = answer.retryAfterMs ? new Date(now.getTime() + answer.retryAfterMs) : null;
      return {
        patch: {
          ...base,
          lastError: answer.error,
          retryAfterUntil,
          ...planFromHistory(schedule, { ...counted, retryAfterUntil }, now),
        },
        events: [],
      };
    }
  }
}

export function isExpired(rec: Pick<TrackingRecord, 'acquiredAt'>, now: Date, schedule: RetrievalSchedule): boolean {
  return now.getTime() >= expiryOf(schedule, rec.acquiredAt).getTime();
}

export function onExhausted(): Transition {
  return { patch: { state: 'EXHAUSTED', nextAttemptAt: null }, events: ['EXHAUSTED'] };
}

export function onRetrievalComplete(now: Date): Transition {
  return {
    patch: { state: 'RETRIEVED', retrievedAt: now, nextAttemptAt: null, lastError: null },
    events: ['RETRIEVED'],
  };
}

/**
 * Personal data deleted (an admin's DELETE .../personal-data, or retention): PURGED from any state, nothing
 * scheduled any more. Purging a purged transaction changes nothing and emits nothing. What is deleted (payloads,
 * result, media) is PersonalDataPurge's business (engine/retention); the tracking record and the attempt log stay.
 */
export function onPersonalDataPurged(rec: Pick<TrackingRecord, 'state'>, now: Date): Transition {
  if (rec.state === 'PURGED') return NO_CHANGE;
  return {
    patch: { state: 'PURGED', purgedAt: now, nextAttemptAt: null, retryAfterUntil: null },
    events: ['PERSONAL_DATA_PURGED'],
  };
}
