import { randomUUID } from 'node:crypto';
import { MediaStore } from '../../src/engine/media/media-store';
import {
  ADMIN_KEY,
  BACKEND_KEY,
  JUMIO_SECRET,
  JUMIO_TOKEN,
  bearer,
  startTestApp,
  type TestApp,
} from '../support/test-app';

type Kind = 'id-verifications' | 'document-verifications' | 'authentications';

interface Known {
  kind: Kind;
  reference: string;
  state: string;
  status: string;
  customerReference: string | null;
  merchantReference: string | null;
  account: string;
  createdAt: number;
}

/**
 * GET /v1/admin/transactions over a known data set: every filter alone and combined, paging with every page
 * size, validation, and keyset pagination while transactions keep being tracked.
 */
describe('GET /v1/admin/transactions', () => {
  let t: TestApp;
  /** Everything tracked in this file, in creation order (so newest first is the reverse). */
  const known: Known[] = [];
  const T0 = Date.parse('2026-11-26T10:00:00.000Z');

  const SIM = {
    'id-verifications': 'scan',
    'document-verifications': 'document',
    authentications: 'authentication',
  } as const;

  async function track(kind: Kind, reference: string, body: Record<string, unknown>): Promise<void> {
    await t
      .http()
      .post(`/v1/${kind}`)
      .set(bearer(BACKEND_KEY))
      .send({ reference, acquiredAt: t.clock.now().toISOString(), ...body })
      .expect(201);
  }

  const list = (query: Record<string, string | number>) =>
    t.http().get('/v1/admin/transactions').query(query).set(bearer(ADMIN_KEY));

  /** Pages through with `limit`, checking every page's size and cursor; returns the references in order. */
  async function readAll(query: Record<string, string | number>, limit: number): Promise<string[]> {
    const refs: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 200; page++) {
      const res = await list({ ...query, limit, ...(cursor ? { cursor } : {}) }).expect(200);
      expect(res.body.items.length).toBeLessThanOrEqual(limit);
      refs.push(...res.body.items.map((v: { reference: string }) => v.reference));
      if (res.body.next === null) return refs;
      expect(res.body.items).toHaveLength(limit);
      cursor = res.body.next;
    }
    throw new Error('never reached the last page');
  }

  const expected = (match: (k: Known) => boolean) =>
    [...known]
      .reverse()
      .filter(match)
      .map((k) => k.reference);

  beforeAll(async () => {
    // Two accounts of the default data center (US): `main`, listed first, is the one a track without `account`
    // gets; the bulk transactions below name `second` explicitly.
    const accounts = ['main', 'second'].map((name) => `${name}:US:${JUMIO_TOKEN}:${JUMIO_SECRET}`);
    t = await startTestApp({ env: { JUMIO_ACCOUNTS: accounts.join(',') } });
    // [kind, script, state and status it ends in, customerReference, merchantReference, callback]
    const plan: [
      Kind,
      Record<string, unknown> | null,
      string,
      string,
      string | null,
      string | null,
      'RECEIVED' | null,
    ][] = [
      ['id-verifications', { final: 'DONE' }, 'RETRIEVED', 'DONE', 'cust-1', 'm-1', null],
      ['id-verifications', { final: 'FAILED' }, 'RETRIEVED', 'FAILED', 'cust-1', 'm-2', null],
      ['id-verifications', { final: 'NOT_FOUND' }, 'NOT_FOUND', 'NOT_FOUND', 'cust-2', null, null],
      ['id-verifications', null, 'AWAITING_CALLBACK', 'UNKNOWN', 'cust-2', 'm-1', null],
      ['document-verifications', { final: 'DONE', pages: [1] }, 'RETRIEVED', 'DONE', 'cust-1', null, null],
      ['document-verifications', { pendingPolls: 1000 }, 'RECONCILING', 'PENDING', null, 'm-3', null],
      ['authentications', { final: 'PASSED' }, 'RETRIEVED', 'DONE', 'cust-3', 'm-1', null],
      ['authentications', null, 'CALLBACK_RECEIVED', 'UNKNOWN', null, null, 'RECEIVED'],
    ];
    for (const [kind, script, state, status, customerReference, merchantReference, callback] of plan) {
      const reference = randomUUID();
      if (script) t.simulator.script({ kind: SIM[kind], reference, ...script });
      const body: Record<string, unknown> = { callbackGraceSeconds: script ? 0 : 86400 };
      if (customerReference) body.customerReference = customerReference;
      if (merchantReference) body.merchantReference = merchantReference;
      await track(kind, reference, body);
      if (callback)
        await t
          .http()
          .post(`/v1/${kind}/${reference}/callback`)
          .set(bearer(BACKEND_KEY))
          .send({ outcome: callback })
          .expect(200);
      known.push({
        kind,
        reference,
        state,
        status,
        customerReference,
        merchantReference,
        account: 'main',
        createdAt: t.clock.now().getTime(),
      });
      t.clock.advanceSeconds(1);
    }
    // Twelve tracked at the very same instant: only the id orders them.
    for (let i = 0; i < 12; i++) {
      const reference = randomUUID();
      await track('id-verifications', reference, {
        callbackGraceSeconds: 86400,
        customerReference: 'bulk',
        account: 'second',
      });
      known.push({
        kind: 'id-verifications',
        reference,
        state: 'AWAITING_CALLBACK',
        status: 'UNKNOWN',
        customerReference: 'bulk',
        merchantReference: null,
        account: 'second',
        createdAt: t.clock.now().getTime(),
      });
    }
    t.clock.advanceSeconds(60);
    await t.scheduler.drain();
  });
  afterAll(() => t.close());

  it('needs the admin scope', async () => {
    const res = await t.http().get('/v1/admin/transactions').set(bearer(BACKEND_KEY)).expect(403);
    expect(res.body).toEqual({ statusCode: 403, error: 'Forbidden', message: [expect.stringContaining('admin')] });
    await t.http().get('/v1/admin/transactions').expect(401);
  });

  it('the data set is what the test thinks it is', async () => {
    for (const k of known) {
      const v = (await t.http().get(`/v1/${k.kind}/${k.reference}`).set(bearer(BACKEND_KEY)).expect(200)).body;
      expect({ ref: k.reference, state: v.tracking.state, status: v.status }).toEqual({
        ref: k.reference,
        state: k.state,
        status: k.status,
      });
    }
  });

  it('no filter: every transaction, newest first, default page size 50, next null on the last page; each item is the view', async () => {
    const res = await list({}).expect(200);
    expect(res.body.next).toBeNull();
    expect(res.body.items.map((v: { reference: string }) => v.reference)).toEqual(expected(() => true));
    for (const item of res.body.items) {
      const view = (await t.http().get(`/v1/${item.kind}/${item.reference}`).set(bearer(BACKEND_KEY)).expect(200)).body;
      expect(item).toEqual(view);
    }
    const retrieved = res.body.items.find((v: { reference: string }) => v.reference === known[0].reference);
    expect(retrieved.media.map((m: { name: string }) => m.name)).toEqual([
      'front',
      'back',
      'face',
      'facemap',
      'liveness-1',
      'liveness-2',
    ]);
    expect(retrieved.result.document).toBeDefined();
  });

  it('pages with every size from 1 to 21: the same order, nothing skipped or repeated (ties on created_at broken by id)', async () => {
    const all = expected(() => true);
    for (const limit of [1, 2, 3, 5, 7, 11, 19, 20, 21]) expect(await readAll({}, limit)).toEqual(all);
  });

  it('reads the media of a whole page in one query, whatever the page size', async () => {
    const store = t.app.get(MediaStore);
    const many = jest.spyOn(store, 'listMany');
    const one = jest.spyOn(store, 'list');
    try {
      await list({ limit: 20 }).expect(200);
      expect(many).toHaveBeenCalledTimes(1);
      expect(many.mock.calls[0][0]).toHaveLength(20);
      expect(one).not.toHaveBeenCalled();
    } finally {
      many.mockRestore();
      one.mockRestore();
    }
  });

  describe('each filter alone', () => {
    const cases: [string, Record<string, string>, (k: Known) => boolean][] = [
      ['kind', { kind: 'document-verifications' }, (k) => k.kind === 'document-verifications'],
      ['kind (authentications)', { kind: 'authentications' }, (k) => k.kind === 'authentications'],
      ['state', { state: 'RETRIEVED' }, (k) => k.state === 'RETRIEVED'],
      ['state (AWAITING_CALLBACK)', { state: 'AWAITING_CALLBACK' }, (k) => k.state === 'AWAITING_CALLBACK'],
      ['state (none)', { state: 'EXHAUSTED' }, () => false],
      ['status', { status: 'FAILED' }, (k) => k.status === 'FAILED'],
      ['status (UNKNOWN)', { status: 'UNKNOWN' }, (k) => k.status === 'UNKNOWN'],
      ['customerReference', { customerReference: 'cust-1' }, (k) => k.customerReference === 'cust-1'],
      ['merchantReference', { merchantReference: 'm-1' }, (k) => k.merchantReference === 'm-1'],
      ['merchantReference (none)', { merchantReference: 'nobody' }, () => false],
      ['account', { account: 'second' }, (k) => k.account === 'second'],
      ['account (the other)', { account: 'main' }, (k) => k.account === 'main'],
      ['account (none)', { account: 'eu-main' }, () => false],
      ['createdFrom (inclusive)', { createdFrom: new Date(T0 + 3000).toISOString() }, (k) => k.createdAt >= T0 + 3000],
      ['createdTo (exclusive)', { createdTo: new Date(T0 + 3000).toISOString() }, (k) => k.createdAt < T0 + 3000],
      ['createdFrom with an offset', { createdFrom: '2026-11-26T11:00:05+01:00' }, (k) => k.createdAt >= T0 + 5000],
    ];
    it.each(cases)('%s', async (_, query, match) => {
      const want = expected(match);
      expect(await readAll(query, 50)).toEqual(want);
      expect(await readAll(query, 2)).toEqual(want);
    });
  });

  describe('filters combined (AND)', () => {
    const cases: [string, Record<string, string>, (k: Known) => boolean][] = [
      [
        'kind + state',
        { kind: 'id-verifications', state: 'RETRIEVED' },
        (k) => k.kind === 'id-verifications' && k.state === 'RETRIEVED',
      ],
      [
        'kind + status',
        { kind: 'authentications', status: 'DONE' },
        (k) => k.kind === 'authentications' && k.status === 'DONE',
      ],
      [
        'state + customerReference',
        { state: 'RETRIEVED', customerReference: 'cust-1' },
        (k) => k.state === 'RETRIEVED' && k.customerReference === 'cust-1',
      ],
      [
        'customerReference + merchantReference',
        { customerReference: 'cust-2', merchantReference: 'm-1' },
        (k) => k.customerReference === 'cust-2' && k.merchantReference === 'm-1',
      ],
      [
        'createdFrom + createdTo',
        { createdFrom: new Date(T0 + 2000).toISOString(), createdTo: new Date(T0 + 6000).toISOString() },
        (k) => k.createdAt >= T0 + 2000 && k.createdAt < T0 + 6000,
      ],
      [
        'kind + state + status + createdFrom + createdTo + customerReference',
        {
          kind: 'id-verifications',
          state: 'AWAITING_CALLBACK',
          status: 'UNKNOWN',
          customerReference: 'bulk',
          createdFrom: new Date(T0).toISOString(),
          createdTo: new Date(T0 + 3_600_000).toISOString(),
        },
        (k) => k.customerReference === 'bulk',
      ],
      [
        'account + kind',
        { account: 'main', kind: 'id-verifications' },
        (k) => k.account === 'main' && k.kind === 'id-verifications',
      ],
      ['contradictory: nothing', { kind: 'authentications', customerReference: 'cust-1' }, () => false],
    ];
    it.each(cases)('%s', async (_, query, match) => {
      const want = expected(match);
      expect(want.length > 0 || _ === 'contradictory: nothing').toBe(true);
      expect(await readAll(query, 50)).toEqual(want);
      expect(await readAll(query, 1)).toEqual(want);
    });
  });

  describe('validation', () => {
    const bad = async (query: Record<string, string | number>, fragment: string) => {
      const res = await list(query).expect(400);
      expect(res.body.statusCode).toBe(400);
      expect(res.body.message.join(' | ')).toContain(fragment);
    };
    it('unknown parameters are refused', () => bad({ sort: 'asc' }, 'property sort should not exist'));
    it('bad enum values name the field and what is allowed', async () => {
      await bad({ kind: 'passports' }, 'kind must be one of id-verifications, document-verifications, authentications');
      await bad({ state: 'DONE' }, 'state must be one of AWAITING_CALLBACK');
      await bad({ status: 'RETRIEVED' }, 'status must be one of PENDING, DONE, FAILED, NOT_FOUND, UNKNOWN');
    });
    it('limit is 1..500', async () => {
      await bad({ limit: 0 }, 'limit must be at least 1');
      await bad({ limit: 501 }, 'limit must be at most 500');
      await bad({ limit: 'ten' }, 'limit must be a whole number from 1 to 500');
      await bad({ limit: 2.5 }, 'limit must be a whole number');
      expect((await list({ limit: '1e2' }).expect(400)).body.message).toEqual([
        'limit must be a whole number from 1 to 500',
      ]);
      expect((await list({ limit: 500 }).expect(200)).body.items).toHaveLength(known.length);
    });
    it('timestamps are ISO-8601 with a zone', async () => {
      await bad({ createdFrom: 'yesterday' }, 'createdFrom must be an ISO-8601 timestamp with a zone');
      await bad({ createdTo: '2026-11-26T10:00:00' }, 'createdTo must be an ISO-8601 timestamp with a zone');
      await bad({ createdTo: '2026-02-30T10:00:00Z' }, 'createdTo must be an ISO-8601 timestamp');
      await bad(
        { createdFrom: '2026-11-27T00:00:00Z', createdTo: '2026-11-26T00:00:00Z' },
        'createdFrom must not be after createdTo',
      );
    });
    it('references are at most 255 characters, without NUL', async () => {
      await bad({ customerReference: 'x'.repeat(256) }, 'customerReference must be at most 255 characters');
      await bad({ merchantReference: 'a\u0000b' }, 'merchantReference must not contain NUL characters');
      await bad({ account: 'x'.repeat(256) }, 'account must be at most 255 characters');
      await bad({ account: 'a\u0000b' }, 'account must not contain NUL characters');
      expect((await list({ merchantReference: "' OR 1=1 --" }).expect(200)).body).toEqual({ items: [], next: null });
    });
    it('a cursor must be one the API made, for the same filters', async () => {
      await bad({ cursor: 'not-a-cursor' }, 'cursor must be a value returned as "next"');
      await bad(
        { cursor: Buffer.from('v1.000000000000.2026-11-26T10:00:00.000000Z.1').toString('base64url') },
        'cursor belongs to a query with other filters',
      );
      await bad(
        { cursor: Buffer.from("v1.abc.2026-11-26T10:00:00.000000Z.1' OR 1=1").toString('base64url') },
        'cursor must be a value returned as "next"',
      );
      // Well-formed but not a real instant (PostgreSQL would refuse it): 400, not 500, whatever the digest.
      const digest = /^v1\.([0-9a-f]{12})\./.exec(
        Buffer.from((await list({ limit: 1 }).expect(200)).body.next, 'base64url').toString(),
      )![1];
      for (const at of ['2026-02-30T10:00:00.000000Z', '2026-11-26T24:00:00.000000Z', '0000-01-01T00:00:00.000000Z']) {
        await bad(
          { cursor: Buffer.from(`v1.${digest}.${at}.1`).toString('base64url') },
          'cursor must be a value returned as "next"',
        );
      }
      await bad(
        { cursor: Buffer.from(`v1.${digest}.2026-11-26T10:00:00.000000Z.99999999999999999999`).toString('base64url') },
        'cursor must be a value returned as "next"',
      );
      const first = (await list({ limit: 2, state: 'AWAITING_CALLBACK' }).expect(200)).body;
      expect(first.next).toEqual(expect.any(String));
      await bad({ limit: 2, cursor: first.next }, 'cursor belongs to a query with other filters');
      await bad({ limit: 2, state: 'RETRIEVED', cursor: first.next }, 'cursor belongs to a query with other filters');
      const byAccount = (await list({ limit: 2, account: 'second' }).expect(200)).body;
      await bad({ limit: 2, account: 'main', cursor: byAccount.next }, 'cursor belongs to a query with other filters');
      await bad({ limit: 2, cursor: byAccount.next }, 'cursor belongs to a query with other filters');
      // The same filters with another page size are fine.
      await list({ limit: 5, state: 'AWAITING_CALLBACK', cursor: first.next }).expect(200);
    });
  });

  it('pagination under concurrent inserts: every transaction that existed at the start is served exactly once, in order', async () => {
    const before = expected(() => true);
    const inserted: string[] = [];
    const seen: string[] = [];
    let cursor: string | undefined;
    const serverNow = t.clock.now().getTime();
    for (let page = 0; page < 100; page++) {
      const res = await list({ limit: 3, ...(cursor ? { cursor } : {}) }).expect(200);
      seen.push(...res.body.items.map((v: { reference: string }) => v.reference));
      // Between two page reads, other clients track transactions: one now (newer than everything served), one at
      // the same instant as the bulk rows being paged through, and one from a replica whose clock lags by 10 s.
      for (const at of [serverNow + page * 1000, T0 + 8000, T0 + 3000 - 10_000 + page]) {
        t.clock.set(at);
        const reference = randomUUID();
        await t
          .http()
          .post('/v1/id-verifications')
          .set(bearer(BACKEND_KEY))
          .send({ reference, callbackGraceSeconds: 86400 })
          .expect(201);
        inserted.push(reference);
      }
      if (res.body.next === null) break;
      cursor = res.body.next;
    }
    t.clock.set(serverNow);
    expect(new Set(seen).size).toBe(seen.length); // nothing repeated, new rows included
    expect(seen.filter((r) => before.includes(r))).toEqual(before); // nothing that existed skipped, in order
    expect(seen.filter((r) => !before.includes(r)).every((r) => inserted.includes(r))).toBe(true);
    expect(seen.length).toBeGreaterThan(before.length); // the lagging replica's rows landed behind the cursor and were served
  });
});
