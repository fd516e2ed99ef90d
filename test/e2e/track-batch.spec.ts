import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { readFeedUntil } from '../support/feed-reader';
import { pollUntil } from '../support/poll-until';
import { BACKEND_KEY, bearer, startTestApp, type TestApp } from '../support/test-app';

/**
 * POST /v1/{kind}/batch on real PostgreSQL: every item answered as POST /v1/{kind} would answer it alone, in input
 * order (duplicates inside one batch included), a bad item never stopping the others, and the limits of the whole
 * request (1 to 1,000 items, 1 MiB).
 */
describe('tracking many at once', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const batch = (items: unknown, kind = 'id-verifications') =>
    t.http().post(`/v1/${kind}/batch`).set(bearer(BACKEND_KEY)).send({ items });
  const single = (body: Record<string, unknown>, kind = 'id-verifications') =>
    t.http().post(`/v1/${kind}`).set(bearer(BACKEND_KEY)).send(body);
  const acquiredAt = () => new Date(t.clock.now().getTime() - 60_000).toISOString();

  it('answers each item as the single route would, in input order, and a rerun as retries', async () => {
    const [a, b, c]: string[] = [randomUUID(), randomUUID(), randomUUID()];
    const at = acquiredAt();
    const items = [
      { reference: a, acquiredAt: at, merchantReference: 'order-1' },
      { reference: b, acquiredAt: at, datacenter: 'EU', callbackGraceSeconds: 60 },
      { reference: c.toUpperCase(), acquiredAt: at, customerReference: 'user-3' },
    ];
    const first = await batch(items).expect(200);
    expect(first.body.items.map((i: { index: number; status: number }) => [i.index, i.status])).toEqual([
      [0, 201],
      [1, 201],
      [2, 201],
    ]);
    // The view each item answers is the view the single route reads.
    for (const [i, ref] of [a, b, c].entries()) {
      const read = await t.http().get(`/v1/id-verifications/${ref}`).set(bearer(BACKEND_KEY)).expect(200);
      expect(first.body.items[i].view).toEqual(read.body);
    }
    expect(first.body.items[1].view).toMatchObject({ datacenter: 'EU', merchantReference: null });
    expect(first.body.items[1].view.tracking.callbackDeadline).toBe(new Date(Date.parse(at) + 60_000).toISOString());
    expect(first.body.items[2].view.reference).toBe(c);

    const again = await batch(items).expect(200);
    expect(again.body.items.map((i: { status: number }) => i.status)).toEqual([200, 200, 200]);
    expect(again.body.items.map((i: { view: unknown }) => i.view)).toEqual(first.body.items.map((i: any) => i.view));

    // One TRACKED event per created transaction, none for the retries.
    const events = await readFeedUntil(t, BACKEND_KEY, (e) => [a, b, c].every((r) => e.some((x) => x.reference === r)));
    const tracked = events.filter((e) => [a, b, c].includes(e.reference));
    expect(tracked.map((e) => [e.reference, e.type])).toEqual([
      [a, 'TRACKED'],
      [b, 'TRACKED'],
      [c, 'TRACKED'],
    ]);
  });

  it('answers the same reference twice in one batch as created, then a retry or a conflict', async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    const at = acquiredAt();
    const res = await batch([
      { reference: a, acquiredAt: at, merchantReference: 'm-1' },
      { reference: a.toUpperCase(), merchantReference: 'm-1' },
      { reference: a, merchantReference: 'm-2', callbackGraceSeconds: 5 },
      { reference: b, acquiredAt: at },
      { reference: b, acquiredAt: new Date(Date.parse(at) - 1000).toISOString() },
    ]).expect(200);
    expect(res.body.items.map((i: { status: number }) => i.status)).toEqual([201, 200, 409, 201, 409]);
    expect(res.body.items[2]).toEqual({
      index: 2,
      status: 409,
      message: [
        "merchantReference differs from the tracked transaction's (the reference is already tracked with another merchantReference)",
        "callbackGraceSeconds differs from the tracked transaction's (the reference is already tracked with another callbackGraceSeconds)",
      ],
    });
    // The same conflict through the single route gives the same messages.
    const alone = await single({ reference: a, merchantReference: 'm-2', callbackGraceSeconds: 5 }).expect(409);
    expect(alone.body.message).toEqual(res.body.items[2].message);
    expect(res.body.items[4].message).toEqual([
      "acquiredAt differs from the tracked transaction's (the reference is already tracked with another acquiredAt)",
    ]);
  });

  it('stores deleteAtJumio per item: a retry with the same value is 200, another value a 409 naming it', async () => {
    const [on, off] = [randomUUID(), randomUUID()];
    const at = acquiredAt();
    const first = await batch([
      { reference: on, acquiredAt: at, deleteAtJumio: true },
      { reference: off, acquiredAt: at },
    ]).expect(200);
    expect(first.body.items.map((i: { status: number }) => i.status)).toEqual([201, 201]);
    const stored = await t.dataSource.query(
      `SELECT reference, delete_at_jumio FROM tracked_transaction WHERE reference = ANY($1::uuid[]) ORDER BY reference`,
      [[on, off]],
    );
    expect(Object.fromEntries(stored.map((r: any) => [r.reference, r.delete_at_jumio]))).toEqual({
      [on]: true,
      [off]: false,
    });
    const again = await batch([
      { reference: on, acquiredAt: at, deleteAtJumio: true },
      { reference: off, acquiredAt: at, deleteAtJumio: true },
    ]).expect(200);
    expect(again.body.items.map((i: { status: number }) => i.status)).toEqual([200, 409]);
    expect(again.body.items[1].message.join(' ')).toContain('deleteAtJumio');
    // The single route agrees with the batch on both.
    await single({ reference: on, acquiredAt: at, deleteAtJumio: true }).expect(200);
    expect(
      (await single({ reference: off, acquiredAt: at, deleteAtJumio: true }).expect(409)).body.message.join(' '),
    ).toContain('deleteAtJumio');
  });

  it('answers a bad item with the single route its 400, and tracks the others', async () => {
    const [good, later] = [randomUUID(), randomUUID()];
    const bad = [
      { reference: 'not-a-uuid' },
      {
        reference: randomUUID(),
        ...Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`f${i}${'x'.repeat(400)}`, 1])),
      },
      { reference: randomUUID(), callbackGraceSeconds: 86401, color: 'red' },
      { reference: randomUUID(), acquiredAt: new Date(t.clock.now().getTime() + 3_600_000).toISOString() },
      { reference: randomUUID(), account: 'nobody' },
      { reference: randomUUID(), merchantReference: null },
    ];
    const res = await batch([{ reference: good }, 'a string', 42, null, [1], ...bad, { reference: later }]).expect(200);
    const answers = res.body.items as { index: number; status: number; message?: string[] }[];
    expect(answers.map((a) => a.index)).toEqual([...Array(12).keys()]);
    expect(answers.map((a) => a.status)).toEqual([201, 400, 400, 400, 400, 400, 400, 400, 400, 400, 400, 201]);
    for (const i of [1, 2, 3, 4]) expect(answers[i].message).toEqual([`items[${i}] must be an object (a track body)`]);
    for (const [n, body] of bad.entries()) {
      const alone = await single(body).expect(400);
      expect(answers[5 + n].message).toEqual(alone.body.message);
    }
    // Shaped as the single route's error body: at most 20 messages of at most 300 characters.
    expect(answers[6].message).toHaveLength(20);
    expect(Math.max(...answers[6].message!.map((m) => m.length))).toBe(300);
    expect(answers[7].message).toEqual(expect.arrayContaining(['property color should not exist']));
    expect(answers[9].message!.join(' ')).toContain('nobody');
  });

  it('answers batches that share references in opposite orders, each reference created once (no deadlock)', async () => {
    // Another transaction holds the middle reference's insert, so that both batches are under way at once.
    const [first, held, last] = [randomUUID(), randomUUID(), randomUUID()];
    const holder = new Client({ connectionString: t.databaseUrl });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query(
        `INSERT INTO tracked_transaction (kind, reference, datacenter, account, acquired_at, callback_grace_seconds,
           callback_deadline, state, status, attempts, created_at, updated_at)
         VALUES ('id-verifications', $1, 'US', 'default', now(), 0, now(), 'AWAITING_CALLBACK', 'UNKNOWN', 0, now(), now())`,
        [held],
      );
      const items = [first, held, last].map((reference) => ({ reference }));
      const answers = Promise.all([batch(items), batch([...items].reverse())]);
      await pollUntil(
        async () => {
          const waiting = await t.dataSource.query(
            `SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'WITH input AS%'`,
          );
          return waiting[0].n === 2 ? true : null;
        },
        10_000,
        'both batches waiting on a lock',
      );
      await holder.query('ROLLBACK');
      const [forward, backward] = await answers;
      expect([forward.status, backward.status]).toEqual([200, 200]);
      const created = [...forward.body.items, ...backward.body.items].filter(
        (i: { status: number }) => i.status === 201,
      );
      expect(created.map((i: { view: { reference: string } }) => i.view.reference).sort()).toEqual(
        [first, held, last].sort(),
      );
    } finally {
      await holder.end();
    }
  });

  it('refuses a key class-transformer would drop inside an item, as the single route does', async () => {
    const body = `{"items":[{"reference":"${randomUUID()}","__proto__":{"x":1}}]}`;
    const res = await t
      .http()
      .post('/v1/id-verifications/batch')
      .set(bearer(BACKEND_KEY))
      .set('Content-Type', 'application/json')
      .send(body)
      .expect(200);
    expect(res.body.items).toEqual([{ index: 0, status: 400, message: ['property __proto__ should not exist'] }]);
  });

  it('keeps kinds apart: a reference tracked as another kind is a new transaction of this kind', async () => {
    const ref = randomUUID();
    await single({ reference: ref }, 'authentications').expect(201);
    const res = await batch([{ reference: ref }, { reference: 'P-2xl9-1d8f' }]).expect(200);
    expect(res.body.items[0]).toMatchObject({ status: 201, view: { kind: 'id-verifications', reference: ref } });
    expect(res.body.items[1]).toEqual({
      index: 1,
      status: 400,
      message: ["reference must be a UUID (Jumio's scanReference or transactionReference)"],
    });
    const auth = await batch([{ reference: ref }], 'authentications').expect(200);
    expect(auth.body.items[0]).toMatchObject({ status: 200, view: { kind: 'authentications' } });
  });

  it('refuses the whole request when items is missing, not an array, empty or over 1,000', async () => {
    for (const [body, message] of [
      [{}, 'items must be an array of 1 to 1000 track bodies'],
      [{ items: { reference: randomUUID() } }, 'items must be an array of 1 to 1000 track bodies'],
      [{ items: [] }, 'items must hold at least 1 track body'],
      [
        { items: Array.from({ length: 1001 }, () => ({ reference: randomUUID() })) },
        'items must hold at most 1000 track bodies (send the rest in another batch)',
      ],
      [{ items: [{ reference: randomUUID() }], extra: 1 }, 'property extra should not exist'],
      [[{ reference: randomUUID() }], 'items must be an array of 1 to 1000 track bodies'],
    ] as const) {
      const res = await t.http().post('/v1/id-verifications/batch').set(bearer(BACKEND_KEY)).send(body).expect(400);
      expect(res.body.message).toContain(message);
    }
    // Nothing of a refused batch was tracked.
    const count = await t.dataSource.query(`SELECT count(*)::int AS n FROM tracked_transaction`);
    const full = Array.from({ length: 1000 }, () => ({ reference: randomUUID(), merchantReference: 'x'.repeat(200) }));
    const res = await batch(full).expect(200);
    expect(res.body.items).toHaveLength(1000);
    expect(res.body.items.every((i: { status: number }) => i.status === 201)).toBe(true);
    const after = await t.dataSource.query(`SELECT count(*)::int AS n FROM tracked_transaction`);
    expect(after[0].n - count[0].n).toBe(1000);
  });

  it('takes up to 1 MiB on this route only, and answers 413 above it', async () => {
    const item = () => ({
      reference: randomUUID(),
      merchantReference: 'm'.repeat(255),
      customerReference: 'c'.repeat(255),
    });
    const items = Array.from({ length: 1000 }, item);
    const size = Buffer.byteLength(JSON.stringify({ items }));
    expect(size).toBeGreaterThan(64 * 1024);
    expect(size).toBeLessThan(1024 * 1024);
    await batch(items).expect(200);
    const huge = { items: [{ reference: randomUUID(), merchantReference: 'm'.repeat(1024 * 1024) }] };
    const res = await t.http().post('/v1/id-verifications/batch').set(bearer(BACKEND_KEY)).send(huge).expect(413);
    expect(res.body.message).toEqual(['request body exceeds 1048576 bytes (1024 KiB)']);
    // The single route still stops at 64 KiB.
    await single({ reference: randomUUID(), merchantReference: 'm'.repeat(70 * 1024) }).expect(413);
  });
});
