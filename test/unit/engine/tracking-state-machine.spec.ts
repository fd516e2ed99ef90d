import { TRACKING_STATES, type TrackingState } from '../../../src/engine/domain/states';
import type { RetrievalSchedule } from '../../../src/engine/domain/retrieval-schedule';
import {
  ALLOWED_TRANSITIONS,
  EVENT_TYPES,
  FINAL_STATES,
  canTransition,
  initialPlan,
  isExpired,
  onCallbackArrived,
  onCallbackDeadline,
  onCallbackMediaStored,
  onCallbackReported,
  onExhausted,
  onRetrievalComplete,
  onStatusAnswer,
  type StatusAnswer,
  type TrackingRecord,
  type Transition,
} from '../../../src/engine/domain/tracking-state-machine';

const OFFSETS = [40, 60, 100, 160, 240, 340, 460, 600, 760, 940];
const DAY_S = 86_400;
const DAY_MS = DAY_S * 1000;
const schedule: RetrievalSchedule = { offsetsSeconds: OFFSETS, dailyIntervalSeconds: DAY_S, maxAgeMs: 30 * DAY_MS };

const ACQUIRED = new Date('2026-11-26T10:00:00.000Z');
const at = (seconds: number) => new Date(ACQUIRED.getTime() + seconds * 1000);

function rec(r: Partial<TrackingRecord> = {}): TrackingRecord {
  return {
    state: 'AWAITING_CALLBACK',
    status: 'UNKNOWN',
    acquiredAt: ACQUIRED,
    callbackDeadline: at(300),
    callbackReceivedAt: null,
    reconcileStartedAt: null,
    attempts: 0,
    lastAttemptAt: null,
    retryAfterUntil: null,
    ...r,
  };
}

const reconciling = (r: Partial<TrackingRecord> = {}) =>
  rec({ state: 'RECONCILING', reconcileStartedAt: at(300), ...r });

describe('initialPlan', () => {
  it('waits for the callback until its deadline', () => {
    expect(initialPlan(at(300))).toEqual({ state: 'AWAITING_CALLBACK', status: 'UNKNOWN', nextAttemptAt: at(300) });
  });
});

describe('onCallbackDeadline', () => {
  it('starts reconciliation with CALLBACK_MISSED; the first attempt is at once when the deadline is past the first offset', () => {
    const t = onCallbackDeadline(rec(), at(300), schedule);
    expect(t).toEqual({
      patch: { state: 'RECONCILING', reconcileStartedAt: at(300), nextAttemptAt: at(300) },
      events: ['CALLBACK_MISSED'],
    });
  });

  it('with a short grace, the first attempt still waits for the first offset', () => {
    const t = onCallbackDeadline(rec({ callbackDeadline: at(10) }), at(10), schedule);
    expect(t.patch).toEqual({ state: 'RECONCILING', reconcileStartedAt: at(10), nextAttemptAt: at(40) });
    expect(t.events).toEqual(['CALLBACK_MISSED']);
  });

  it('a deadline handled past the maximum age plans the expiry', () => {
    const now = new Date(ACQUIRED.getTime() + 31 * DAY_MS);
    const t = onCallbackDeadline(rec(), now, schedule);
    expect(t.patch.nextAttemptAt).toEqual(new Date(ACQUIRED.getTime() + 30 * DAY_MS));
    expect(t.events).toEqual(['CALLBACK_MISSED']);
  });

  it.each(TRACKING_STATES.filter((s) => s !== 'AWAITING_CALLBACK'))('changes nothing in %s', (state) => {
    expect(onCallbackDeadline(rec({ state }), at(300), schedule)).toEqual({ patch: {}, events: [] });
  });
});

