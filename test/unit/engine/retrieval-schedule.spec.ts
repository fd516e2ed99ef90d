import {
  expiryOf,
  nextAttempt,
  retrievalRetryDelayMs,
  type AttemptHistory,
  type RetrievalSchedule,
} from '../../../src/engine/domain/retrieval-schedule';

const JUMIO_OFFSETS = [40, 60, 100, 160, 240, 340, 460, 600, 760, 940];
const DAY_S = 86_400;
const DAY_MS = DAY_S * 1000;

const jumio: RetrievalSchedule = { offsetsSeconds: JUMIO_OFFSETS, dailyIntervalSeconds: DAY_S, maxAgeMs: 30 * DAY_MS };

const ACQUIRED = new Date('2026-11-26T10:00:00.000Z');
/** acquiredAt + seconds */
const at = (seconds: number) => new Date(ACQUIRED.getTime() + seconds * 1000);

function history(h: Partial<AttemptHistory>): AttemptHistory {
  return { acquiredAt: ACQUIRED, attemptsMade: 0, lastAttemptAt: null, ...h };
}

describe('nextAttempt: the ten recommended attempts', () => {
  it.each(JUMIO_OFFSETS.map((offset, k) => [k + 1, offset] as const))(
    'attempt %i is due at acquiredAt + %i s when every earlier attempt was on time',
    (attempt, offset) => {
      const k = attempt - 1;
      const h = history({ attemptsMade: k, lastAttemptAt: k === 0 ? null : at(JUMIO_OFFSETS[k - 1]) });
      expect(nextAttempt(jumio, h)).toEqual({ kind: 'attempt', at: at(offset) });
    },
  );

  it('walking the schedule attempt by attempt reproduces exactly the recommended times', () => {
    const times: number[] = [];
    let last: Date | null = null;
    for (let k = 0; k < 10; k++) {
      const next = nextAttempt(jumio, history({ attemptsMade: k, lastAttemptAt: last }));
      expect(next.kind).toBe('attempt');
      times.push((next.at.getTime() - ACQUIRED.getTime()) / 1000);
      last = next.at;
    }
    expect(times).toEqual(JUMIO_OFFSETS);
  });

  it('an attempt made early (before its offset) does not pull the next one before its own offset', () => {
    // Attempt 3 happened at +70 (earlier than +100): attempt 4 stays at +160, not +70+60.
    expect(nextAttempt(jumio, history({ attemptsMade: 3, lastAttemptAt: at(70) }))).toEqual({
      kind: 'attempt',
      at: at(160),
    });
  });
});

describe('nextAttempt: a late start keeps Jumio spacing', () => {
  it('the first attempt of a reconciliation starting at +300 happens at once', () => {
    expect(nextAttempt(jumio, history({ notBefore: at(300) }))).toEqual({ kind: 'attempt', at: at(300) });
  });

  it('the second attempt follows the first by the schedule gap (20 s), not at acquiredAt + 60', () => {
    const second = nextAttempt(jumio, history({ attemptsMade: 1, lastAttemptAt: at(300), notBefore: at(300) }));
    expect(second).toEqual({ kind: 'attempt', at: at(320) });
  });

  it('a late start shifts every later attempt by the same amount (no burst)', () => {
    const times: number[] = [];
    let last: Date | null = null;
    for (let k = 0; k < 10; k++) {
      const next = nextAttempt(jumio, history({ attemptsMade: k, lastAttemptAt: last, notBefore: at(300) }));
      times.push((next.at.getTime() - ACQUIRED.getTime()) / 1000);
      last = next.at;
    }
    // 300 - 40 = 260 s late: every attempt keeps its gap to the previous one.
    expect(times).toEqual(JUMIO_OFFSETS.map((o) => o + 260));
    const gaps = times.slice(1).map((t, i) => t - times[i]);
    expect(gaps).toEqual(JUMIO_OFFSETS.slice(1).map((o, i) => o - JUMIO_OFFSETS[i]));
  });

  it('a late attempt in the middle pushes the later ones by the gap', () => {
    // Attempts 1..3 on time (+40, +60, +100); attempt 4 (due +160) happened late at +200.
    const fifth = nextAttempt(jumio, history({ attemptsMade: 4, lastAttemptAt: at(200) }));
    expect(fifth).toEqual({ kind: 'attempt', at: at(200 + 80) }); // not +240
    const sixth = nextAttempt(jumio, history({ attemptsMade: 5, lastAttemptAt: at(280) }));
    expect(sixth).toEqual({ kind: 'attempt', at: at(280 + 100) }); // not +340
  });

  it('a slightly late attempt whose gap still fits keeps the nominal offset', () => {
    // Attempt 4 at +170 (10 s late); attempt 5 = max(+240, +170+80=+250) = +250.
    expect(nextAttempt(jumio, history({ attemptsMade: 4, lastAttemptAt: at(170) })).at).toEqual(at(250));
    // Attempt 4 at +155; attempt 5 = max(+240, +235) = +240.
    expect(nextAttempt(jumio, history({ attemptsMade: 4, lastAttemptAt: at(155) })).at).toEqual(at(240));
  });
});

