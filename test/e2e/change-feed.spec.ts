import { randomUUID } from 'node:crypto';
import type { QueryRunner } from 'typeorm';
import { KINDS, type Kind } from '../../src/engine/domain/kinds';
import { EVENT_TYPES, type EventType } from '../../src/engine/domain/tracking-state-machine';
import { ChangeFeed, encodeCursor, type FeedEvent, type FeedPage } from '../../src/engine/feed/change-feed';
import { BACKEND_KEY, bearer, startTestApp, type TestApp } from '../support/test-app';

/**
 * The change feed's promise: a reader that keeps `next` sees every committed event exactly once, in the feed's
 * (xid, id) order, also when write transactions commit out of id order; rolled-back events never appear.
 */
describe('change feed under concurrent writers', () => {
  let t: TestApp;
  let feed: ChangeFeed;

  beforeAll(async () => {
    t = await startTestApp();
    feed = t.app.get(ChangeFeed);
  });
  afterAll(() => t?.close());

  const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

  async function readToEnd(after: string | undefined): Promise<{ events: FeedEvent[]; next: string }> {
    const events: FeedEvent[] = [];
    let next = after;
    for (let guard = 0; guard < 1000; guard++) {
      const page: FeedPage = await feed.read(next, 100);
      events.push(...page.events);
      next = page.next;
      if (page.events.length === 0) return { events, next: page.next };
    }
    throw new Error('feed never ran dry');
  }

  async function openTransaction(): Promise<QueryRunner> {
    const qr = t.dataSource.createQueryRunner();
    await qr.connect();
    await qr.startTransaction();
    return qr;
  }

  function getEvents(query: Record<string, string | number>) {
    return t.http().get('/v1/events').query(query).set(bearer(BACKEND_KEY));
  }


  it('PROBE', async () => {
    const x = async () => (await t.dataSource.query(`SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS x`))[0].x;
    console.log('before', await x());
    const t0 = Date.now();
    await t.dataSource.query(`DO $$ BEGIN FOR i IN 1..20000 LOOP PERFORM pg_current_xact_id(); COMMIT; END LOOP; END $$`);
    console.log('after', await x(), Date.now() - t0);
    const r = await getEvents({ after: encodeCursor({ xid: '99999999999999999999', id: '1' }) });
    console.log(r.status, r.body);
    const r2 = await getEvents({ after: encodeCursor({ xid: '1', id: '9999999999999999999' }) });
    console.log(r2.status, r2.body);
  });
  describe('a transaction that commits after a younger one', () => {
    it('holds back the younger event until the older one commits, then serves both in (xid) order; a naive id cursor would skip the older', async () => {
      const { next: start } = await readToEnd(undefined);
      const [{ max: naiveStart }] = await t.dataSource.query(`SELECT coalesce(max(id), 0)::text AS max FROM change_event`);
      const refA = randomUUID();
      const refB = randomUUID();
      const refC = randomUUID();

      const a = await openTransaction();
      const b = await openTransaction();
      const c = await openTransaction();
      try {
        await feed.append(a.manager, 'id-verifications', refA, ['TRACKED'], new Date());
        await feed.append(b.manager, 'id-verifications', refB, ['TRACKED'], new Date());
        await feed.append(c.manager, 'id-verifications', refC, ['TRACKED'], new Date());
        await b.commitTransaction();
        await c.rollbackTransaction();

        // B committed, but A (older) is still running: nothing may be served past A's position.
        const held = await feed.read(start, 100);
        expect(held.events).toEqual([]);
        expect(held.next).toBe(start);
        const heldHttp = await getEvents({ after: start, limit: 50 }).expect(200);
        expect(heldHttp.body).toEqual({ events: [], next: start });

        // A naive reader paging by id alone sees B now and moves its cursor past A's lower id.
        const naive1: { id: string; reference: string }[] = await t.dataSource.query(
          `SELECT id::text AS id, reference FROM change_event WHERE id > $1 ORDER BY id`,
          [naiveStart],
        );
        expect(naive1.map((r) => r.reference)).toEqual([refB]);
        const naiveCursor = naive1[naive1.length - 1].id;

        await a.commitTransaction();

        const served = await feed.read(start, 100);
        expect(served.events.map((e) => e.reference)).toEqual([refA, refB]);
        expect(served.events.map((e) => e.type)).toEqual(['TRACKED', 'TRACKED']);
        expect(served.next).not.toBe(start);
        const rows: { reference: string; id: string; xid: string }[] = await t.dataSource.query(
          `SELECT reference, id::text AS id, xid::text AS xid FROM change_event WHERE reference = ANY($1::uuid[])`,
          [[refA, refB, refC]],
        );
        const rowA = rows.find((r) => r.reference === refA)!;
        const rowB = rows.find((r) => r.reference === refB)!;
        expect(BigInt(rowA.id)).toBeLessThan(BigInt(rowB.id));
        expect(BigInt(rowA.xid)).toBeLessThan(BigInt(rowB.xid));
        expect(rows.map((r) => r.reference)).not.toContain(refC); // rolled back: never written
        expect(served.events.map((e) => e.id)).toEqual([rowA.id, rowB.id]);

        // Over HTTP with the same cursor: the same two, in the same order.
        const http = await getEvents({ after: start, limit: 50 }).expect(200);
        expect(http.body.events.map((e: FeedEvent) => e.reference)).toEqual([refA, refB]);
        expect(http.body.next).toBe(served.next);

        // The naive reader, continuing from its cursor, never sees A.
        const naive2: { reference: string }[] = await t.dataSource.query(
          `SELECT reference FROM change_event WHERE id > $1 ORDER BY id`,
          [naiveCursor],
        );
        expect(naive2.map((r) => r.reference)).not.toContain(refA);
        expect([...naive1, ...naive2].map((r) => r.reference)).toEqual([refB]);

        // Continuing from next: nothing again, same cursor.
        const after = await feed.read(served.next, 100);
        expect(after).toEqual({ events: [], next: served.next });
      } finally {
        for (const qr of [a, b, c]) {
          if (qr.isTransactionActive) await qr.rollbackTransaction();
          await qr.release();
        }
      }
    });

    it('a page limit never splits around a held-back transaction', async () => {
      const { next: start } = await readToEnd(undefined);
      const refs = Array.from({ length: 5 }, () => randomUUID());
      const old = await openTransaction();
      try {
        await feed.append(old.manager, 'authentications', refs[0], ['TRACKED', 'CALLBACK_MISSED'], new Date());
        for (const ref of refs.slice(1)) {
          const y = await openTransaction();
          await feed.append(y.manager, 'authentications', ref, ['TRACKED'], new Date());
          await y.commitTransaction();
          await y.release();
        }
        expect(await feed.read(start, 1)).toEqual({ events: [], next: start });
        await old.commitTransaction();
        const seen: string[] = [];
        let next = start;
        for (let i = 0; i < 20; i++) {
          const page = await feed.read(next, 1);
          expect(page.events.length).toBeLessThanOrEqual(1);
          if (page.events.length === 0) break;
          seen.push(`${page.events[0].reference}:${page.events[0].type}`);
          next = page.next;
        }
        expect(seen).toEqual([`${refs[0]}:TRACKED`, `${refs[0]}:CALLBACK_MISSED`, ...refs.slice(1).map((r) => `${r}:TRACKED`)]);
      } finally {
        if (old.isTransactionActive) await old.rollbackTransaction();
        await old.release();
      }
    });
  });

  describe('randomized: concurrent writers, out-of-order commits, rollbacks, a reader polling over HTTP', () => {
    it('the reader sees every committed event exactly once, in (xid, id) order, and no rolled-back event', async () => {
      const began = Date.now();
      const deadline = began + 20_000;
      const { next: start } = await readToEnd(undefined);
      const [{ max: floor }] = await t.dataSource.query(`SELECT coalesce(max(id), 0)::text AS max FROM change_event`);

      // A tiny deterministic PRNG, so a failure can be replayed.
      let seed = 0x5eed;
      const rand = (n: number) => {
        seed ^= seed << 13;
        seed ^= seed >>> 17;
        seed ^= seed << 5;
        return (seed >>> 0) % n;
      };

      const WRITERS = 8;
      const TRANSACTIONS = 40;
      const committed = new Map<string, { kind: Kind; type: EventType }>(); // reference -> marker
      const rolledBack = new Set<string>();
      const commitOrder: bigint[] = []; // xids in the order their transactions committed
      let writersDone = false;

      async function writer(w: number): Promise<void> {
        const qr = t.dataSource.createQueryRunner();
        await qr.connect();
        try {
          for (let i = 0; i < TRANSACTIONS && Date.now() < deadline; i++) {
            const written: { reference: string; kind: Kind; type: EventType }[] = [];
            await qr.startTransaction();
            if (rand(3) === 0) await sleep(rand(10)); // sometimes the xid is taken a while after the start
            const n = 1 + rand(3);
            for (let e = 0; e < n; e++) {
              const ev = { reference: randomUUID(), kind: KINDS[rand(KINDS.length)], type: EVENT_TYPES[rand(EVENT_TYPES.length)] };
              await feed.append(qr.manager, ev.kind, ev.reference, [ev.type], new Date());
              written.push(ev);
              if (rand(2) === 0) await sleep(rand(5));
            }
            const [{ xid }] = await qr.query(`SELECT pg_current_xact_id()::text AS xid`);
            await sleep(rand(31));
            if (rand(7) === 0) {
              await qr.rollbackTransaction();
              for (const ev of written) rolledBack.add(ev.reference);
            } else {
              await qr.commitTransaction();
              commitOrder.push(BigInt(xid));
              for (const ev of written) committed.set(ev.reference, { kind: ev.kind, type: ev.type });
            }
          }
        } finally {
          if (qr.isTransactionActive) await qr.rollbackTransaction();
          await qr.release();
        }
        void w;
      }

      const seen: FeedEvent[] = [];
      let polls = 0;
      let pagesWithEventsWhileWriting = 0;
      async function reader(): Promise<string> {
        let next = start;
        let emptyAfterWriters = 0;
        while (Date.now() < deadline) {
          const limit = 1 + rand(50);
          const res = await getEvents({ after: next, limit });
          polls++;
          expect(res.status).toBe(200);
          const page = res.body as FeedPage;
          expect(typeof page.next).toBe('string');
          expect(page.next.length).toBeGreaterThan(0);
          expect(page.events.length).toBeLessThanOrEqual(limit);
          if (page.events.length === 0) expect(page.next).toBe(next);
          seen.push(...page.events);
          next = page.next;
          const done = writersDone;
          if (!done && page.events.length > 0) pagesWithEventsWhileWriting++;
          if (done && page.events.length === 0) {
            if (++emptyAfterWriters >= 2) return next;
          } else emptyAfterWriters = 0;
          if (page.events.length === 0) await sleep(rand(4));
        }
        throw new Error(`reader ran out of time after ${polls} polls`);
      }

      const readerDone = reader();
      await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
      writersDone = true;
      const finalNext = await readerDone;

      // Every committed event exactly once, nothing rolled back, nothing foreign.
      const seenRefs = seen.map((e) => e.reference);
      expect(new Set(seenRefs).size).toBe(seenRefs.length);
      expect(new Set(seen.map((e) => e.id)).size).toBe(seen.length);
      expect(seenRefs.filter((r) => rolledBack.has(r))).toEqual([]);
      expect(seenRefs.filter((r) => !committed.has(r))).toEqual([]);
      expect([...committed.keys()].filter((r) => !seenRefs.includes(r))).toEqual([]);
      expect(seen.length).toBe(committed.size);
      for (const e of seen) expect({ kind: e.kind, type: e.type }).toEqual(committed.get(e.reference));

      // The order seen is the feed's (xid, id) order of everything written in this test.
      const stored: { id: string; reference: string }[] = await t.dataSource.query(
        `SELECT id::text AS id, reference FROM change_event WHERE id > $1 ORDER BY xid, id`,
        [floor],
      );
      expect(stored.length).toBe(committed.size);
      expect(seen.map((e) => e.id)).toEqual(stored.map((r) => r.id));
      expect(stored.filter((r) => rolledBack.has(r.reference))).toEqual([]);

      // The scenario really was exercised: enough work, rollbacks, commits out of xid order, a reader that
      // was served while the writers were still running.
      expect(committed.size).toBeGreaterThan(WRITERS * TRANSACTIONS); // 1..3 events per transaction
      expect(rolledBack.size).toBeGreaterThan(0);
      let inversions = 0;
      for (let i = 1; i < commitOrder.length; i++) if (commitOrder[i] < commitOrder[i - 1]) inversions++;
      expect(inversions).toBeGreaterThan(10);
      expect(pagesWithEventsWhileWriting).toBeGreaterThan(5);

      // Nothing new: the same cursor comes back.
      expect((await getEvents({ after: finalNext }).expect(200)).body).toEqual({ events: [], next: finalNext });
      expect(Date.now() - began).toBeLessThan(25_000);
    }, 30_000);
  });

  describe('GET /v1/events contract', () => {
    it('always answers next, also on an empty first read and without after', async () => {
      const res = await getEvents({}).expect(200);
      expect(Array.isArray(res.body.events)).toBe(true);
      expect(typeof res.body.next).toBe('string');
      expect(res.body.next.length).toBeGreaterThan(0);
    });

    it('returns the same cursor when nothing new happened, and the new event once something did', async () => {
      const { next } = await readToEnd(undefined);
      const first = await getEvents({ after: next }).expect(200);
      expect(first.body).toEqual({ events: [], next });
      const second = await getEvents({ after: next, limit: 3 }).expect(200);
      expect(second.body).toEqual({ events: [], next });

      const reference = '8f0c5e5a-7a1e-4c1b-9a59-3f7a2b1d0c11';
      await t.http().post('/v1/id-verifications').set(bearer(BACKEND_KEY)).send({ reference }).expect(201);
      const third = await getEvents({ after: next }).expect(200);
      expect(third.body.events).toEqual([{ id: expect.any(String), kind: 'id-verifications', reference, type: 'TRACKED', at: expect.stringMatching(/Z$/) }]);
      expect(third.body.next).not.toBe(next);
      expect((await getEvents({ after: third.body.next }).expect(200)).body).toEqual({ events: [], next: third.body.next });
    });

    it.each([
      ['garbage', 'not a cursor!'],
      ['base64url of garbage', Buffer.from('hello').toString('base64url')],
      ['a negative position', Buffer.from('-1.5').toString('base64url')],
      ['over 64 characters', 'A'.repeat(65)],
    ])('an invalid after (%s) is 400 in the contract shape', async (_name, after) => {
      const res = await getEvents({ after }).expect(400);
      expect(res.body).toEqual({ statusCode: 400, error: 'Bad Request', message: [expect.any(String)] });
      expect(res.body.message[0]).toMatch(/after/);
    });

    // BUG (src/engine/feed/change-feed.ts decodeCursor): it accepts up to 20 digits for the xid and 19 for the
    // id, but does not check the xid8 / bigint ranges, so a well-formed but out-of-range cursor reaches
    // PostgreSQL ("out of range") and is answered 500 instead of 400.
    it.failing('an out-of-range cursor is 400, not a server error', async () => {
      for (const position of ['99999999999999999999.1', '1.9999999999999999999']) {
        const res = await getEvents({ after: encodeCursor({ xid: position.split('.')[0], id: position.split('.')[1] }) });
        expect({ position, status: res.status }).toEqual({ position, status: 400 });
        expect(res.body).toEqual({ statusCode: 400, error: 'Bad Request', message: [expect.stringMatching(/after/)] });
      }
    });

    it.each(['0', '501', '-1', '1.5', 'abc', '100000000000'])('limit=%s is 400 in the contract shape', async (limit) => {
      const res = await getEvents({ limit }).expect(400);
      expect(res.body).toEqual({ statusCode: 400, error: 'Bad Request', message: expect.arrayContaining([expect.stringMatching(/limit/)]) });
    });

    it('limit 1 and 500 are accepted and respected', async () => {
      const refs = Array.from({ length: 3 }, () => randomUUID());
      const { next } = await readToEnd(undefined);
      const qr = await openTransaction();
      for (const r of refs) await feed.append(qr.manager, 'document-verifications', r, ['RETRIEVED'], new Date());
      await qr.commitTransaction();
      await qr.release();
      const one = await getEvents({ after: next, limit: 1 }).expect(200);
      expect(one.body.events.map((e: FeedEvent) => e.reference)).toEqual([refs[0]]);
      const rest = await getEvents({ after: one.body.next, limit: 500 }).expect(200);
      expect(rest.body.events.map((e: FeedEvent) => e.reference)).toEqual(refs.slice(1));
    });

    it('requires a key', async () => {
      await t.http().get('/v1/events').expect(401);
    });
  });
});