describe('onCallbackReported: RECEIVED', () => {
  const receivedAt = at(62);
  const now = at(65);

  it.each(['AWAITING_CALLBACK', 'RECONCILING'] as const)(
    'from %s: CALLBACK_RECEIVED, nothing scheduled, event on the first report',
    (state) => {
      const t = onCallbackReported(rec({ state }), 'RECEIVED', receivedAt, now, schedule);
      expect(t).toEqual({
        patch: { callbackReceivedAt: receivedAt, state: 'CALLBACK_RECEIVED', nextAttemptAt: null },
        events: ['CALLBACK_RECEIVED'],
      });
    },
  );

  it('reporting RECEIVED twice changes nothing and emits no second event', () => {
    const t = onCallbackReported(
      rec({ state: 'CALLBACK_RECEIVED', callbackReceivedAt: receivedAt }),
      'RECEIVED',
      at(70),
      at(71),
      schedule,
    );
    expect(t).toEqual({ patch: {}, events: [] });
  });

  it('RECEIVED in RETRIEVED keeps the state (and the retrieved data) but records callbackReceivedAt', () => {
    const t = onCallbackReported(rec({ state: 'RETRIEVED', status: 'DONE' }), 'RECEIVED', receivedAt, now, schedule);
    expect(t.patch).toEqual({ callbackReceivedAt: receivedAt });
    expect(t.patch.state).toBeUndefined();
    expect(t.patch.nextAttemptAt).toBeUndefined();
    expect(t.events).toEqual(['CALLBACK_RECEIVED']);
  });

  it.each(['NOT_FOUND', 'EXHAUSTED', 'PURGED'] as const)('RECEIVED in %s keeps the state', (state) => {
    const t = onCallbackReported(rec({ state }), 'RECEIVED', receivedAt, now, schedule);
    expect(t.patch.state).toBeUndefined();
    expect(t.patch.callbackReceivedAt).toEqual(receivedAt);
  });

  it('RECEIVED after RECEIVED then FAILED goes back to CALLBACK_RECEIVED without a second CALLBACK_RECEIVED event', () => {
    const t = onCallbackReported(reconciling({ callbackReceivedAt: receivedAt }), 'RECEIVED', at(90), at(91), schedule);
    expect(t).toEqual({ patch: { state: 'CALLBACK_RECEIVED', nextAttemptAt: null }, events: [] });
  });
});

describe('onCallbackReported: FAILED', () => {
  it('from AWAITING_CALLBACK (after the first offset): RECONCILING at once, CALLBACK_MISSED', () => {
    const now = at(120);
    const t = onCallbackReported(rec(), 'FAILED', now, now, schedule);
    expect(t).toEqual({
      patch: { state: 'RECONCILING', reconcileStartedAt: now, nextAttemptAt: now },
      events: ['CALLBACK_MISSED'],
    });
  });

  it('from CALLBACK_RECEIVED: RECONCILING, CALLBACK_MISSED', () => {
    const now = at(500);
    const t = onCallbackReported(
      rec({ state: 'CALLBACK_RECEIVED', callbackReceivedAt: at(62) }),
      'FAILED',
      now,
      now,
      schedule,
    );
    expect(t.patch.state).toBe('RECONCILING');
    expect(t.patch.reconcileStartedAt).toEqual(now);
    expect(t.events).toEqual(['CALLBACK_MISSED']);
  });

  it.each(['RECONCILING', 'RETRIEVED', 'NOT_FOUND', 'EXHAUSTED', 'PURGED'] as const)(
    'in %s changes nothing',
    (state) => {
      expect(
        onCallbackReported(rec({ state, attempts: 3, lastAttemptAt: at(100) }), 'FAILED', at(150), at(150), schedule),
      ).toEqual({ patch: {}, events: [] });
    },
  );

  // The contract: FAILED means "reconciliation starts now, without waiting for the grace period"; the issue's
  // acceptance: "callback FAILED (first call at once)". Later attempts keep Jumio's offsets (see the next test).
  it('a FAILED report before the first offset makes the first call at once', () => {
    const now = at(5);
    const t = onCallbackReported(rec(), 'FAILED', now, now, schedule);
    expect(t.patch.state).toBe('RECONCILING');
    expect(t.patch.nextAttemptAt).toEqual(now);
  });

  // A transaction that was reconciling (attempts made, a 429 Retry-After pending), then got a RECEIVED report,
  // then a FAILED one, keeps the gap to the last attempt and the Retry-After (found by this test; fixed).
  it('a FAILED report after earlier attempts keeps the spacing and the Retry-After', () => {
    const now = at(165);
    const t = onCallbackReported(
      rec({
        state: 'CALLBACK_RECEIVED',
        callbackReceivedAt: at(162),
        attempts: 4,
        lastAttemptAt: at(160),
        retryAfterUntil: at(400),
      }),
      'FAILED',
      now,
      now,
      schedule,
    );
    expect(t.patch.state).toBe('RECONCILING');
    // attempt 5: max(+240, +160 + 80, Retry-After +400) = +400
    expect(t.patch.nextAttemptAt).toEqual(at(400));
  });
});

