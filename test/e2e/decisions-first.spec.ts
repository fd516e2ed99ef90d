import { randomUUID } from 'node:crypto';
import { TransactionClaims } from '../../src/engine/persistence/transaction-claims';
import { pollUntil } from '../support/poll-until';
import { ruleViolations } from '../support/rule-compliance';
import { ADMIN_KEY, BACKEND_KEY, bearer, startTestApp, type TestApp } from '../support/test-app';

const KIND = 'id-verifications';
/** Scripted: DONE at the first poll with 6 media, so 9 calls: status, data, images list, 6 media. */
const ALL_CALLS = 9;

describe('Order of work: decisions before media (retrieval-rules.md, "Order of work")', () => {
  let t: TestApp;
  beforeAll(async () => {
    // One claim at a time: the order in which work is claimed is the order of the calls.
    t = await startTestApp({ env: { JUMIO_MAX_IN_FLIGHT: '1', JUMIO_RATE_LIMIT_PER_SECOND: '7' } });
  });
  afterAll(() => t.close());

  const track = async (reference: string, faults: object[] = []) => {
    t.simulator.script({ kind: 'scan', reference, faults } as Parameters<TestApp['simulator']['script']>[0]);
    await t
      .http()
      .post(`/v1/${KIND}`)
      .set(bearer(BACKEND_KEY))
      .send({ reference, acquiredAt: t.clock.now().toISOString(), callbackGraceSeconds: 0 })
      .expect(201);
  };
  const view = async (reference: string) =>
    (await t.http().get(`/v1/${KIND}/${reference}`).set(bearer(BACKEND_KEY)).expect(200)).body;
  const events = async (reference: string) =>
    (
      (await t.dataSource.query(`SELECT type FROM change_event WHERE reference = $1 ORDER BY id`, [reference])) as {
        type: string;
      }[]
    ).map((e) => e.type);
  /** One claim of the scheduler and the work it started, to its end. */
  const oneClaim = async () => {
    const claimed = await t.scheduler.tick();
    await pollUntil(async () => (t.scheduler.inFlight === 0 ? true : null), 15_000, 'the claimed work');
    return claimed;
  };
  const callsOf = (refs: string[]) =>
    t.simulator
      .requests()
      .filter((r) => refs.includes(r.reference ?? ''))
      .map((r) => `${refs.indexOf(r.reference!)}:${r.endpoint}`);
  /** The count of the time-to-decision histogram's bucket `le` (0 before any observation). */
  const bucket = async (le: number) => {
    const text = (await t.http().get('/metrics').expect(200)).text;
    const line = text
      .split('\n')
      .find((l) => l.startsWith(`jumio_fallback_time_to_decision_seconds_bucket{le="${le}",kind="${KIND}"}`));
    return line ? Number(line.split(' ')[1]) : 0;
  };
  const stats = async () => (await t.http().get('/v1/admin/stats').set(bearer(ADMIN_KEY)).expect(200)).body;

  it('every decision of a backlog comes before any medium; each gets its calls exactly once', async () => {
    const refs = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    for (const r of refs) {
      await track(r);
      t.clock.advanceSeconds(1);
    }
    t.clock.advanceSeconds(40); // Jumio's first attempt comes 40 s after the acquisition
    await t.scheduler.drain();
    const calls = callsOf(refs);
    const lastDecision = Math.max(...refs.map((_, i) => calls.indexOf(`${i}:data`)));
    const firstMedium = calls.findIndex((c) => c.endsWith(':images'));
    expect(lastDecision).toBeGreaterThanOrEqual(0);
    expect(lastDecision).toBeLessThan(firstMedium);
    // Within the decisions: each transaction's status then its details, the oldest due first.
    expect(calls.slice(0, 8)).toEqual(refs.flatMap((_, i) => [`${i}:status`, `${i}:data`]));
    expect(calls).toHaveLength(ALL_CALLS * refs.length);
    for (const r of refs) {
      expect(ruleViolations(t.simulator.requests({ reference: r }))).toEqual([]);
      expect((await view(r)).tracking.state).toBe('RETRIEVED');
      expect(await events(r)).toEqual(['TRACKED', 'CALLBACK_MISSED', 'RESULT_STORED', 'RETRIEVED']);
    }
  });

  it('the view shows the decision and RESULT_STORED is published as soon as it is stored; RETRIEVED once the media are in', async () => {
    const ref = randomUUID();
    await track(ref, [{ endpoint: 'images', type: 'http500' }]);
    const before = [await bucket(30), await bucket(60)];
    t.clock.advanceSeconds(45);
    await t.scheduler.drain();
    const v = await view(ref);
    expect(v.status).toBe('DONE');
    expect(v.result).toEqual(expect.objectContaining({ verification: expect.any(Object) }));
    expect(v.tracking.state).toBe('RECONCILING');
    expect(v.media).toEqual([]);
    expect(await events(ref)).toEqual(['TRACKED', 'CALLBACK_MISSED', 'RESULT_STORED']);
    // The decision came 45 s after the missed callback (its deadline, the acquisition with no grace).
    expect([await bucket(30), await bucket(60)]).toEqual([before[0], before[1] + 1]);

    t.clock.advanceSeconds(3600);
    await t.scheduler.drain();
    expect((await view(ref)).tracking.state).toBe('RETRIEVED');
    expect(await events(ref)).toEqual(['TRACKED', 'CALLBACK_MISSED', 'RESULT_STORED', 'RETRIEVED']);
    // Once more the media list (it failed), and no other call twice.
    expect(t.simulator.requests({ reference: ref })).toHaveLength(ALL_CALLS + 1);
  });

  it('a transaction that falls due while media are waiting gets its status and details first', async () => {
    const backlog = [randomUUID(), randomUUID(), randomUUID()];
    for (const r of backlog) {
      await track(r);
      t.clock.advanceSeconds(1);
    }
    t.clock.advanceSeconds(40);
    for (let i = 0; i < backlog.length; i++) expect(await oneClaim()).toBe(1); // the three decisions
    expect(backlog.map((r) => callsOf([r]).length)).toEqual([2, 2, 2]);
    const late = randomUUID();
    await track(late);
    t.clock.advanceSeconds(40);
    await t.scheduler.drain();
    const calls = callsOf([...backlog, late]);
    const firstMedium = calls.findIndex((c) => c.endsWith(':images'));
    expect(calls.indexOf('3:status')).toBeLessThan(firstMedium);
    expect(calls.indexOf('3:data')).toBeLessThan(firstMedium);
    expect(calls).toHaveLength(ALL_CALLS * 4);
  });

  it('stats: each account has its due calls of every type and the time they take at its ceiling', async () => {
    const ref = [randomUUID(), randomUUID(), randomUUID()];
    // The first: its third medium fails once, so three media remain due; the others are not yet claimed.
    await track(ref[0], [{ endpoint: 'liveness', type: 'http500' }]);
    t.clock.advanceSeconds(60);
    await t.scheduler.drain();
    expect((await view(ref[0])).media).toHaveLength(3);
    for (const r of ref.slice(1)) await track(r);
    t.clock.advanceSeconds(3600);
    const s = await stats();
    const us = s.accounts.find((a: { datacenter: string; name: string }) => a.datacenter === 'US');
    // Two status calls (the new ones) and three media (liveness 1 and 2, the facemap).
    expect(us).toMatchObject({ dueCalls: 5, etaSeconds: 1, ceilingPerSecond: 7 });
    for (const a of s.accounts.filter((x: { datacenter: string }) => x.datacenter !== 'US'))
      expect(a).toMatchObject({ dueCalls: 0, etaSeconds: 0 });
    await t.scheduler.drain();
    for (const r of ref) expect((await view(r)).tracking.state).toBe('RETRIEVED');
    expect((await stats()).accounts.map((a: { dueCalls: number }) => a.dueCalls)).toEqual(s.accounts.map(() => 0));
  });

  it("a claim gives each account its share before the rest goes by rank: one account's decisions cannot hold every slot", async () => {
    const claims = t.app.get(TransactionClaims);
    // Rows of two accounts, written as a bulk load would: a1 has three status calls due (rank 2), a2 two media
    // (rank 3). Neither account is configured: only the claims are asked, and the rows go before any drain.
    const insert = (account: string, n: number, state: string, status: string, details: string | null) =>
      t.dataSource.query(
        `INSERT INTO tracked_transaction (kind, reference, datacenter, account, acquired_at, callback_grace_seconds,
                                          callback_deadline, state, status, attempts, next_attempt_at, raw_details,
                                          created_at, updated_at)
         SELECT 'id-verifications', gen_random_uuid(), 'US', $1, $2::timestamptz, 0, $2::timestamptz, $3, $4, 0, $2::timestamptz + make_interval(secs => n), $5::jsonb, $2::timestamptz, $2::timestamptz
           FROM generate_series(1, $6::int) n RETURNING id, work_rank`,
        [account, t.clock.now(), state, status, details, n],
      ) as Promise<{ id: string; work_rank: number }[]>;
    const a1 = await insert('a1', 3, 'AWAITING_CALLBACK', 'UNKNOWN', null);
    const a2 = await insert('a2', 2, 'RECONCILING', 'DONE', '{}');
    expect([...a1, ...a2].map((r) => r.work_rank)).toEqual([2, 2, 2, 3, 3]);
    try {
      const now = new Date(t.clock.now().getTime() + 10_000);
      const pairs = [
        { account: 'a1', datacenter: 'US' },
        { account: 'a2', datacenter: 'US' },
      ];
      // Which rows a claim took, not the order UPDATE ... RETURNING lists them in (PostgreSQL does not promise one).
      const taken = (rows: { account: string; id: string }[]) => rows.map((r) => `${r.account}/${r.id}`).sort();
      const shared = await claims.claimPairs('test/shares', now, 2, 60, pairs, 1);
      expect(taken(shared)).toEqual([`a1/${a1[0].id}`, `a2/${a2[0].id}`].sort());
      // Without shares: every status call before any medium, the oldest due first.
      const ranked = await claims.claimDue('test/ranked', now, 2, 60);
      expect(taken(ranked)).toEqual([`a1/${a1[1].id}`, `a1/${a1[2].id}`].sort());
    } finally {
      await t.dataSource.query(`DELETE FROM tracked_transaction WHERE account IN ('a1', 'a2')`);
    }
  });

  it('the work rank follows every write of the row: forced 0, details 1, status 2, media 3', async () => {
    const [{ id }] = (await t.dataSource.query(
      `INSERT INTO tracked_transaction (kind, reference, datacenter, acquired_at, callback_grace_seconds, callback_deadline,
                                        state, status, attempts, next_attempt_at, created_at, updated_at)
       VALUES ('id-verifications', gen_random_uuid(), 'US', now(), 0, now(), 'AWAITING_CALLBACK', 'UNKNOWN', 0, NULL, now(), now())
       RETURNING id`,
    )) as { id: string }[];
    const rankAfter = async (set: string) =>
      (
        (await t.dataSource.query(`UPDATE tracked_transaction SET ${set} WHERE id = $1 RETURNING work_rank`, [id])) as [
          { work_rank: number }[],
          number,
        ]
      )[0][0].work_rank;
    try {
      expect(await rankAfter(`state = 'AWAITING_CALLBACK'`)).toBe(2); // the end of the callback wait, then a status
      expect(await rankAfter(`state = 'RECONCILING', status = 'PENDING'`)).toBe(2);
      expect(await rankAfter(`status = 'DONE'`)).toBe(1); // final: the details are one call from the decision
      expect(await rankAfter(`forced_by = 'ops'`)).toBe(0);
      expect(await rankAfter(`forced_by = NULL, raw_details = '{}'::jsonb`)).toBe(3); // the decision is stored
      expect(await rankAfter(`state = 'CALLBACK_RECEIVED', callback_completion_pending = true`)).toBe(1);
      expect(await rankAfter(`callback_completion_pending = false`)).toBe(3);
    } finally {
      await t.dataSource.query(`DELETE FROM tracked_transaction WHERE id = $1`, [id]);
    }
  });
});
