import { randomUUID } from 'node:crypto';
import { readFeedUntil, type FeedEventBody } from '../support/feed-reader';
import { ADMIN_KEY, BACKEND_KEY, bearer, startTestApp, type TestApp } from '../support/test-app';

/** GET /v1/admin/transactions/{kind}/{reference}/events: the events of one transaction, for the operators' page. */
describe('admin: one transaction’s events', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const events = (kind: string, reference: string, key = ADMIN_KEY) =>
    t.http().get(`/v1/admin/transactions/${kind}/${reference}/events`).set(bearer(key));

  it('lists its events oldest first, as the feed shows them, and no other transaction’s', async () => {
    const reference = randomUUID();
    const other = randomUUID();
    t.simulator.script({ kind: 'scan', reference, pendingPolls: 1 });
    for (const r of [reference, other])
      await t
        .http()
        .post('/v1/id-verifications')
        .set(bearer(BACKEND_KEY))
        .send({ reference: r.toUpperCase(), acquiredAt: t.clock.now().toISOString(), callbackGraceSeconds: 0 })
        .expect(201);
    for (let i = 0; i < 3; i++) {
      t.clock.advanceSeconds(40);
      await t.scheduler.drain();
    }

    const body = (await events('id-verifications', reference.toUpperCase()).expect(200)).body;
    expect(body.items.map((e: { type: string }) => e.type)).toEqual([
      'TRACKED',
      'CALLBACK_MISSED',
      'RESULT_STORED',
      'RETRIEVED',
    ]);
    for (const e of body.items) {
      expect(e).toEqual({
        id: expect.any(String),
        kind: 'id-verifications',
        reference,
        type: e.type,
        at: expect.any(String),
      });
    }
    const ofThis = (feed: FeedEventBody[]) => feed.filter((e) => e.reference === reference);
    const feed = await readFeedUntil(t, ADMIN_KEY, (events) => ofThis(events).length >= body.items.length);
    expect(body.items).toEqual(ofThis(feed));
    expect(body.items[0].at).toBe('2026-11-26T10:00:00.000Z');
  });

  it('is 404 for a reference not tracked (or tracked as another kind), 400 for a bad one, and needs the admin scope', async () => {
    const reference = randomUUID();
    await t.http().post('/v1/authentications').set(bearer(BACKEND_KEY)).send({ reference }).expect(201);
    expect((await events('authentications', reference).expect(200)).body.items).toHaveLength(1);
    expect((await events('id-verifications', reference).expect(404)).body.message).toEqual([
      expect.stringContaining('is not tracked'),
    ]);
    expect((await events('id-verifications', 'not-a-uuid').expect(400)).body.message).toEqual([
      'reference must be a UUID',
    ]);
    await events('authentications', reference, BACKEND_KEY).expect(403);
    await t.http().get(`/v1/admin/transactions/authentications/${reference}/events`).expect(401);
  });
  it("is in the OpenAPI document; the operators' page is not (it is no API)", async () => {
    const doc = (await t.http().get('/docs/openapi.json').expect(200)).body;
    expect(Object.keys(doc.paths['/v1/admin/transactions/{kind}/{reference}/events'])).toEqual(['get']);
    expect(Object.keys(doc.paths).filter((p) => p.startsWith('/admin'))).toEqual([]);
  });
});