describe('onStatusAnswer', () => {
  it('pending: counts the attempt, records the raw status and plans the next attempt by the schedule', () => {
    const t = onStatusAnswer(reconciling(), { type: 'pending', raw: 'PENDING' }, at(300), schedule);
    expect(t.events).toEqual([]);
    expect(t.patch).toEqual({
      attempts: 1,
      lastAttemptAt: at(300),
      status: 'PENDING',
      jumioStatusRaw: 'PENDING',
      lastError: null,
      retryAfterUntil: null,
      nextAttemptAt: at(320),
    });
    expect(t.patch.state).toBeUndefined();
  });

  it('pending on time: the next attempt is at the next offset', () => {
    const t = onStatusAnswer(
      reconciling({ attempts: 2, lastAttemptAt: at(60) }),
      { type: 'pending', raw: 'PENDING' },
      at(100),
      schedule,
    );
    expect(t.patch.attempts).toBe(3);
    expect(t.patch.nextAttemptAt).toEqual(at(160));
  });

  it('pending clears a previous error and Retry-After', () => {
    const t = onStatusAnswer(
      reconciling({ attempts: 2, lastAttemptAt: at(60), retryAfterUntil: at(1000) }),
      { type: 'pending', raw: 'PENDING' },
      at(100),
      schedule,
    );
    expect(t.patch.retryAfterUntil).toBeNull();
    expect(t.patch.lastError).toBeNull();
    expect(t.patch.nextAttemptAt).toEqual(at(160));
  });

  it.each(['DONE', 'FAILED'] as const)(
    'final %s: counts the attempt, stores the status, retrieval follows at once, no state change or event yet',
    (status) => {
      const t = onStatusAnswer(
        reconciling({ attempts: 1, lastAttemptAt: at(300), retryAfterUntil: at(350) }),
        { type: 'final', status, raw: status },
        at(320),
        schedule,
      );
      expect(t).toEqual({
        patch: {
          attempts: 2,
          lastAttemptAt: at(320),
          status,
          jumioStatusRaw: status,
          lastError: null,
          retryAfterUntil: null,
          nextAttemptAt: at(320),
        },
        events: [],
      });
    },
  );

  it('not-found: counts the attempt, NOT_FOUND state and status, no further attempts, NOT_FOUND event', () => {
    const t = onStatusAnswer(
      reconciling({ attempts: 3, lastAttemptAt: at(100) }),
      { type: 'not-found' },
      at(160),
      schedule,
    );
    expect(t).toEqual({
      patch: {
        attempts: 4,
        lastAttemptAt: at(160),
        state: 'NOT_FOUND',
        status: 'NOT_FOUND',
        lastError: null,
        nextAttemptAt: null,
      },
      events: ['NOT_FOUND'],
    });
  });

  it('failure without Retry-After: counts the attempt, records the error, follows the schedule', () => {
    const t = onStatusAnswer(
      reconciling({ attempts: 1, lastAttemptAt: at(40) }),
      { type: 'failure', error: 'Jumio answered 503' },
      at(60),
      schedule,
    );
    expect(t.events).toEqual([]);
    expect(t.patch).toEqual({
      attempts: 2,
      lastAttemptAt: at(60),
      lastError: 'Jumio answered 503',
      retryAfterUntil: null,
      nextAttemptAt: at(100),
    });
    expect(t.patch.status).toBeUndefined();
    expect(t.patch.state).toBeUndefined();
  });

  it('failure with Retry-After 120 s: sets retryAfterUntil and pushes the next attempt', () => {
    const now = at(60);
    const t = onStatusAnswer(
      reconciling({ attempts: 1, lastAttemptAt: at(40) }),
      { type: 'failure', error: '429', retryAfterMs: 120_000 },
      now,
      schedule,
    );
    expect(t.patch.attempts).toBe(2);
    expect(t.patch.lastAttemptAt).toEqual(now);
    expect(t.patch.retryAfterUntil).toEqual(at(180));
    expect(t.patch.nextAttemptAt).toEqual(at(180)); // instead of +100
  });

  it('failure with a Retry-After shorter than the gap keeps the schedule', () => {
    const t = onStatusAnswer(
      reconciling({ attempts: 1, lastAttemptAt: at(40) }),
      { type: 'failure', error: '429', retryAfterMs: 5_000 },
      at(60),
      schedule,
    );
    expect(t.patch.retryAfterUntil).toEqual(at(65));
    expect(t.patch.nextAttemptAt).toEqual(at(100));
  });

  it('failure with retryAfterMs null: no Retry-After recorded', () => {
    const t = onStatusAnswer(
      reconciling({ attempts: 1, lastAttemptAt: at(40), retryAfterUntil: at(50) }),
      { type: 'failure', error: 'timeout', retryAfterMs: null },
      at(60),
      schedule,
    );
    expect(t.patch.retryAfterUntil).toBeNull();
    expect(t.patch.nextAttemptAt).toEqual(at(100));
  });

  it('every answer counts one attempt and sets lastAttemptAt to now', () => {
    const answers: StatusAnswer[] = [
      { type: 'pending', raw: 'PENDING' },
      { type: 'final', status: 'DONE', raw: 'DONE' },
      { type: 'final', status: 'FAILED', raw: 'FAILED' },
      { type: 'not-found' },
      { type: 'failure', error: 'x' },
      { type: 'failure', error: 'x', retryAfterMs: 120_000 },
    ];
    for (const attempts of [0, 1, 9, 10, 37]) {
      for (const answer of answers) {
        const now = new Date(ACQUIRED.getTime() + 1000 + attempts * 1000);
        const t = onStatusAnswer(
          reconciling({ attempts, lastAttemptAt: attempts ? at(attempts) : null }),
          answer,
          now,
          schedule,
        );
        expect({ answer: answer.type, attempts: t.patch.attempts, lastAttemptAt: t.patch.lastAttemptAt }).toEqual({
          answer: answer.type,
          attempts: attempts + 1,
          lastAttemptAt: now,
        });
      }
    }
  });

  it('walking the whole schedule with pending answers reproduces Jumio times, then the daily rhythm', () => {
    let r = reconciling({ reconcileStartedAt: at(40), callbackDeadline: at(40) });
    let now = at(40);
    const seen: number[] = [];
    for (let i = 0; i < 13; i++) {
      seen.push((now.getTime() - ACQUIRED.getTime()) / 1000);
      const t = onStatusAnswer(r, { type: 'pending', raw: 'PENDING' }, now, schedule);
      r = {
        ...r,
        attempts: t.patch.attempts!,
        lastAttemptAt: t.patch.lastAttemptAt!,
        retryAfterUntil: t.patch.retryAfterUntil ?? null,
      };
      now = t.patch.nextAttemptAt!;
    }
    expect(seen).toEqual([...OFFSETS, 940 + DAY_S, 940 + 2 * DAY_S, 940 + 3 * DAY_S]);
  });

  it('the tenth answer moves into the daily rhythm, and the eleventh stays in it', () => {
    const tenth = onStatusAnswer(
      reconciling({ attempts: 9, lastAttemptAt: at(760) }),
      { type: 'pending', raw: 'PENDING' },
      at(940),
      schedule,
    );
    expect(tenth.patch.attempts).toBe(10);
    expect(tenth.patch.nextAttemptAt).toEqual(at(940 + DAY_S));
    const eleventhAt = at(940 + DAY_S);
    const eleventh = onStatusAnswer(
      reconciling({ attempts: 10, lastAttemptAt: at(940) }),
      { type: 'failure', error: 'timeout' },
      eleventhAt,
      schedule,
    );
    expect(eleventh.patch.attempts).toBe(11);
    expect(eleventh.patch.nextAttemptAt).toEqual(new Date(eleventhAt.getTime() + DAY_MS));
  });

  it('near the maximum age, plans the expiry instead of another attempt', () => {
    const expiry = new Date(ACQUIRED.getTime() + 30 * DAY_MS);
    const now = new Date(expiry.getTime() - 3_600_000);
    const t = onStatusAnswer(
      reconciling({ attempts: 38, lastAttemptAt: new Date(now.getTime() - DAY_MS) }),
      { type: 'pending', raw: 'PENDING' },
      now,
      schedule,
    );
    expect(t.patch.nextAttemptAt).toEqual(expiry);
    expect(t.patch.state).toBeUndefined();
  });
});