describe('nextAttempt: the daily phase', () => {
  it('after the tenth attempt, the next is one daily interval after the last', () => {
    expect(nextAttempt(jumio, history({ attemptsMade: 10, lastAttemptAt: at(940) }))).toEqual({
      kind: 'attempt',
      at: at(940 + DAY_S),
    });
  });

  it('keeps the daily rhythm every time, counting from the last attempt (also a late one)', () => {
    let last = at(940);
    for (let made = 10; made < 25; made++) {
      const next = nextAttempt(jumio, history({ attemptsMade: made, lastAttemptAt: last }));
      expect(next).toEqual({ kind: 'attempt', at: new Date(last.getTime() + DAY_MS) });
      last = new Date(next.at.getTime() + 3_600_000 * (made % 3)); // attempts may run up to 2 h late
    }
  });

  it('a late tenth attempt moves the daily attempt with it', () => {
    expect(nextAttempt(jumio, history({ attemptsMade: 10, lastAttemptAt: at(5000) })).at).toEqual(at(5000 + DAY_S));
  });

  it('without a recorded last attempt, counts the daily interval from the last offset', () => {
    expect(nextAttempt(jumio, history({ attemptsMade: 10, lastAttemptAt: null })).at).toEqual(at(940 + DAY_S));
  });
});

describe('nextAttempt: the maximum age', () => {
  const expiry = new Date(ACQUIRED.getTime() + 30 * DAY_MS);

  it('expiryOf is acquiredAt + maxAge', () => {
    expect(expiryOf(jumio, ACQUIRED)).toEqual(expiry);
  });

  it('exhausts when the next daily attempt would fall after the maximum age', () => {
    const last = new Date(expiry.getTime() - 3_600_000); // 1 h before expiry
    expect(nextAttempt(jumio, history({ attemptsMade: 40, lastAttemptAt: last }))).toEqual({
      kind: 'exhaust',
      at: expiry,
    });
  });

  it('exhausts when the next attempt lands exactly on the boundary', () => {
    const last = new Date(expiry.getTime() - DAY_MS);
    expect(nextAttempt(jumio, history({ attemptsMade: 39, lastAttemptAt: last }))).toEqual({
      kind: 'exhaust',
      at: expiry,
    });
  });

  it('still attempts one millisecond before the boundary', () => {
    const last = new Date(expiry.getTime() - DAY_MS - 1);
    expect(nextAttempt(jumio, history({ attemptsMade: 39, lastAttemptAt: last }))).toEqual({
      kind: 'attempt',
      at: new Date(expiry.getTime() - 1),
    });
  });

  it('exhausts when notBefore or Retry-After would push the attempt past the maximum age', () => {
    const late = new Date(expiry.getTime() + 1000);
    expect(nextAttempt(jumio, history({ notBefore: late }))).toEqual({ kind: 'exhaust', at: expiry });
    expect(nextAttempt(jumio, history({ attemptsMade: 2, lastAttemptAt: at(60), retryAfterUntil: expiry }))).toEqual({
      kind: 'exhaust',
      at: expiry,
    });
  });

  it('applies a fractional maximum age', () => {
    const s: RetrievalSchedule = { ...jumio, maxAgeMs: 0.01 * DAY_MS }; // 864 s
    expect(nextAttempt(s, history({ attemptsMade: 8, lastAttemptAt: at(600) }))).toEqual({
      kind: 'attempt',
      at: at(760),
    });
    expect(nextAttempt(s, history({ attemptsMade: 9, lastAttemptAt: at(760) }))).toEqual({
      kind: 'exhaust',
      at: at(864),
    });
  });
});

