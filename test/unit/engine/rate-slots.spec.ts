import fc from 'fast-check';
import {
  BATCH_WINDOW_MS,
  LATE_TOLERANCE_MS,
  MAX_PADDING_MS,
  MAX_RETRY_DELAY_MS,
  RECEIVE_JITTER_ALLOWANCE_MS,
  SPACING_MARGIN,
  ROUND_TRIP_SAMPLES,
  RecentFloor,
  batchLimit,
  maySend,
  paddingMs,
  reservationWidthUs,
  retryDelayMs,
  spacingMs,
} from '../../../src/engine/jumio-transport/rate-slots';

describe('rate slots: the arithmetic of the outbound rate limiter', () => {
  it('spaces slots 4.5 % wider than 1/ceiling: at least 95 % of the ceiling stays usable, 30 ms of each second for receive jitter', () => {
    expect(spacingMs(50)).toBeCloseTo(20.9, 10);
    expect(1000 / spacingMs(50) / 50).toBeGreaterThanOrEqual(0.95);
    expect(SPACING_MARGIN).toBe(1.045);
    expect(RECEIVE_JITTER_ALLOWANCE_MS).toBeCloseTo(30, 10);
    expect(RECEIVE_JITTER_ALLOWANCE_MS).toBeGreaterThan(0);
  });

  it('batches one slot per round trip at low ceilings, BATCH_WINDOW_MS of slots at high ones, more when the database is slow, never more than the ceiling', () => {
    expect(batchLimit(50, 0)).toBe(1);
    expect(batchLimit(12, 0)).toBe(1);
    expect(batchLimit(1000, 0)).toBe(20);
    expect(batchLimit(100_000, 0)).toBe((100_000 * BATCH_WINDOW_MS) / 1000);
    expect(batchLimit(50, 100)).toBe(10); // two round trips of 100 ms at 50/s
    expect(batchLimit(1, 10_000)).toBe(1);
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100_000 }),
        fc.double({ min: 0, max: 10_000, noNaN: true }),
        (ceiling, u) => {
          const n = batchLimit(ceiling, u);
          return Number.isInteger(n) && n >= 1 && n <= ceiling;
        },
      ),
    );
  });

  it('pads nothing while lateness stays small, then grows with it up to a cap; a padded send may be that much later', () => {
    expect(paddingMs(0)).toBe(0);
    expect(paddingMs(0.3)).toBe(0);
    expect(paddingMs((2 / 3) * LATE_TOLERANCE_MS)).toBe(0);
    expect(paddingMs(50)).toBe(60);
    expect(paddingMs(1e9)).toBe(MAX_PADDING_MS);
    expect(maySend(0, LATE_TOLERANCE_MS, 0)).toBe(true);
    expect(maySend(0.001, LATE_TOLERANCE_MS, 0)).toBe(false);
    expect(maySend(5, 50, paddingMs(50))).toBe(true);
    // A steady slow database (round trips up to ~3.3 s) still gets sends through once its lateness is known.
    for (const rtt of [21, 50, 200, 1000, 3000]) expect(maySend(0, rtt, paddingMs(rtt))).toBe(true);
  });

  it('reserves whole microseconds, rounded up, so a batch never ends before its last slot plus the spacing', () => {
    expect(reservationWidthUs(1, 21, 0)).toBe(21_000);
    expect(reservationWidthUs(3, spacingMs(100_000), 0)).toBe(Math.ceil(3 * 10.45));
    expect(reservationWidthUs(2, 21, 0.0001)).toBe(42_001);
  });

  it('never asks again at once after giving a slot up, and backs off up to a cap', () => {
    const delays = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 20].map((g) => retryDelayMs(g, spacingMs(100_000)));
    expect(delays[0]).toBeGreaterThanOrEqual(5);
    for (let i = 1; i < delays.length; i++) expect(delays[i]).toBeGreaterThanOrEqual(delays[i - 1]);
    expect(delays[delays.length - 1]).toBe(MAX_RETRY_DELAY_MS);
    expect(retryDelayMs(1, spacingMs(12))).toBeGreaterThanOrEqual(spacingMs(12));
  });

  it('pads for how slow the database stays, not for one slow round trip', () => {
    const floor = new RecentFloor();
    expect(floor.current()).toBe(0);
    for (let i = 0; i < ROUND_TRIP_SAMPLES; i++) floor.observe(0.4);
    floor.observe(700); // one stall
    expect(floor.current()).toBe(0.4);
    expect(paddingMs(floor.current())).toBe(0);
    for (let i = 0; i < ROUND_TRIP_SAMPLES; i++) floor.observe(50 + i); // the database stays slow
    expect(floor.current()).toBe(50);
    expect(paddingMs(floor.current())).toBe(60);
    for (let i = 0; i < ROUND_TRIP_SAMPLES; i++) floor.observe(0.5); // and recovers
    expect(paddingMs(floor.current())).toBe(0);
  });

  /**
   * The guarantee, simulated in true time: replicas reserve batches on one GCRA row (the statement's arithmetic),
   * each round trip split at random around the moment the database chooses, each caller waking as the limiter
   * computes it plus a random delay, and sending only when maySend allows. Whatever the round trips, delays,
   * batch sizes and padding, any ceiling+1 sends span at least 1000 ms + RECEIVE_JITTER_ALLOWANCE_MS.
   */
  it('no window of 1 s (+ the receive allowance) or 5 s ever holds more than the ceiling, whatever the delays', () => {
    const reservation = fc.record({
      gapMs: fc.double({ min: 0, max: 60, noNaN: true }),
      beforeMs: fc.double({ min: 0, max: 80, noNaN: true }),
      insideMs: fc.double({ min: 0, max: 2, noNaN: true }),
      afterMs: fc.double({ min: 0, max: 80, noNaN: true }),
      uncertaintyMs: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 200, noNaN: true })),
      size: fc.double({ min: 0, max: 1, noNaN: true }),
      lagsMs: fc.array(
        fc.oneof(fc.double({ min: 0, max: 3, noNaN: true }), fc.double({ min: 0, max: 150, noNaN: true })),
        { minLength: 1, maxLength: 64 },
      ),
    });
    fc.assert(
      fc.property(
        fc.constantFrom(5, 12, 50, 100, 1000),
        fc.array(reservation, { minLength: 1, maxLength: 400 }),
        (ceiling, reservations) => {
          const spacing = spacingMs(ceiling);
          let nextFree = 0; // the row, in true time
          let choice = 0;
          const sends: number[] = [];
          for (const r of reservations) {
            choice += r.gapMs; // the database serializes reservations on the row lock
            const n = Math.max(1, Math.min(r.lagsMs.length, Math.ceil(r.size * batchLimit(ceiling, r.uncertaintyMs))));
            const padding = paddingMs(r.uncertaintyMs);
            const width = reservationWidthUs(n, spacing, padding) / 1000;
            const first = Math.max(nextFree, choice);
            nextFree = first + width;
            const returning = choice + r.insideMs; // clock_timestamp() in RETURNING, a little later
            const waitMs = first - returning;
            const received = returning + r.afterMs;
            const roundTrip = r.beforeMs + r.insideMs + r.afterMs;
            for (let i = 0; i < n; i++) {
              const due = received + Math.max(0, waitMs + i * spacing);
              const late = r.lagsMs[i];
              if (due + late < first + i * spacing - 1e-9) return false; // never before the slot
              if (maySend(late, roundTrip, padding)) sends.push(due + late);
            }
          }
          sends.sort((a, b) => a - b);
          const guard = 1e-6;
          for (let i = 0; i + ceiling < sends.length; i++) {
            if (sends[i + ceiling] - sends[i] < 1000 + RECEIVE_JITTER_ALLOWANCE_MS - guard) return false;
          }
          for (let i = 0; i + 5 * ceiling < sends.length; i++) {
            if (sends[i + 5 * ceiling] - sends[i] < 5000 + RECEIVE_JITTER_ALLOWANCE_MS - guard) return false;
          }
          return true;
        },
      ),
      { numRuns: 300 },
    );
  });
});