describe('isExpired / onExhausted / onRetrievalComplete', () => {
  it('isExpired from acquiredAt + maxAge on', () => {
    const expiry = ACQUIRED.getTime() + 30 * DAY_MS;
    expect(isExpired({ acquiredAt: ACQUIRED }, new Date(expiry - 1), schedule)).toBe(false);
    expect(isExpired({ acquiredAt: ACQUIRED }, new Date(expiry), schedule)).toBe(true);
    expect(isExpired({ acquiredAt: ACQUIRED }, new Date(expiry + DAY_MS), schedule)).toBe(true);
    expect(isExpired({ acquiredAt: ACQUIRED }, ACQUIRED, schedule)).toBe(false);
  });

  it('onExhausted: EXHAUSTED, nothing scheduled, EXHAUSTED event', () => {
    expect(onExhausted()).toEqual({ patch: { state: 'EXHAUSTED', nextAttemptAt: null }, events: ['EXHAUSTED'] });
  });

  it('onRetrievalComplete: RETRIEVED, retrievedAt now, nothing scheduled, error cleared, RETRIEVED event', () => {
    const now = at(1234);
    expect(onRetrievalComplete(now)).toEqual({
      patch: { state: 'RETRIEVED', retrievedAt: now, nextAttemptAt: null, lastError: null },
      events: ['RETRIEVED'],
    });
  });
});

