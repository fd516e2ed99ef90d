import { randomUUID } from 'node:crypto';
import { ADMIN_KEY, BACKEND_KEY, bearer, startTestApp, type TestApp } from '../support/test-app';

describe('GET /v1/admin/stats', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('needs the admin scope', async () => {
    const res = await t.http().get('/v1/admin/stats').set(bearer(BACKEND_KEY)).expect(403);
    expect(res.body).toEqual({ statusCode: 403, error: 'Forbidden', message: [expect.stringContaining('admin')] });
    await t.http().get('/v1/admin/stats').expect(401);
  });

  it('reports a known data set: states by kind, due now, the oldest overdue step and the calls of the last hour', async () => {
    const retrieved = randomUUID();
    const awaiting = randomUUID();
    const overdue = randomUUID();
    t.simulator.script({ kind: 'scan', reference: retrieved, pendingPolls: 1 });
    const track = (kind: string, reference: string, graceSeconds: number) =>
      t
        .http()
        .post(`/v1/${kind}`)
        .set(bearer(BACKEND_KEY))
        .send({ reference, acquiredAt: t.clock.now().toISOString(), callbackGraceSeconds: graceSeconds })
        .expect(201);
    await track('id-verifications', retrieved, 0);
    await track('id-verifications', awaiting, 3600);
    await track('authentications', overdue, 61);
    t.clock.advanceSeconds(40);
    await t.scheduler.drain(); // retrieved: attempt 1 PENDING
    t.clock.advanceSeconds(20);
    await t.scheduler.drain(); // retrieved: attempt 2 DONE, then details, list, 6 media
    t.clock.advanceSeconds(45); // the authentication's deadline (61 s) passed 44 s ago; nobody has run it

    const stats = (await t.http().get('/v1/admin/stats').set(bearer(ADMIN_KEY)).expect(200)).body;
    expect(stats.states).toEqual({
      'id-verifications': { RETRIEVED: 1, AWAITING_CALLBACK: 1 },
      'document-verifications': {},
      authentications: { AWAITING_CALLBACK: 1 },
    });
    expect(stats.dueNow).toBe(1);
    expect(stats.oldestOverdue).toEqual({
      kind: 'authentications',
      reference: overdue,
      dueAt: expect.any(String),
      lateSeconds: 44,
    });
    const calls = Object.fromEntries(
      stats.jumioCalls.map((c: { endpoint: string; httpStatus: number; count: number }) => [
        `${c.endpoint}:${c.httpStatus}`,
        c.count,
      ]),
    );
    expect(calls).toEqual({ 'status:200': 2, 'details:200': 1, 'media-list:200': 1, 'medium:200': 6 });
    expect(JSON.stringify(stats.jumioCalls)).not.toContain(retrieved);
  });
});
