import { randomUUID } from 'node:crypto';
import { expectedMedium } from '../../src/simulator/jumio-simulator';
import { ADMIN_KEY, BACKEND_KEY, bearer, binaryParser, startTestApp, type TestApp } from '../support/test-app';

type Kind = 'id-verifications' | 'document-verifications' | 'authentications';
const SIM = {
  'id-verifications': 'scan',
  'document-verifications': 'document',
  authentications: 'authentication',
} as const;

/**
 * DELETE /v1/admin/transactions/{kind}/{reference}/personal-data: afterwards no personal value the simulator
 * served is left in any table, the tracking record and the attempt log are, and the event is written once.
 */
describe('DELETE /v1/admin/transactions/{kind}/{reference}/personal-data', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  /** Starts with a letter, so the simulator's upper-case tag (first 8 characters) never matches the reference itself. */
  const newReference = () => `a${randomUUID().slice(1)}`;
  const purge = (kind: Kind, reference: string, key = ADMIN_KEY) =>
    t.http().delete(`/v1/admin/transactions/${kind}/${reference}/personal-data`).set(bearer(key));
  const view = async (kind: Kind, reference: string) =>
    (await t.http().get(`/v1/${kind}/${reference}`).set(bearer(BACKEND_KEY)).expect(200)).body;
  const events = async (reference: string): Promise<string[]> =>
    (await t.dataSource.query(`SELECT type FROM change_event WHERE reference = $1 ORDER BY id`, [reference])).map(
      (r: { type: string }) => r.type,
    );
  const transactionId = async (reference: string): Promise<string> =>
    (await t.dataSource.query(`SELECT id::text AS id FROM tracked_transaction WHERE reference = $1`, [reference]))[0]
      .id;

  /** Every row of every table of the service, as text (bytea as hex): where personal data could hide. */
  async function everything(): Promise<string> {
    const tables: { table_name: string }[] = await t.dataSource.query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`,
    );
    expect(tables.map((x) => x.table_name)).toEqual(
      expect.arrayContaining(['tracked_transaction', 'jumio_call', 'stored_medium', 'change_event']),
    );
    const dumps: string[] = [];
    for (const { table_name } of tables) {
      const rows: { row: string }[] = await t.dataSource.query(`SELECT x::text AS row FROM "${table_name}" x`);
      dumps.push(`${table_name}: ${rows.map((r) => r.row).join('\n')}`);
    }
    return dumps.join('\n');
  }

  /** The rows that belong to one transaction, in every table, as text (bytea as hex). */
  async function rowsOf(id: string, reference: string): Promise<string> {
    const rows: { row: string }[] = await t.dataSource.query(
      `SELECT x::text AS row FROM tracked_transaction x WHERE id = $1
       UNION ALL SELECT x::text FROM jumio_call x WHERE transaction_id = $1
       UNION ALL SELECT x::text FROM stored_medium x WHERE transaction_id = $1
       UNION ALL SELECT x::text FROM change_event x WHERE reference = $2`,
      [id, reference],
    );
    return rows.map((r) => r.row).join('\n');
  }

  /**
   * The personal values of the view's result: `unique` ones (derived from the persona's tag, long numbers) are
   * searched for in the whole database; `all` (also dates of birth, addresses, IPs, which another simulated
   * person may share) in the transaction's own rows.
   */
  function personalValues(reference: string, result: Record<string, unknown>): { unique: string[]; all: string[] } {
    const tag = reference
      .replace(/[^A-Za-z0-9]/g, '')
      .slice(0, 8)
      .toUpperCase();
    const unique = new Set<string>([tag]);
    const all = new Set<string>([tag]);
    const walk = (v: unknown, key: string) => {
      if (typeof v === 'string') {
        if (v.includes(tag) || (/^(number|personalNumber|ssn|accountNumber|pan)$/.test(key) && v.length >= 8))
          unique.add(v);
        if (
          v.includes(tag) ||
          /^(dob|number|personalNumber|ssn|pan|accountNumber|line1|formattedAddress|expiry|issuingDate|clientIp)$/.test(
            key,
          )
        )
          all.add(v);
      } else if (v && typeof v === 'object') {
        for (const [k, x] of Object.entries(v)) walk(x, k);
      }
    };
    walk(result, '');
    for (const u of unique) all.add(u);
    return { unique: [...unique], all: [...all] };
  }

  async function retrieve(kind: Kind, reference: string, script: Record<string, unknown> = {}): Promise<any> {
    t.simulator.script({ kind: SIM[kind], reference, ...script });
    await t
      .http()
      .post(`/v1/${kind}`)
      .set(bearer(BACKEND_KEY))
      .send({
        reference,
        acquiredAt: t.clock.now().toISOString(),
        callbackGraceSeconds: 0,
        merchantReference: 'order-77',
        customerReference: 'user-77',
      })
      .expect(201);
    t.clock.advanceSeconds(40);
    await t.scheduler.drain();
    const v = await view(kind, reference);
    expect(v.tracking.state).toBe('RETRIEVED');
    return v;
  }

  const SCRIPTS: Record<Kind, Record<string, unknown>> = {
    'id-verifications': {},
    'document-verifications': { documentType: 'SSC', pages: [1, 2] },
    authentications: {},
  };

  describe.each(Object.keys(SCRIPTS) as Kind[])('%s', (kind) => {
    it('deletes every personal value from every table, keeps the record and the attempt log, one event; media 404; again 200', async () => {
      const ref = newReference();
      const before = await retrieve(kind, ref, SCRIPTS[kind]);
      const personal = personalValues(ref, before.result as Record<string, unknown>);
      const media = (before.media as { name: string; href: string }[]).map((m) => ({
        ...m,
        bytes: expectedMedium(SIM[kind], ref, m.name).bytes,
      }));
      expect(media.length).toBeGreaterThan(0);
      const mediumHex = (b: Buffer) => b.toString('hex');
      // As the value is written in a row's text: raw, JSON-escaped (in jsonb), and with the record's doubled backslashes.
      const has = (dump: string, v: string) => {
        const json = JSON.stringify(v).slice(1, -1);
        return dump.includes(v) || dump.includes(json) || dump.includes(json.replace(/\\/g, '\\\\'));
      };

      // Before the purge the data is held (the view and the media routes serve it), encrypted at rest, so not in
      // clear even now (encryption-at-rest.spec.ts shows that this search finds data stored in clear).
      const id = await transactionId(ref);
      const dumpBefore = await everything();
      const ownBefore = await rowsOf(id, ref);
      expect(personal.unique.length).toBeGreaterThanOrEqual(kind === 'authentications' ? 2 : 4);
      expect(personal.all.length).toBeGreaterThanOrEqual(personal.unique.length);
      const [held] = await t.dataSource.query(
        `SELECT result->>'enc' AS enc, (SELECT count(*)::int FROM stored_medium WHERE transaction_id = $1) AS media FROM tracked_transaction WHERE id = $1`,
        [id],
      );
      expect(held).toEqual({ enc: 'v1', media: media.length });
      for (const value of personal.unique)
        expect({ value, found: has(dumpBefore, value) }).toEqual({ value, found: false });
      for (const value of personal.all)
        expect({ value, found: has(ownBefore, value) }).toEqual({ value, found: false });
      for (const m of media) {
        expect({ medium: m.name, found: dumpBefore.includes(mediumHex(m.bytes)) }).toEqual({
          medium: m.name,
          found: false,
        });
        const served = (
          await t
            .http()
            .get(m.href)
            .set(bearer(BACKEND_KEY))
            .buffer(true)
            .parse(binaryParser as never)
            .expect(200)
        ).body as Buffer;
        expect({ medium: m.name, same: served.equals(m.bytes) }).toEqual({ medium: m.name, same: true });
      }
      const callsBefore = await t.dataSource.query(
        `SELECT id, at, endpoint, call_type, http_status, outcome, error, actor FROM jumio_call WHERE transaction_id = $1 ORDER BY id`,
        [id],
      );
      expect(callsBefore.length).toBeGreaterThan(1);

      const res = await purge(kind, ref).expect(200);
      expect(res.body).toMatchObject({
        kind,
        reference: ref,
        merchantReference: 'order-77',
        customerReference: 'user-77',
        status: 'DONE',
        result: null,
        media: [],
        retrievedAt: before.retrievedAt,
        tracking: { state: 'PURGED', nextAttemptAt: null, attempts: before.tracking.attempts },
      });
      expect(await view(kind, ref)).toEqual(res.body);

      const dumpAfter = await everything();
      const ownAfter = await rowsOf(id, ref);
      for (const value of personal.unique)
        expect({ value, found: has(dumpAfter, value) }).toEqual({ value, found: false });
      for (const value of personal.all) expect({ value, found: has(ownAfter, value) }).toEqual({ value, found: false });
      for (const m of media)
        expect({ medium: m.name, found: dumpAfter.includes(mediumHex(m.bytes)) }).toEqual({
          medium: m.name,
          found: false,
        });
      const [row] = await t.dataSource.query(
        `SELECT state, purged_at, raw_status, raw_details, raw_media_list, media_plan, result, personal_data_at, next_attempt_at, lease_owner,
                merchant_reference, customer_reference, (SELECT count(*)::int FROM stored_medium WHERE transaction_id = $1) AS media
           FROM tracked_transaction WHERE id = $1`,
        [id],
      );
      expect(row).toEqual({
        state: 'PURGED',
        purged_at: t.clock.now(),
        raw_status: null,
        raw_details: null,
        raw_media_list: null,
        media_plan: null,
        result: null,
        personal_data_at: null,
        next_attempt_at: null,
        lease_owner: null,
        merchant_reference: 'order-77',
        customer_reference: 'user-77',
        media: 0,
      });
      // The history stays, untouched.
      expect(
        await t.dataSource.query(
          `SELECT id, at, endpoint, call_type, http_status, outcome, error, actor FROM jumio_call WHERE transaction_id = $1 ORDER BY id`,
          [id],
        ),
      ).toEqual(callsBefore);
      const log = (
        await t.http().get(`/v1/admin/transactions/${kind}/${ref}/attempts`).set(bearer(ADMIN_KEY)).expect(200)
      ).body.items;
      expect(log).toHaveLength(callsBefore.length);

      for (const m of media) {
        const gone = await t.http().get(m.href).set(bearer(BACKEND_KEY)).expect(404);
        expect(gone.body.message).toEqual([expect.stringContaining(`no medium named "${m.name}"`)]);
      }

      // Again: 200, the same view, no second event.
      t.clock.advanceSeconds(10);
      const again = await purge(kind, ref).expect(200);
      expect(again.body).toEqual(res.body);
      const types = await events(ref);
      expect(types.filter((x) => x === 'PERSONAL_DATA_PURGED')).toHaveLength(1);
      expect(types[types.length - 1]).toBe('PERSONAL_DATA_PURGED');
    });
  });

  it('stops reconciliation: nothing is called for it any more', async () => {
    const ref = newReference();
    t.simulator.script({ kind: 'scan', reference: ref, pendingPolls: 100 });
    await t
      .http()
      .post('/v1/id-verifications')
      .set(bearer(BACKEND_KEY))
      .send({ reference: ref, acquiredAt: t.clock.now().toISOString(), callbackGraceSeconds: 0 })
      .expect(201);
    t.clock.advanceSeconds(40);
    await t.scheduler.drain();
    expect((await view('id-verifications', ref)).tracking).toMatchObject({ state: 'RECONCILING', attempts: 1 });
    const res = await purge('id-verifications', ref).expect(200);
    expect(res.body).toMatchObject({
      status: 'PENDING',
      result: null,
      media: [],
      tracking: { state: 'PURGED', attempts: 1, nextAttemptAt: null },
    });
    for (let i = 0; i < 5; i++) {
      t.clock.advanceSeconds(86_400);
      await t.scheduler.drain();
    }
    expect(t.simulator.requests({ reference: ref })).toHaveLength(1);
    expect(await events(ref)).toEqual(['TRACKED', 'CALLBACK_MISSED', 'PERSONAL_DATA_PURGED']);
  });

  it('a step in flight cannot write anything back: its claim is gone', async () => {
    const ref = newReference();
    // The front image takes a while: the purge lands while the worker waits for it.
    t.simulator.script({ kind: 'scan', reference: ref, faults: [{ endpoint: 'image', type: 'slow', delayMs: 500 }] });
    await t
      .http()
      .post('/v1/id-verifications')
      .set(bearer(BACKEND_KEY))
      .send({ reference: ref, acquiredAt: t.clock.now().toISOString(), callbackGraceSeconds: 0 })
      .expect(201);
    t.clock.advanceSeconds(40);
    const draining = t.scheduler.drain();
    for (let i = 0; i < 400 && !t.simulator.requests({ reference: ref }).some((r) => r.endpoint === 'image'); i++)
      await new Promise((r) => setTimeout(r, 5));
    const id = await transactionId(ref);
    const [mid] = await t.dataSource.query(
      `SELECT result IS NOT NULL AS has_result, lease_owner IS NOT NULL AS claimed FROM tracked_transaction WHERE id = $1`,
      [id],
    );
    expect(mid).toEqual({ has_result: true, claimed: true }); // details stored, the media's claim running
    await purge('id-verifications', ref).expect(200);
    await draining;
    const [row] = await t.dataSource.query(
      `SELECT state, result, media_plan, personal_data_at, (SELECT count(*)::int FROM stored_medium WHERE transaction_id = $1) AS media FROM tracked_transaction WHERE id = $1`,
      [id],
    );
    expect(row).toEqual({ state: 'PURGED', result: null, media_plan: null, personal_data_at: null, media: 0 });
    // The decision was stored (a claim of its own) before the media's claim that the purge took away.
    expect(await events(ref)).toEqual(['TRACKED', 'CALLBACK_MISSED', 'RESULT_STORED', 'PERSONAL_DATA_PURGED']);
    // The call the worker made is still in the attempt log; nothing was fetched after it.
    const log = (
      await t.http().get(`/v1/admin/transactions/id-verifications/${ref}/attempts`).set(bearer(ADMIN_KEY)).expect(200)
    ).body.items;
    expect(log.map((a: { callType: string }) => a.callType)).toEqual(['status', 'details', 'media-list', 'medium']);
    expect(t.simulator.requests({ reference: ref })).toHaveLength(4);
  });

  it('a transaction with nothing retrieved yet: PURGED all the same, the event once', async () => {
    const ref = newReference();
    await t
      .http()
      .post('/v1/authentications')
      .set(bearer(BACKEND_KEY))
      .send({ reference: ref, callbackGraceSeconds: 3600 })
      .expect(201);
    const res = await purge('authentications', ref).expect(200);
    expect(res.body).toMatchObject({ status: 'UNKNOWN', result: null, media: [], tracking: { state: 'PURGED' } });
    await purge('authentications', ref).expect(200);
    expect(await events(ref)).toEqual(['TRACKED', 'PERSONAL_DATA_PURGED']);
    // A late callback report changes nothing that matters.
    await t
      .http()
      .post(`/v1/authentications/${ref}/callback`)
      .set(bearer(BACKEND_KEY))
      .send({ outcome: 'FAILED' })
      .expect(200);
    expect((await view('authentications', ref)).tracking.state).toBe('PURGED');
  });

  it('403 with a transactions key (nothing deleted), 401 without a key, 404 when not tracked, 400 for a bad kind or reference', async () => {
    const ref = newReference();
    await retrieve('id-verifications', ref);
    const forbidden = await purge('id-verifications', ref, BACKEND_KEY).expect(403);
    expect(forbidden.body.message).toEqual([expect.stringContaining('lacks the "admin" scope')]);
    await t.http().delete(`/v1/admin/transactions/id-verifications/${ref}/personal-data`).expect(401);
    expect((await view('id-verifications', ref)).tracking.state).toBe('RETRIEVED');
    expect((await purge('id-verifications', randomUUID()).expect(404)).body.message).toEqual([
      expect.stringContaining('is not tracked'),
    ]);
    expect((await purge('id-verifications', 'x'.repeat(36) as string).expect(400)).body.message).toEqual([
      'reference must be a UUID',
    ]);
    expect(
      (
        await t
          .http()
          .delete(`/v1/admin/transactions/documents/${ref}/personal-data`)
          .set(bearer(ADMIN_KEY))
          .expect(400)
      ).body.message,
    ).toEqual(['kind must be one of id-verifications, document-verifications, authentications']);
  });
});