describe('canTransition / ALLOWED_TRANSITIONS', () => {
  it('lists every state, and only known states', () => {
    expect(Object.keys(ALLOWED_TRANSITIONS).sort()).toEqual([...TRACKING_STATES].sort());
    for (const from of Object.values(ALLOWED_TRANSITIONS).flat()) expect(TRACKING_STATES).toContain(from);
  });

  it('staying in a state is always allowed', () => {
    for (const s of TRACKING_STATES) expect(canTransition(s, s)).toBe(true);
  });

  it('nothing ever enters AWAITING_CALLBACK again', () => {
    for (const s of TRACKING_STATES.filter((x) => x !== 'AWAITING_CALLBACK'))
      expect(canTransition(s, 'AWAITING_CALLBACK')).toBe(false);
  });

  it('PURGED is terminal; RETRIEVED only leads to PURGED; NOT_FOUND and EXHAUSTED also to a late callback of Jumio', () => {
    for (const to of TRACKING_STATES.filter((x) => x !== 'PURGED')) expect(canTransition('PURGED', to)).toBe(false);
    expect(TRACKING_STATES.filter((to) => to !== 'RETRIEVED' && canTransition('RETRIEVED', to))).toEqual(['PURGED']);
    for (const from of ['NOT_FOUND', 'EXHAUSTED'] as const) {
      expect(TRACKING_STATES.filter((to) => to !== from && canTransition(from, to)).sort()).toEqual([
        'CALLBACK_RECEIVED',
        'PURGED',
      ]);
    }
    expect(FINAL_STATES).toEqual(expect.arrayContaining(['RETRIEVED', 'NOT_FOUND', 'EXHAUSTED', 'PURGED']));
  });

  it('matches the documented lifecycle', () => {
    expect(canTransition('AWAITING_CALLBACK', 'CALLBACK_RECEIVED')).toBe(true);
    expect(canTransition('AWAITING_CALLBACK', 'RECONCILING')).toBe(true);
    expect(canTransition('RECONCILING', 'CALLBACK_RECEIVED')).toBe(true);
    expect(canTransition('CALLBACK_RECEIVED', 'RECONCILING')).toBe(true);
    for (const to of ['RETRIEVED', 'NOT_FOUND', 'EXHAUSTED'] as const) {
      expect(canTransition('RECONCILING', to)).toBe(true);
      expect(canTransition('AWAITING_CALLBACK', to)).toBe(false);
      expect(canTransition('CALLBACK_RECEIVED', to)).toBe(false);
    }
    expect(canTransition('RETRIEVED', 'RECONCILING')).toBe(false);
    expect(canTransition('NOT_FOUND', 'RETRIEVED')).toBe(false);
  });
});

