import { randomUUID } from 'node:crypto';
import type { FaultScript } from '../../src/simulator/jumio-simulator';
import { ruleViolations } from '../support/rule-compliance';
import { BACKEND_KEY, bearer, startTestApp, type TestApp } from '../support/test-app';

const KIND = 'id-verifications';

describe('ID Verification: schedule, faults and resumed retrieval', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const track = (reference: string) =>
    t
      .http()
      .post(`/v1/${KIND}`)
      .set(bearer(BACKEND_KEY))
      .send({ reference, acquiredAt: t.clock.now().toISOString() })
      .expect(201);
  const view = async (reference: string) =>
    (await t.http().get(`/v1/${KIND}/${reference}`).set(bearer(BACKEND_KEY)).expect(200)).body;
  const advance = async (seconds: number) => {
    t.clock.advanceSeconds(seconds);
    await t.scheduler.drain();
  };
  const attemptLog = async (reference: string) =>
    t.dataSource.query(
      `SELECT c.endpoint, c.call_type, c.http_status, c.outcome, c.error, c.counts_as_attempt, c.duration_ms
         FROM jumio_call c JOIN tracked_transaction t ON t.id = c.transaction_id WHERE t.reference = $1 ORDER BY c.id`,
      [reference],
    );

  it('always pending: ten attempts on the schedule, then one a day, then EXHAUSTED after the maximum age', async () => {
    const ref = randomUUID();
    t.simulator.script({ kind: 'scan', reference: ref, pendingPolls: 1_000_000 });
    await track(ref);
    const acquired = t.clock.now().getTime();
    const offsets: number[] = [];
    for (let guard = 0; guard < 100; guard++) {
      const v = await view(ref);
      if (v.tracking.state === 'EXHAUSTED') break;
      const due = v.tracking.nextAttemptAt
        ? new Date(v.tracking.nextAttemptAt).getTime()
        : new Date(v.tracking.callbackDeadline).getTime();
      t.clock.set(due);
      await t.scheduler.drain();
      const after = await view(ref);
      if (after.tracking.lastAttemptAt && new Date(after.tracking.lastAttemptAt).getTime() === due)
        offsets.push((due - acquired) / 1000);
    }
    // grace 300 s: the first attempt at once, then Jumio's gaps (20, 40, ... 180 s)
    expect(offsets.slice(0, 10)).toEqual([300, 320, 360, 420, 500, 600, 720, 860, 1020, 1200]);
    const daily = offsets.slice(10);
    expect(daily.length).toBe(29);
    daily.forEach((o, i) => expect(o).toBe(1200 + (i + 1) * 86400));
    const v = await view(ref);
    expect(v.tracking).toMatchObject({ state: 'EXHAUSTED', attempts: 39, nextAttemptAt: null });
    expect(t.clock.now().getTime() - acquired).toBe(30 * 86400 * 1000);
    const calls = t.simulator.requests({ reference: ref });
    expect(calls).toHaveLength(39);
    expect(calls.every((c) => c.endpoint === 'status')).toBe(true);
    // Read from the table: the feed may hold these back a moment while other suites' transactions run on the
    // same server (its ordering guarantee is tested in change-feed.spec.ts).
    const events: { type: string }[] = await t.dataSource.query(
      `SELECT type FROM change_event WHERE reference = $1 ORDER BY id`,
      [ref],
    );
    expect(events.map((e) => e.type)).toEqual(['TRACKED', 'CALLBACK_MISSED', 'EXHAUSTED']);
    await advance(86400 * 5);
    expect(t.simulator.requests({ reference: ref })).toHaveLength(39);
  });

  const transportFaults: [string, FaultScript, RegExp, string][] = [
    ['500', { endpoint: 'status', type: 'http500' }, /500/, 'HTTP_ERROR'],
    ['malformed body', { endpoint: 'status', type: 'malformed' }, /not valid JSON/, 'MALFORMED'],
    ['connection reset', { endpoint: 'status', type: 'reset' }, /connection failed/, 'NETWORK'],
    [
      'timeout',
      { endpoint: 'status', type: 'timeout', delayMs: 10_000 },
      /no complete answer within 2000 ms/,
      'TIMEOUT',
    ],
  ];
  it.each(transportFaults)(
    'a status call that ends in %s counts as an attempt, is recorded with its cause, and the schedule goes on',
    async (_name, fault, error, outcome) => {
      const ref = randomUUID();
      t.simulator.script({ kind: 'scan', reference: ref, faults: [fault] });
      await track(ref);
      await advance(300);
      let v = await view(ref);
      expect(v.tracking).toMatchObject({ state: 'RECONCILING', attempts: 1 });
      expect(v.tracking.lastError).toMatch(error);
      expect(new Date(v.tracking.nextAttemptAt).getTime() - new Date(v.acquiredAt).getTime()).toBe(320_000);
      const log = await attemptLog(ref);
      // A reset on a reused connection is first retried on a fresh one (logged, not an attempt); that one counts.
      const counted = log.filter((c: { counts_as_attempt: boolean }) => c.counts_as_attempt);
      expect(counted[0]).toMatchObject({ call_type: 'status', outcome, counts_as_attempt: true });
      expect(counted[0].error).toMatch(error);
      await advance(20);
      v = await view(ref);
      expect(v.tracking).toMatchObject({ state: 'RETRIEVED', attempts: 2, lastError: null });
      expect(ruleViolations(t.simulator.requests({ reference: ref }))).toEqual([]);
    },
  );

  it("a 429's Retry-After is honoured when it is later than the schedule", async () => {
    const ref = randomUUID();
    t.simulator.script({
      kind: 'scan',
      reference: ref,
      faults: [{ endpoint: 'status', type: 'http429', retryAfterSeconds: 120 }],
    });
    await track(ref);
    await advance(300);
    const v = await view(ref);
    expect(v.tracking.lastError).toMatch(/429/);
    expect(new Date(v.tracking.nextAttemptAt).getTime() - new Date(v.acquiredAt).getTime()).toBe(420_000);
    await advance(119);
    expect((await view(ref)).tracking.attempts).toBe(1);
    await advance(1);
    expect((await view(ref)).tracking).toMatchObject({ attempts: 2, state: 'RETRIEVED' });
    expect((await attemptLog(ref))[0]).toMatchObject({ outcome: 'RATE_LIMITED', http_status: 429 });
  }, 30_000);

  it('a media href on another host is refused, recorded, and not fetched; the rest is retrieved', async () => {
    const ref = randomUUID();
    t.simulator.script({ kind: 'scan', reference: ref, faults: [{ endpoint: 'images', type: 'foreign-href' }] });
    await track(ref);
    await advance(300);
    const v = await view(ref);
    expect(v.tracking.state).toBe('RETRIEVED');
    const refused = (await attemptLog(ref)).filter((c: { outcome: string }) => c.outcome === 'REFUSED');
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ http_status: null, duration_ms: 0, call_type: 'medium' });
    expect(refused[0].error).toMatch(/refused: the href points to http:\/\/169\.254\.169\.254/);
    const served = v.media.map((m: { name: string }) => m.name);
    expect(served).toHaveLength(5);
    expect(JSON.stringify(v)).not.toContain('169.254');
    expect(ruleViolations(t.simulator.requests({ reference: ref }))).toEqual([]);
  });

  it('a retrieval that failed part way resumes with what is missing and never fetches again what is stored', async () => {
    const ref = randomUUID();
    t.simulator.script({
      kind: 'scan',
      reference: ref,
      faults: [
        { endpoint: 'liveness', type: 'http500' },
        { endpoint: 'facemap', type: 'reset' },
      ],
    });
    await track(ref);
    await advance(300);
    let v = await view(ref);
    expect(v).toMatchObject({ status: 'DONE', tracking: { state: 'RECONCILING' } });
    expect(v.tracking.lastError).toMatch(/500/);
    expect(v.result).not.toBeNull();
    const storedFirst = v.media.map((m: { name: string }) => m.name);
    expect(storedFirst.length).toBeGreaterThan(0);
    await advance(20);
    await advance(20);
    await advance(20);
    v = await view(ref);
    expect(v.tracking.state).toBe('RETRIEVED');
    expect(v.media.map((m: { name: string }) => m.name).sort()).toEqual([
      'back',
      'face',
      'facemap',
      'front',
      'liveness-1',
      'liveness-2',
    ]);
    const calls = t.simulator.requests({ reference: ref });
    expect(ruleViolations(calls)).toEqual([]);
    expect(calls.filter((c) => c.endpoint === 'status')).toHaveLength(1);
    expect(calls.filter((c) => c.endpoint === 'data')).toHaveLength(1);
    expect(calls.filter((c) => c.endpoint === 'images')).toHaveLength(1);
    expect(v.tracking.attempts).toBe(1);
  });
});