describe('nextAttempt: Retry-After and notBefore', () => {
  const base = { attemptsMade: 2, lastAttemptAt: at(60) }; // attempt 3 due at +100

  it('a Retry-After later than the due time wins', () => {
    expect(nextAttempt(jumio, history({ ...base, retryAfterUntil: at(500) }))).toEqual({
      kind: 'attempt',
      at: at(500),
    });
  });

  it('a Retry-After earlier than the due time changes nothing', () => {
    expect(nextAttempt(jumio, history({ ...base, retryAfterUntil: at(70) }))).toEqual({ kind: 'attempt', at: at(100) });
  });

  it('a Retry-After also wins in the daily phase', () => {
    const until = at(940 + DAY_S + 60);
    expect(
      nextAttempt(jumio, history({ attemptsMade: 10, lastAttemptAt: at(940), retryAfterUntil: until })).at,
    ).toEqual(until);
  });

  it('a notBefore later than the due time wins; an earlier one changes nothing', () => {
    expect(nextAttempt(jumio, history({ ...base, notBefore: at(250) })).at).toEqual(at(250));
    expect(nextAttempt(jumio, history({ ...base, notBefore: at(61) })).at).toEqual(at(100));
  });

  it('an early notBefore does not make the first attempt sooner than the first offset', () => {
    expect(nextAttempt(jumio, history({ notBefore: at(5) }))).toEqual({ kind: 'attempt', at: at(40) });
  });

  it('the latest of due time, notBefore and Retry-After wins', () => {
    expect(nextAttempt(jumio, history({ ...base, notBefore: at(300), retryAfterUntil: at(200) })).at).toEqual(at(300));
    expect(nextAttempt(jumio, history({ ...base, notBefore: at(200), retryAfterUntil: at(300) })).at).toEqual(at(300));
  });

  it('null notBefore / retryAfterUntil are ignored', () => {
    expect(nextAttempt(jumio, history({ ...base, notBefore: null, retryAfterUntil: null })).at).toEqual(at(100));
  });
});

describe('nextAttempt: custom schedules', () => {
  const shrunk: RetrievalSchedule = {
    offsetsSeconds: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    dailyIntervalSeconds: 6,
    maxAgeMs: 120_000,
  };

  it('a shrunk schedule 1..10 with daily 6 s', () => {
    const times: number[] = [];
    let last: Date | null = null;
    for (let k = 0; k < 14; k++) {
      const next = nextAttempt(shrunk, history({ attemptsMade: k, lastAttemptAt: last }));
      expect(next.kind).toBe('attempt');
      times.push((next.at.getTime() - ACQUIRED.getTime()) / 1000);
      last = next.at;
    }
    expect(times).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 16, 22, 28, 34]);
  });

  it('a shrunk schedule exhausts at its maximum age', () => {
    expect(nextAttempt(shrunk, history({ attemptsMade: 20, lastAttemptAt: at(114) }))).toEqual({
      kind: 'exhaust',
      at: at(120),
    });
    expect(nextAttempt(shrunk, history({ attemptsMade: 20, lastAttemptAt: at(113) }))).toEqual({
      kind: 'attempt',
      at: at(119),
    });
  });

  it('a shrunk schedule keeps its own spacing after a late start', () => {
    const first = nextAttempt(shrunk, history({ notBefore: at(30) }));
    expect(first.at).toEqual(at(30));
    expect(nextAttempt(shrunk, history({ attemptsMade: 1, lastAttemptAt: at(30) })).at).toEqual(at(31));
  });

  it('a schedule of a single offset: that attempt, then the daily rhythm', () => {
    const single: RetrievalSchedule = { offsetsSeconds: [5], dailyIntervalSeconds: 50, maxAgeMs: DAY_MS };
    expect(nextAttempt(single, history({}))).toEqual({ kind: 'attempt', at: at(5) });
    expect(nextAttempt(single, history({ attemptsMade: 1, lastAttemptAt: at(5) }))).toEqual({
      kind: 'attempt',
      at: at(55),
    });
    expect(nextAttempt(single, history({ attemptsMade: 2, lastAttemptAt: at(70) }))).toEqual({
      kind: 'attempt',
      at: at(120),
    });
    expect(nextAttempt(single, history({ attemptsMade: 1, lastAttemptAt: null }))).toEqual({
      kind: 'attempt',
      at: at(55),
    });
  });
});

describe('retrievalRetryDelayMs', () => {
  it("keeps the schedule's first gap", () => {
    expect(retrievalRetryDelayMs(jumio)).toBe(20_000);
    expect(
      retrievalRetryDelayMs({ offsetsSeconds: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], dailyIntervalSeconds: 6, maxAgeMs: 1 }),
    ).toBe(1000);
    expect(retrievalRetryDelayMs({ offsetsSeconds: [10, 25], dailyIntervalSeconds: 6, maxAgeMs: 1 })).toBe(15_000);
  });

  it('with a single offset, waits that offset', () => {
    expect(retrievalRetryDelayMs({ offsetsSeconds: [7], dailyIntervalSeconds: 6, maxAgeMs: 1 })).toBe(7000);
  });
});
