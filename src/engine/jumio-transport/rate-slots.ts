/**
 * The arithmetic of OutboundRateLimiter, kept free of I/O so that it can be tested on its own
 * (test/unit/engine/rate-slots.spec.ts checks the window guarantee below by simulation).
 *
 * Slots are handed out by GCRA on one row per data center (jumio_rate_slot.next_free_at): a reservation of `n`
 * slots takes the first at GREATEST(next_free_at, now) and the rest `spacing` apart, and moves next_free_at on
 * by `n * spacing + padding`. Every replica reserves on the same row, so consecutive slots, whoever holds them,
 * are at least `spacing` apart, and a batch's padding separates it from the slots after it.
 *
 * Why no 1-second window holds more than `ceiling` sends. Take any ceiling+1 sends, a the one with the earliest
 * slot and b the one with the latest. A batch holds at most `ceiling` slots (batchLimit), so b's slot belongs to
 * a later batch than a's, and t_b - t_a >= ceiling * spacing + padding(a's batch). b is never sent before its
 * slot (the limiter wakes at the latest local moment the slot can have been, and checks the clock); a is sent
 * at most `padding + LATE_TOLERANCE_MS` after its slot (maySend). So the sends are at least
 * ceiling * spacing - LATE_TOLERANCE_MS = 1000 * SPACING_MARGIN - LATE_TOLERANCE_MS apart: 1030 ms, which leaves
 * 30 ms for what happens after the send (the HTTP client's queueing, the network, the receiver's own event-loop
 * delay: Jumio counts arrivals, not sends). Five seconds likewise: 5225 - 15 ms.
 */

/**
 * The spacing is 4.5 % wider than 1/ceiling, so `ceiling` consecutive slots span 1.045 s (95.7 % of the ceiling
 * used): 45 ms of slack per second, minus the 15 ms a send may lag its slot, leaves 30 ms for the receive side.
 */
export const SPACING_MARGIN = 1.045;
/**
 * How late after its slot a send may still go (on top of the batch's padding), counting the reservation's round
 * trip as lateness: the database chose the slot at an unknown moment within it. Later than that, the slot is given up.
 */
export const LATE_TOLERANCE_MS = 15;
/** What is left of the margin for jitter after the send (the receiver's clock, not ours, decides the window). */
export const RECEIVE_JITTER_ALLOWANCE_MS = (SPACING_MARGIN - 1) * 1000 - LATE_TOLERANCE_MS;
/** A batch covers at least this much of the ceiling's time, so high ceilings are not one round trip per call. */
export const BATCH_WINDOW_MS = 20;
/**
 * Padding never exceeds this: with round trips slower than (MAX_PADDING_MS + LATE_TOLERANCE_MS) / 1.5 (3.3 s), sends
 * are given up until the database recovers.
 */
export const MAX_PADDING_MS = 5000;
/** How many recent round trips RecentFloor keeps. */
export const ROUND_TRIP_SAMPLES = 8;
/** The longest a caller that gave its slot up waits before it asks again. */
export const MAX_RETRY_DELAY_MS = 1000;

export function spacingMs(ceilingPerSecond: number): number {
  return (1000 / ceilingPerSecond) * SPACING_MARGIN;
}

/**
 * How many slots one round trip may reserve: enough to cover BATCH_WINDOW_MS of the ceiling, or two round trips'
 * worth of it when the database is slow (so the rate drops with the round trip less than linearly), and never more
 * than the ceiling (the window argument above needs two batches in any ceiling+1 sends).
 */
export function batchLimit(ceilingPerSecond: number, uncertaintyMs: number): number {
  const coverMs = Math.max(BATCH_WINDOW_MS, 2 * uncertaintyMs);
  return Math.max(1, Math.min(ceilingPerSecond, Math.ceil((ceilingPerSecond * coverMs) / 1000)));
}

/**
 * Extra time reserved after a batch when reservation round trips are slow (`uncertaintyMs`: the fastest of the
 * recent ones, RecentFloor): a round trip counts as lateness (maySend), so without padding a database slower than
 * the tolerance would get no send through at all; with it, the rate drops instead. None while round trips stay
 * within 2/3 of the tolerance. A single slow round trip (a checkpoint, a starved moment) does not pad: padding is
 * reserved by every reservation queued behind it and would leave the ceiling unused for seconds; its late callers give their slots up and back off instead, which costs only those slots.
 * Nor does a busy event loop, for the same reason.
 */
export function paddingMs(uncertaintyMs: number): number {
  return Math.min(MAX_PADDING_MS, Math.max(0, 1.5 * uncertaintyMs - LATE_TOLERANCE_MS));
}

/** next_free_at moves on by this, in whole microseconds, rounded up (the database's timestamps are microseconds). */
export function reservationWidthUs(slots: number, spacing: number, padding: number): number {
  return Math.ceil((slots * spacing + padding) * 1000);
}

/**
 * Whether a send may still go. `lateMs`: how long after the local moment it was due the caller woke up;
 * `roundTripMs`: the reservation's round trip (the slot was chosen somewhere within it, so it may be that much
 * earlier than it looked); `padding`: the padding its batch reserved.
 */
export function maySend(lateMs: number, roundTripMs: number, padding: number): boolean {
  return lateMs + roundTripMs <= LATE_TOLERANCE_MS + padding;
}

/** After giving a slot up for the `giveUps`-th time, wait this long before reserving again: never at once. */
export function retryDelayMs(giveUps: number, spacing: number): number {
  return Math.min(MAX_RETRY_DELAY_MS, Math.max(spacing, 5 * 2 ** Math.max(0, giveUps - 1)));
}

/** The fastest of the last ROUND_TRIP_SAMPLES round trips: how slow the database is now, not how slow it once was. */
export class RecentFloor {
  private readonly samples: number[] = [];

  current(): number {
    return this.samples.length === 0 ? 0 : Math.min(...this.samples);
  }

  observe(value: number): void {
    this.samples.push(value);
    if (this.samples.length > ROUND_TRIP_SAMPLES) this.samples.shift();
  }
}