describe('every transition the functions produce is allowed by canTransition', () => {
  const answers: StatusAnswer[] = [
    { type: 'pending', raw: 'PENDING' },
    { type: 'final', status: 'DONE', raw: 'DONE' },
    { type: 'final', status: 'FAILED', raw: 'FAILED' },
    { type: 'not-found' },
    { type: 'failure', error: 'boom' },
    { type: 'failure', error: '429', retryAfterMs: 120_000 },
  ];
  const variants: Partial<TrackingRecord>[] = [
    {},
    { callbackReceivedAt: at(50) },
    { attempts: 4, lastAttemptAt: at(160) },
    { attempts: 12, lastAttemptAt: at(940 + DAY_S), retryAfterUntil: at(940 + DAY_S + 30) },
    { attempts: 40, lastAttemptAt: new Date(ACQUIRED.getTime() + 29.9 * DAY_MS) },
  ];
  const nows = [at(5), at(300), at(5000), new Date(ACQUIRED.getTime() + 31 * DAY_MS)];

  function check(name: string, from: TrackingState, t: Transition, bad: string[]) {
    const to = t.patch.state ?? from;
    if (!canTransition(from, to)) bad.push(`${name}: ${from} -> ${to}`);
    for (const e of t.events) if (!EVENT_TYPES.includes(e)) bad.push(`${name}: unknown event ${e}`);
  }

  it('state-aware functions (deadline, callback reports), from every state', () => {
    const bad: string[] = [];
    let checked = 0;
    for (const state of TRACKING_STATES) {
      for (const v of variants) {
        for (const now of nows) {
          const r = rec({ ...v, state });
          check('onCallbackDeadline', state, onCallbackDeadline(r, now, schedule), bad);
          check('onCallbackReported(RECEIVED)', state, onCallbackReported(r, 'RECEIVED', now, now, schedule), bad);
          check('onCallbackReported(FAILED)', state, onCallbackReported(r, 'FAILED', now, now, schedule), bad);
          checked += 3;
        }
      }
    }
    expect(checked).toBe(TRACKING_STATES.length * variants.length * nows.length * 3);
    expect(bad).toEqual([]);
  });

  it('the reconciler steps (status answers, exhaustion, retrieval), from RECONCILING where the worker runs them', () => {
    const bad: string[] = [];
    for (const v of variants) {
      for (const now of nows) {
        const r = reconciling(v);
        for (const a of answers)
          check(`onStatusAnswer(${a.type})`, 'RECONCILING', onStatusAnswer(r, a, now, schedule), bad);
      }
    }
    check('onExhausted', 'RECONCILING', onExhausted(), bad);
    check('onRetrievalComplete', 'RECONCILING', onRetrievalComplete(at(1000)), bad);
    check('initialPlan', 'AWAITING_CALLBACK', { patch: initialPlan(at(300)), events: [] }, bad);
    expect(bad).toEqual([]);
  });

  it('the checker itself catches a forbidden move', () => {
    const bad: string[] = [];
    check('probe', 'RETRIEVED', { patch: { state: 'RECONCILING' }, events: [] }, bad);
    check('probe', 'AWAITING_CALLBACK', onExhausted(), bad);
    expect(bad).toEqual(['probe: RETRIEVED -> RECONCILING', 'probe: AWAITING_CALLBACK -> EXHAUSTED']);
  });

  it('random walks through the lifecycle never leave the allowed graph', () => {
    let seed = 12345;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const bad: string[] = [];
    let steps = 0;
    for (let walk = 0; walk < 300; walk++) {
      let r = rec();
      let now = ACQUIRED;
      for (let i = 0; i < 30; i++) {
        now = new Date(now.getTime() + (1 + rand(3 * DAY_S)) * 1000 * (rand(4) === 0 ? 1 : 0.001));
        const from = r.state;
        let t: Transition;
        const choice = rand(6);
        if (choice === 0) t = onCallbackDeadline(r, now, schedule);
        else if (choice === 1) t = onCallbackReported(r, 'RECEIVED', now, now, schedule);
        else if (choice === 2) t = onCallbackReported(r, 'FAILED', now, now, schedule);
        else if (from !== 'RECONCILING')
          continue; // the worker only runs these on a reconciling record
        else if (isExpired(r, now, schedule)) t = onExhausted();
        else if (choice === 3) t = onRetrievalComplete(now);
        else t = onStatusAnswer(r, answers[rand(answers.length)], now, schedule);
        check(`step ${i} of walk ${walk}`, from, t, bad);
        steps++;
        const p = t.patch;
        r = {
          ...r,
          state: p.state ?? r.state,
          status: p.status ?? r.status,
          callbackReceivedAt: p.callbackReceivedAt !== undefined ? p.callbackReceivedAt : r.callbackReceivedAt,
          reconcileStartedAt: p.reconcileStartedAt !== undefined ? p.reconcileStartedAt : r.reconcileStartedAt,
          attempts: p.attempts ?? r.attempts,
          lastAttemptAt: p.lastAttemptAt !== undefined ? p.lastAttemptAt : r.lastAttemptAt,
          retryAfterUntil: p.retryAfterUntil !== undefined ? p.retryAfterUntil : r.retryAfterUntil,
        };
      }
    }
    expect(steps).toBeGreaterThan(1000);
    expect(bad).toEqual([]);
  });
});