describe('a 429 pauses the whole data center for every replica', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { JUMIO_429_PAUSE_MAX_SECONDS: '1' } });
  });
  afterAll(() => t.close());

  it('no call reaches Jumio until Retry-After (capped) has passed', async () => {
    const limited = randomUUID();
    const other = randomUUID();
    t.simulator.script({
      kind: 'scan',
      reference: limited,
      faults: [{ endpoint: 'status', type: 'http429', retryAfterSeconds: 30 }],
    });
    t.simulator.script({ kind: 'scan', reference: other });
    for (const ref of [limited, other]) {
      await t
        .http()
        .post(`/v1/${KIND}`)
        .set(bearer(BACKEND_KEY))
        .send({ reference: ref, acquiredAt: t.clock.now().toISOString() })
        .expect(201);
    }
    await t
      .http()
      .post(`/v1/${KIND}/${limited}/callback`)
      .set(bearer(BACKEND_KEY))
      .send({ outcome: 'FAILED' })
      .expect(200);
    await t.scheduler.drain();
    const limitedAt = t.simulator.requests({ reference: limited })[0].at;
    await t
      .http()
      .post(`/v1/${KIND}/${other}/callback`)
      .set(bearer(BACKEND_KEY))
      .send({ outcome: 'FAILED' })
      .expect(200);
    await t.scheduler.drain();
    const otherFirst = t.simulator.requests({ reference: other })[0];
    expect(otherFirst.at - limitedAt).toBeGreaterThanOrEqual(950);
  });
});
