import type { AppConfig } from '../../config/app-config.js';

/**
 * When the next status call may happen, by Jumio's rules (retrieval-rules.md, "When an attempt happens"):
 * attempt k (1-based) at acquiredAt + offsets[k], never sooner than the previous attempt plus the schedule's
 * gap, so a late start makes the first attempt at once and keeps Jumio's spacing after it; once the offsets
 * are used up, one attempt per daily interval; a later Retry-After wins; past the maximum age, give up.
 */
export interface RetrievalSchedule {
  offsetsSeconds: number[];
  dailyIntervalSeconds: number;
  maxAgeMs: number;
}

export interface AttemptHistory {
  acquiredAt: Date;
  /** Status calls made so far (every one counts, whatever it returned). */
  attemptsMade: number;
  lastAttemptAt: Date | null;
  /** Nothing happens before this (reconciliation start, or a Retry-After). */
  notBefore?: Date | null;
  retryAfterUntil?: Date | null;
}

export type NextAttempt = { kind: 'attempt'; at: Date } | { kind: 'exhaust'; at: Date };

export function expiryOf(schedule: RetrievalSchedule, acquiredAt: Date): Date {
  return new Date(acquiredAt.getTime() + schedule.maxAgeMs);
}

export function nextAttempt(schedule: RetrievalSchedule, history: AttemptHistory): NextAttempt {
  const { offsetsSeconds: offsets } = schedule;
  const acquired = history.acquiredAt.getTime();
  const k = history.attemptsMade;
  let due: number;
  if (k < offsets.length) {
    due = acquired + offsets[k] * 1000;
    if (k > 0 && history.lastAttemptAt) {
      due = Math.max(due, history.lastAttemptAt.getTime() + (offsets[k] - offsets[k - 1]) * 1000);
    }
  } else {
    const last = history.lastAttemptAt?.getTime() ?? acquired + offsets[offsets.length - 1] * 1000;
    due = last + schedule.dailyIntervalSeconds * 1000;
  }
  if (history.notBefore) due = Math.max(due, history.notBefore.getTime());
  if (history.retryAfterUntil) due = Math.max(due, history.retryAfterUntil.getTime());
  const expiry = expiryOf(schedule, history.acquiredAt).getTime();
  if (due >= expiry) return { kind: 'exhaust', at: new Date(expiry) };
  return { kind: 'attempt', at: new Date(due) };
}

/**
 * How long to wait before retrying a details or media call that failed in transit. Those calls are not
 * Jumio's counted attempts (the status is already final), but they keep the schedule's first gap so a
 * struggling Jumio is not hammered.
 */
export function retrievalRetryDelayMs(schedule: RetrievalSchedule): number {
  const o = schedule.offsetsSeconds;
  return (o.length > 1 ? o[1] - o[0] : o[0]) * 1000;
}

/** The retrieval schedule the configuration sets: attempt offsets, the daily interval, the maximum age. */
export function scheduleOf(config: AppConfig): RetrievalSchedule {
  return {
    offsetsSeconds: config.reconciler.scheduleSeconds,
    dailyIntervalSeconds: config.reconciler.dailyIntervalSeconds,
    maxAgeMs: config.reconciler.maxAgeDays * 86_400_000,
  };
}

/** The first wait after a call that never reached Jumio (DNS, refused, TLS, the proxy); it doubles after each. */
export const UNREACHED_RETRY_BASE_MS = 1000;

/**
 * When to try again after the `failures`-th consecutive call that never reached Jumio: not an attempt, so no slot
 * of the schedule is used; the wait doubles from UNREACHED_RETRY_BASE_MS, never past the slot that would follow
 * this one (a status step: the next attempt's time had this one been made now; a details or media step: the retry
 * delay), so an outage never costs more than waiting would have.
 */
export function unreachedRetryAt(
  schedule: RetrievalSchedule,
  history: Pick<AttemptHistory, 'acquiredAt' | 'attemptsMade'>,
  failures: number,
  now: Date,
  statusStep: boolean,
): Date {
  const backOff = now.getTime() + UNREACHED_RETRY_BASE_MS * 2 ** Math.min(30, Math.max(0, failures - 1));
  const following = statusStep
    ? nextAttempt(schedule, {
        acquiredAt: history.acquiredAt,
        attemptsMade: history.attemptsMade + 1,
        lastAttemptAt: now,
      }).at.getTime()
    : now.getTime() + retrievalRetryDelayMs(schedule);
  return new Date(Math.max(now.getTime() + 1, Math.min(backOff, following)));
}
