import { randomUUID } from 'node:crypto';
import { OutboundRateLimiter } from '../../src/engine/jumio-transport/outbound-rate-limiter';
import { ruleViolations } from '../support/rule-compliance';
import {
  ADMIN_KEY,
  BACKEND_KEY,
  JUMIO_SECRET,
  JUMIO_TOKEN,
  bearer,
  startTestApp,
  type TestApp,
} from '../support/test-app';

const KIND = 'id-verifications';
/** The name of ADMIN_KEY in the test configuration (API_KEYS). */
const ADMIN_KEY_NAME = 'test-ops';

interface Attempt {
  at: string;
  endpoint: string;
  callType: string;
  httpStatus: number | null;
  durationMs: number;
  outcome: string;
  error: string | null;
  countsAsAttempt: boolean;
  actor: string | null;
}

describe('admin: the attempt log and forced reconciliation', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const track = (reference: string, grace: number, kind = KIND) =>
    t
      .http()
      .post(`/v1/${kind}`)
      .set(bearer(BACKEND_KEY))
      .send({ reference, acquiredAt: t.clock.now().toISOString(), callbackGraceSeconds: grace })
      .expect(201);
  const view = async (reference: string) =>
    (await t.http().get(`/v1/${KIND}/${reference}`).set(bearer(BACKEND_KEY)).expect(200)).body;
  const attempts = async (reference: string, kind = KIND): Promise<Attempt[]> =>
    (await t.http().get(`/v1/admin/transactions/${kind}/${reference}/attempts`).set(bearer(ADMIN_KEY)).expect(200)).body
      .items;
  const reconcile = (reference: string, key = ADMIN_KEY, kind = KIND) =>
    t.http().post(`/v1/admin/transactions/${kind}/${reference}/reconcile`).set(bearer(key));
  const events = async (reference: string): Promise<string[]> =>
    (await t.dataSource.query(`SELECT type FROM change_event WHERE reference = $1 ORDER BY id`, [reference])).map(
      (r: { type: string }) => r.type,
    );
  const advance = async (seconds: number) => {
    t.clock.advanceSeconds(seconds);
    await t.scheduler.drain();
  };

  describe('GET /v1/admin/transactions/{kind}/{reference}/attempts', () => {
    it('lists every call made to Jumio, oldest first: status calls, details, media list, media', async () => {
      const ref = randomUUID();
      t.simulator.script({ kind: 'scan', reference: ref, pendingPolls: 1 });
      await track(ref, 0);
      expect(await attempts(ref)).toEqual([]);
      await advance(40); // attempt 1: PENDING
      await advance(20); // attempt 2: DONE, then details, the list and six media
      const items = await attempts(ref);
      expect(items.map((a) => `${a.callType}:${a.outcome}`)).toEqual([
        'status:PENDING',
        'status:DONE',
        'details:STORED',
        'media-list:STORED',
        ...Array(6).fill('medium:STORED'),
      ]);
      expect(items.map((a) => a.countsAsAttempt)).toEqual([
        true,
        true,
        false,
        false,
        false,
        false,
        false,
        false,
        false,
        false,
      ]);
      const times = items.map((a) => Date.parse(a.at));
      expect([...times].sort((a, b) => a - b)).toEqual(times);
      expect(times[0]).toBe(Date.parse((await view(ref)).acquiredAt) + 40_000);
      for (const a of items) {
        expect(Object.keys(a).sort()).toEqual([
          'actor',
          'at',
          'callType',
          'countsAsAttempt',
          'durationMs',
          'endpoint',
          'error',
          'httpStatus',
          'outcome',
        ]);
        expect(a).toMatchObject({ httpStatus: 200, error: null, actor: null, durationMs: expect.any(Number) });
        expect(a.at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
        expect(a.endpoint).toMatch(new RegExp(`^/api/netverify/v2/scans/${ref}(/|$)`)); // a path: no host, no credentials
        expect(a.endpoint).not.toContain(JUMIO_TOKEN);
        expect(a.endpoint).not.toContain(JUMIO_SECRET);
      }
      // The same calls the simulator saw, in the same order.
      expect(items.map((a) => a.endpoint)).toEqual(t.simulator.requests({ reference: ref }).map((r) => r.path));
    });

    it('shows failures with their cause', async () => {
      const ref = randomUUID();
      t.simulator.script({
        kind: 'scan',
        reference: ref,
        pendingPolls: 0,
        faults: [{ endpoint: 'status', type: 'http500' }],
      });
      await track(ref, 0);
      await advance(40);
      const [first] = await attempts(ref);
      expect(first).toMatchObject({
        callType: 'status',
        httpStatus: 500,
        countsAsAttempt: true,
        error: expect.any(String),
      });
      expect(first.outcome).not.toBe('DONE');
    });

    it('404 when not tracked, 400 for a reference that is not a UUID or an unknown kind, 403 without the admin scope', async () => {
      const missing = await t
        .http()
        .get(`/v1/admin/transactions/${KIND}/${randomUUID()}/attempts`)
        .set(bearer(ADMIN_KEY))
        .expect(404);
      expect(missing.body).toEqual({
        statusCode: 404,
        error: 'Not Found',
        message: [expect.stringContaining('is not tracked')],
      });
      const notUuid = await t
        .http()
        .get(`/v1/admin/transactions/${KIND}/not-a-uuid/attempts`)
        .set(bearer(ADMIN_KEY))
        .expect(400);
      expect(notUuid.body.message).toEqual(['reference must be a UUID']);
      const badKind = await t
        .http()
        .get(`/v1/admin/transactions/passports/${randomUUID()}/attempts`)
        .set(bearer(ADMIN_KEY))
        .expect(400);
      expect(badKind.body.message).toEqual([
        'kind must be one of id-verifications, document-verifications, authentications',
      ]);
      await t
        .http()
        .get(`/v1/admin/transactions/${KIND}/${randomUUID()}/attempts`)
        .set(bearer(BACKEND_KEY))
        .expect(403);
    });
  });

  describe('POST /v1/admin/transactions/{kind}/{reference}/reconcile', () => {
    it('while waiting for the callback: 202, reconciliation starts now (CALLBACK_MISSED), and every call it makes carries the key name', async () => {
      const ref = randomUUID();
      t.simulator.script({ kind: 'scan', reference: ref });
      await track(ref, 3600);
      const limiter = t.app.get(OutboundRateLimiter);
      const acquire = jest.spyOn(limiter, 'acquire');
      try {
        const res = await reconcile(ref).expect(202);
        expect(res.body).toMatchObject({
          reference: ref,
          tracking: { state: 'RECONCILING', attempts: 0, nextAttemptAt: t.clock.now().toISOString() },
        });
        expect(await events(ref)).toEqual(['TRACKED', 'CALLBACK_MISSED']);
        await t.scheduler.drain(); // the clock has not moved: the attempt is due now
        const items = await attempts(ref);
        expect(items.map((a) => a.callType)).toEqual(['status', 'details', 'media-list', ...Array(6).fill('medium')]);
        expect(items.map((a) => a.actor)).toEqual(Array(9).fill(ADMIN_KEY_NAME));
        // Through the rate ceiling like any other call.
        expect(acquire).toHaveBeenCalledTimes(9);
      } finally {
        acquire.mockRestore();
      }
      expect((await view(ref)).tracking.state).toBe('RETRIEVED');
      expect(ruleViolations(t.simulator.requests({ reference: ref }))).toEqual([]);
      const stored = await t.dataSource.query(
        `SELECT count(*)::int AS n FROM jumio_call WHERE actor = $1 AND transaction_id = (SELECT id FROM tracked_transaction WHERE reference = $2)`,
        [ADMIN_KEY_NAME, ref],
      );
      expect(stored[0].n).toBe(9);

      // Final now: nothing to re-check.
      const again = await reconcile(ref).expect(409);
      expect(again.body).toEqual({
        statusCode: 409,
        error: 'Conflict',
        message: ['already RETRIEVED: nothing to re-check'],
      });
    });

    it("while reconciling: the next attempt now, once, however often it is asked; the schedule then resumes with Jumio's spacing", async () => {
      const ref = randomUUID();
      t.simulator.script({ kind: 'scan', reference: ref, pendingPolls: 5 });
      await track(ref, 0);
      const acquired = t.clock.now().getTime();
      await advance(40); // attempt 1, next at acquired + 60 s
      expect((await view(ref)).tracking).toMatchObject({
        state: 'RECONCILING',
        attempts: 1,
        nextAttemptAt: new Date(acquired + 60_000).toISOString(),
      });
      await advance(5);
      const now = t.clock.now().toISOString();
      for (let i = 0; i < 3; i++) {
        const res = await reconcile(ref).expect(202);
        expect(res.body.tracking).toMatchObject({ state: 'RECONCILING', attempts: 1, nextAttemptAt: now });
      }
      await t.scheduler.drain();
      let items = await attempts(ref);
      expect(items.map((a) => a.actor)).toEqual([null, ADMIN_KEY_NAME]); // one forced call, not three
      // Attempt 3 keeps the spacing from attempt 2: max(acquired + 100 s, attempt 2 + 40 s).
      expect((await view(ref)).tracking).toMatchObject({
        attempts: 2,
        nextAttemptAt: new Date(acquired + 100_000).toISOString(),
      });
      expect(await events(ref)).toEqual(['TRACKED', 'CALLBACK_MISSED']); // no second CALLBACK_MISSED
      await advance(55);
      items = await attempts(ref);
      expect(items.map((a) => a.actor)).toEqual([null, ADMIN_KEY_NAME, null]);
    });

    it('while a claim is in flight: one call at a time; the forced attempt follows it, carrying the key name', async () => {
      const ref = randomUUID();
      t.simulator.script({
        kind: 'scan',
        reference: ref,
        pendingPolls: 5,
        faults: [{ endpoint: 'status', type: 'slow', delayMs: 400 }],
      });
      await track(ref, 0);
      t.clock.advanceSeconds(40);
      const draining = t.scheduler.drain();
      for (let i = 0; i < 200 && t.simulator.requests({ reference: ref }).length === 0; i++)
        await new Promise((r) => setTimeout(r, 5));
      expect(t.simulator.requests({ reference: ref })).toHaveLength(1); // attempt 1 is at Jumio now
      const res = await reconcile(ref).expect(202);
      expect(res.body.tracking).toMatchObject({ state: 'RECONCILING', attempts: 0 });
      await draining;
      const calls = t.simulator.requests({ reference: ref });
      expect(calls).toHaveLength(2);
      expect(calls[1].at).toBeGreaterThanOrEqual(calls[0].at + (calls[0].durationMs ?? 0)); // never two at once
      expect((await attempts(ref)).map((a) => a.actor)).toEqual([null, ADMIN_KEY_NAME]);
      expect((await view(ref)).tracking.attempts).toBe(2);
    });

    it('after a RECEIVED report: reconciliation starts now, as after a FAILED report', async () => {
      const ref = randomUUID();
      t.simulator.script({ kind: 'scan', reference: ref });
      await track(ref, 3600);
      await t
        .http()
        .post(`/v1/${KIND}/${ref}/callback`)
        .set(bearer(BACKEND_KEY))
        .send({ outcome: 'RECEIVED' })
        .expect(200);
      const res = await reconcile(ref).expect(202);
      expect(res.body.tracking).toMatchObject({
        state: 'RECONCILING',
        callbackReceivedAt: expect.any(String),
        nextAttemptAt: t.clock.now().toISOString(),
      });
      expect(await events(ref)).toEqual(['TRACKED', 'CALLBACK_RECEIVED', 'CALLBACK_MISSED']);
      await t.scheduler.drain();
      expect((await view(ref)).tracking.state).toBe('RETRIEVED');
      expect(new Set((await attempts(ref)).map((a) => a.actor))).toEqual(new Set([ADMIN_KEY_NAME]));
    });

    it('409 naming the state on every final state', async () => {
      const notFound = randomUUID();
      t.simulator.script({ kind: 'scan', reference: notFound, final: 'NOT_FOUND' });
      await track(notFound, 0);
      await advance(40);
      expect((await reconcile(notFound).expect(409)).body.message).toEqual(['already NOT_FOUND: nothing to re-check']);

      const purged = randomUUID();
      await track(purged, 3600);
      await t
        .http()
        .delete(`/v1/admin/transactions/${KIND}/${purged}/personal-data`)
        .set(bearer(ADMIN_KEY))
        .expect(200);
      expect((await reconcile(purged).expect(409)).body.message).toEqual(['already PURGED: nothing to re-check']);

      const exhausted = randomUUID();
      t.simulator.script({ kind: 'authentication', reference: exhausted, pendingPolls: 100_000 });
      await track(exhausted, 0, 'authentications');
      for (let day = 0; day < 32; day++) await advance(86_400);
      expect((await reconcile(exhausted, ADMIN_KEY, 'authentications').expect(409)).body.message).toEqual([
        'already EXHAUSTED: nothing to re-check',
      ]);
      // A refused force changes nothing.
      expect(await events(notFound)).toEqual(['TRACKED', 'CALLBACK_MISSED', 'NOT_FOUND']);
    });

    it('403 with a transactions key, 401 without a key, 404 when not tracked, 400 for a bad kind or reference', async () => {
      const ref = randomUUID();
      await track(ref, 3600);
      const forbidden = await reconcile(ref, BACKEND_KEY).expect(403);
      expect(forbidden.body.message).toEqual([expect.stringContaining('lacks the "admin" scope')]);
      await t.http().post(`/v1/admin/transactions/${KIND}/${ref}/reconcile`).expect(401);
      expect((await view(ref)).tracking.state).toBe('AWAITING_CALLBACK'); // refused calls changed nothing
      expect((await reconcile(randomUUID()).expect(404)).body.message).toEqual([
        expect.stringContaining('is not tracked'),
      ]);
      expect(
        (await t.http().post(`/v1/admin/transactions/${KIND}/1234/reconcile`).set(bearer(ADMIN_KEY)).expect(400)).body
          .message,
      ).toEqual(['reference must be a UUID']);
      await t.http().post(`/v1/admin/transactions/scans/${ref}/reconcile`).set(bearer(ADMIN_KEY)).expect(400);
    });
  });
});