describe('onCallbackArrived (a callback received directly)', () => {
  const now = at(500);
  const received = at(499);
  const done = { status: 'DONE' as const, raw: 'DONE' };

  it('fills the view of a transaction waiting for its callback, and fetches the media at once', () => {
    const t = onCallbackArrived({ ...rec(), hasResult: false }, done, received, now);
    expect(t).toEqual({
      fill: true,
      patch: {
        callbackReceivedAt: received,
        state: 'CALLBACK_RECEIVED',
        nextAttemptAt: now,
        lastError: null,
        retryAfterUntil: null,
        status: 'DONE',
        jumioStatusRaw: 'DONE',
      },
      events: ['CALLBACK_RECEIVED'],
    });
    expect(canTransition('AWAITING_CALLBACK', t.patch.state!)).toBe(true);
  });

  it('stops reconciliation; what a retrieval already stored is kept (not filled again)', () => {
    const reconciling = rec({
      state: 'RECONCILING',
      status: 'FAILED',
      attempts: 2,
      retryAfterUntil: at(900),
      lastAttemptAt: at(400),
    });
    const t = onCallbackArrived({ ...reconciling, hasResult: true }, done, received, now);
    expect(t.fill).toBe(false);
    expect(t.patch).toEqual({
      callbackReceivedAt: received,
      state: 'CALLBACK_RECEIVED',
      nextAttemptAt: now,
      lastError: null,
      retryAfterUntil: null,
    });
    expect(t.events).toEqual(['CALLBACK_RECEIVED']);
    expect(onCallbackArrived({ ...reconciling, hasResult: false }, done, received, now).fill).toBe(true);
  });

  it("overrules NOT_FOUND and EXHAUSTED, the service's own conclusions", () => {
    for (const state of ['NOT_FOUND', 'EXHAUSTED'] as const) {
      const t = onCallbackArrived(
        { ...rec({ state }), hasResult: false },
        { status: 'FAILED', raw: 'FAILED' },
        received,
        now,
      );
      expect(t).toMatchObject({
        fill: true,
        patch: { state: 'CALLBACK_RECEIVED', status: 'FAILED' },
        events: ['CALLBACK_RECEIVED'],
      });
    }
  });

  it('a RETRIEVED transaction stays RETRIEVED and only records the callback; a PURGED one takes nothing', () => {
    expect(
      onCallbackArrived({ ...rec({ state: 'RETRIEVED', status: 'DONE' }), hasResult: true }, done, received, now),
    ).toEqual({
      fill: false,
      patch: { callbackReceivedAt: received },
      events: ['CALLBACK_RECEIVED'],
    });
    expect(onCallbackArrived({ ...rec({ state: 'PURGED' }), hasResult: false }, done, received, now)).toEqual({
      fill: false,
      patch: {},
      events: [],
    });
  });

  it('the same callback again changes nothing; a backend-reported RECEIVED still gets its view filled, without a second event', () => {
    const filled = rec({ state: 'CALLBACK_RECEIVED', status: 'DONE', callbackReceivedAt: at(450) });
    expect(onCallbackArrived({ ...filled, hasResult: true }, done, received, now)).toEqual({
      fill: false,
      patch: {},
      events: [],
    });
    const reportedOnly = onCallbackArrived({ ...filled, status: 'UNKNOWN', hasResult: false }, done, received, now);
    expect(reportedOnly).toMatchObject({ fill: true, patch: { status: 'DONE', nextAttemptAt: now }, events: [] });
    expect(reportedOnly.patch.callbackReceivedAt).toBeUndefined();
  });

  it('onCallbackMediaStored: nothing more scheduled, and MEDIA_STORED', () => {
    expect(onCallbackMediaStored(now)).toEqual({
      patch: { retrievedAt: now, nextAttemptAt: null, lastError: null },
      events: ['MEDIA_STORED'],
    });
    expect(EVENT_TYPES).toContain('MEDIA_STORED');
  });
});
