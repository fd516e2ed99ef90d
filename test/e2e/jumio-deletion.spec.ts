import { randomUUID } from 'node:crypto';
import { CallbackProcessor } from '../../src/engine/callbacks/callback-processor';
import { TransactionClaims } from '../../src/engine/persistence/transaction-claims';
import { ReconciliationWorker } from '../../src/engine/reconciliation/reconciliation.worker';
import type { SimulatorKind, TransactionScript } from '../../src/simulator/jumio-simulator';
import { pollUntil } from '../support/poll-until';
import { ruleViolations } from '../support/rule-compliance';
import {
  ADMIN_KEY,
  BACKEND_KEY,
  bearer,
  JUMIO_SECRET,
  JUMIO_TOKEN,
  startTestApp,
  type TestApp,
} from '../support/test-app';

const KIND_OF: Record<SimulatorKind, string> = {
  scan: 'id-verifications',
  document: 'document-verifications',
  authentication: 'authentications',
};
const PROBE_SECONDS = 30;

/**
 * Deleting at Jumio (retrieval-rules.md, "Deleting at Jumio"): after retrieval when asked, by an erasure
 * `?atJumio=true`, by an admin's delete-at-jumio; against the simulator's Delete API over real sockets.
 */
describe('deleting at Jumio', () => {
  let t: TestApp;
  let processor: CallbackProcessor;
  beforeAll(async () => {
    t = await startTestApp({
      env: {
        JUMIO_DELETE_AFTER_RETRIEVAL: 'true',
        CALLBACK_GRACE_SECONDS: '0',
        CALLBACK_ALLOWED_SOURCES: '127.0.0.1,::1',
        JUMIO_CREDENTIALS_PROBE_SECONDS: String(PROBE_SECONDS),
      },
    });
    t.simulator.setCallbackBaseUrl(`${t.baseUrl}/callbacks/jumio`);
    processor = t.app.get(CallbackProcessor);
  });
  afterAll(() => t.close());

  const track = (kind: SimulatorKind, reference: string, extra: Record<string, unknown> = {}) =>
    t
      .http()
      .post(`/v1/${KIND_OF[kind]}`)
      .set(bearer(BACKEND_KEY))
      .send({ reference, acquiredAt: t.clock.now().toISOString(), ...extra })
      .expect(201);
  const view = async (kind: SimulatorKind, reference: string) =>
    (await t.http().get(`/v1/${KIND_OF[kind]}/${reference}`).set(bearer(BACKEND_KEY)).expect(200)).body;
  const advance = async (seconds: number) => {
    t.clock.advanceSeconds(seconds);
    await t.scheduler.drain();
  };
  const erase = (kind: SimulatorKind, reference: string, query = '?atJumio=true') =>
    t
      .http()
      .delete(`/v1/admin/transactions/${KIND_OF[kind]}/${reference}/personal-data${query}`)
      .set(bearer(ADMIN_KEY));
  const askDelete = (kind: SimulatorKind, reference: string) =>
    t.http().post(`/v1/admin/transactions/${KIND_OF[kind]}/${reference}/delete-at-jumio`).set(bearer(ADMIN_KEY));
  const attempts = async (kind: SimulatorKind, reference: string) =>
    (
      await t
        .http()
        .get(`/v1/admin/transactions/${KIND_OF[kind]}/${reference}/attempts`)
        .set(bearer(ADMIN_KEY))
        .expect(200)
    ).body.items as { callType: string; httpStatus: number | null; outcome: string; countsAsAttempt: boolean }[];
  const events = async (reference: string): Promise<string[]> =>
    (await t.dataSource.query(`SELECT type FROM change_event WHERE reference = $1 ORDER BY id`, [reference])).map(
      (r: { type: string }) => r.type,
    );
  const calls = (reference: string) => t.simulator.requests({ reference });
  const deletes = (reference: string) => calls(reference).filter((c) => c.endpoint === 'delete');
  const MEDIA_ENDPOINTS = ['image', 'liveness', 'facemap', 'page', 'original'];
  /** A day later nothing more is sent for it. */
  const expectNothingMore = async (reference: string) => {
    const before = calls(reference).length;
    await advance(86_400);
    await advance(86_400);
    expect(calls(reference)).toHaveLength(before);
  };
  const callbackArrives = async (kind: SimulatorKind, reference: string) => {
    const already = t.simulator.sentCallbacks(reference).length;
    t.simulator.sendCallback(kind, reference);
    await pollUntil(
      async () => {
        const sent = t.simulator.sentCallbacks(reference);
        return sent.length > already && sent.every((c) => c.httpStatus !== null || c.error !== null);
      },
      15_000,
      `the callback of ${reference}`,
    );
    await processor.drain();
    await t.scheduler.drain();
  };

  const scripts: TransactionScript[] = [
    { kind: 'scan', reference: randomUUID(), pendingPolls: 1 },
    { kind: 'document', reference: randomUUID(), pendingPolls: 1, pages: [1, 2], originalDocument: true },
    { kind: 'authentication', reference: randomUUID(), pendingPolls: 1 },
  ];
  it.each(scripts.map((s) => [s.kind, s] as const))(
    '%s with deletion on: one DELETE after the last medium is stored, then nothing',
    async (kind, script) => {
      const reference = script.reference;
      t.simulator.script(script);
      await track(kind, reference);
      await advance(60);
      await advance(120);
      const v = await view(kind, reference);
      expect(v.tracking.state).toBe('RETRIEVED');
      expect(v.media.length).toBeGreaterThan(0);
      expect(v.tracking.jumioDeletion).toEqual({
        requestedAt: expect.any(String),
        deletedAt: expect.any(String),
        lastError: null,
      });
      expect(v.tracking.jumioDeletion.deletedAt >= v.retrievedAt).toBe(true);
      expect(v.tracking.attempts).toBe(2);

      const log = calls(reference);
      expect(ruleViolations(log)).toEqual([]);
      const del = log.findIndex((c) => c.endpoint === 'delete');
      expect(log[del]).toMatchObject({ method: 'DELETE', httpStatus: 200, path: expect.stringMatching(/\/[^/]+$/) });
      expect(log[del].path).toBe(
        `/api/netverify/v2/${{ scan: 'scans', document: 'documents', authentication: 'authentications' }[kind]}/${reference}`,
      );
      const media = log.map((c, i) => ({ c, i })).filter(({ c }) => MEDIA_ENDPOINTS.includes(c.endpoint));
      expect(media.length).toBe(v.media.length);
      expect(media.every(({ c, i }) => c.httpStatus === 200 && i < del)).toBe(true);
      expect(del).toBe(log.length - 1);
      expect(await events(reference)).toEqual([
        'TRACKED',
        'CALLBACK_MISSED',
        'RESULT_STORED',
        'RETRIEVED',
        'JUMIO_DELETED',
      ]);
      const logged = await attempts(kind, reference);
      expect(logged[logged.length - 1]).toMatchObject({
        callType: 'delete',
        httpStatus: 200,
        outcome: 'DELETED',
        countsAsAttempt: false,
      });
      await expectNothingMore(reference);
      expect(ruleViolations(calls(reference))).toEqual([]);
      // The stored copy is still served.
      await t.http().get(v.media[0].href).set(bearer(BACKEND_KEY)).expect(200);
    },
  );

  it("a track request's deleteAtJumio false overrides the configuration: nothing is deleted", async () => {
    const reference = randomUUID();
    t.simulator.script({ kind: 'scan', reference });
    await track('scan', reference, { deleteAtJumio: false });
    await advance(60);
    const v = await view('scan', reference);
    expect(v.tracking).toMatchObject({ state: 'RETRIEVED', jumioDeletion: null });
    expect(deletes(reference)).toEqual([]);
    // The same request again is a retry; another deleteAtJumio is a conflict.
    await t
      .http()
      .post('/v1/id-verifications')
      .set(bearer(BACKEND_KEY))
      .send({ reference, deleteAtJumio: true })
      .expect(409);
    const bad = await t
      .http()
      .post('/v1/id-verifications')
      .set(bearer(BACKEND_KEY))
      .send({ reference: randomUUID(), deleteAtJumio: 'yes' })
      .expect(400);
    expect(bad.body.message).toEqual(['deleteAtJumio must be true or false']);
  });

  it('a transaction filled from a callback is deleted once its media are stored, not before', async () => {
    const reference = randomUUID();
    t.simulator.script({ kind: 'scan', reference, livenessCount: 1 });
    await track('scan', reference, { callbackGraceSeconds: 86_400 });
    await callbackArrives('scan', reference);
    const v = await view('scan', reference);
    expect(v.tracking.state).toBe('CALLBACK_RECEIVED');
    expect(v.tracking.jumioDeletion.deletedAt).toEqual(expect.any(String));
    const log = calls(reference);
    expect(log.filter((c) => c.endpoint === 'status')).toEqual([]);
    const del = log.findIndex((c) => c.endpoint === 'delete');
    expect(del).toBe(log.length - 1);
    expect(log.slice(0, del).every((c) => c.httpStatus === 200)).toBe(true);
    expect(log.filter((c) => MEDIA_ENDPOINTS.includes(c.endpoint))).toHaveLength(v.media.length);
    expect(await events(reference)).toEqual(['TRACKED', 'CALLBACK_RECEIVED', 'MEDIA_STORED', 'JUMIO_DELETED']);
    // The same callback again brings nothing back and sends nothing.
    await callbackArrives('scan', reference);
    expect(calls(reference)).toHaveLength(log.length);
  });

  it('a failed delete is retried with a doubling back-off, never as a status attempt; a medium still failing holds it back', async () => {
    const reference = randomUUID();
    t.simulator.script({
      kind: 'scan',
      reference,
      livenessCount: 1,
      faults: [
        { endpoint: 'liveness', type: 'http500', times: 1 },
        { endpoint: 'delete', type: 'http500', times: 2 },
      ],
    });
    await track('scan', reference);
    await advance(60);
    // The liveness image failed once and is retried later: no delete yet.
    expect((await view('scan', reference)).tracking).toMatchObject({ state: 'RECONCILING', jumioDeletion: null });
    expect(deletes(reference)).toEqual([]);
    await advance(600);
    let v = await view('scan', reference);
    expect(v.tracking.state).toBe('RETRIEVED');
    expect(v.tracking.jumioDeletion).toEqual({
      requestedAt: expect.any(String),
      deletedAt: null,
      lastError: 'Jumio answered 500',
    });
    expect(deletes(reference).map((c) => c.httpStatus)).toEqual([500]);
    await advance(9);
    expect(deletes(reference)).toHaveLength(1);
    await advance(1);
    expect(deletes(reference).map((c) => c.httpStatus)).toEqual([500, 500]);
    await advance(19);
    expect(deletes(reference)).toHaveLength(2);
    await advance(1);
    expect(deletes(reference).map((c) => c.httpStatus)).toEqual([500, 500, 200]);
    v = await view('scan', reference);
    expect(v.tracking).toMatchObject({
      attempts: 1,
      jumioDeletion: { deletedAt: expect.any(String), lastError: null },
    });
    const logged = (await attempts('scan', reference)).filter((a) => a.callType === 'delete');
    expect(logged.map((a) => [a.outcome, a.countsAsAttempt])).toEqual([
      ['HTTP_ERROR', false],
      ['HTTP_ERROR', false],
      ['DELETED', false],
    ]);
    await expectNothingMore(reference);
  });

  it("an automatic delete is given up past the maximum age, an erasure's is not; an admin's ask starts it again", async () => {
    const automatic = randomUUID();
    const erased = randomUUID();
    const failing = (reference: string, times: number) =>
      t.simulator.script({
        kind: 'scan',
        reference,
        livenessCount: 0,
        faults: [{ endpoint: 'delete', type: 'http500', times }],
      });
    failing(automatic, 2);
    failing(erased, 3);
    await track('scan', automatic);
    await track('scan', erased);
    await advance(60);
    expect(deletes(erased).map((c) => c.httpStatus)).toEqual([500]);
    // The erasure sends the delete again at once, and from then on retries it until done.
    await erase('scan', erased).expect(200);
    await t.scheduler.drain();
    expect(deletes(erased).map((c) => c.httpStatus)).toEqual([500, 500]);
    expect(deletes(automatic).map((c) => c.httpStatus)).toEqual([500]);
    await advance(31 * 86_400);
    expect(deletes(automatic).map((c) => c.httpStatus)).toEqual([500, 500]);
    expect((await view('scan', automatic)).tracking.jumioDeletion).toEqual({
      requestedAt: expect.any(String),
      deletedAt: null,
      lastError: 'gave up deleting at Jumio: the maximum age passed; last failure: Jumio answered 500',
    });
    expect(deletes(erased).map((c) => c.httpStatus)).toEqual([500, 500, 500]);
    await advance(3600);
    expect(deletes(erased).map((c) => c.httpStatus)).toEqual([500, 500, 500, 200]);
    await advance(86_400);
    expect(deletes(automatic)).toHaveLength(2);
    await askDelete('scan', automatic).expect(202);
    await t.scheduler.drain();
    expect(deletes(automatic).map((c) => c.httpStatus)).toEqual([500, 500, 200]);
    expect((await view('scan', automatic)).tracking.jumioDeletion).toMatchObject({ lastError: null });
  });

  it('a 401 to a delete pauses the account like any other call; the delete goes once a probe is accepted', async () => {
    const reference = randomUUID();
    t.simulator.script({ kind: 'scan', reference });
    await track('scan', reference, { deleteAtJumio: false });
    // Past the maximum age: given up at once, then erased while the account is paused.
    const old = randomUUID();
    // Scripted, so that Jumio has it whatever its last hex digit (an unscripted reference ending in b is a 404).
    t.simulator.script({ kind: 'scan', reference: old });
    const longAgo = new Date(t.clock.now().getTime() - 40 * 86_400_000).toISOString();
    await track('scan', old, { deleteAtJumio: false, acquiredAt: longAgo });
    await advance(60);
    expect((await view('scan', reference)).tracking.state).toBe('RETRIEVED');
    expect((await view('scan', old)).tracking.state).toBe('EXHAUSTED');
    t.simulator.rotateSecret('default', 'rotated-in-the-portal');
    try {
      const asked = await askDelete('scan', reference).expect(202);
      expect(asked.body.tracking.jumioDeletion).toEqual({
        requestedAt: t.clock.now().toISOString(),
        deletedAt: null,
        lastError: null,
      });
      await t.scheduler.drain();
      expect(deletes(reference).map((c) => c.httpStatus)).toEqual([401]);
      const v = await view('scan', reference);
      expect(v.tracking.jumioDeletion).toMatchObject({ deletedAt: null, lastError: expect.stringContaining('401') });
      const stats = (await t.http().get('/v1/admin/stats').set(bearer(ADMIN_KEY)).expect(200)).body;
      expect(stats.accounts.find((a: { name: string }) => a.name === 'default')).toMatchObject({
        state: 'CREDENTIALS_REJECTED',
      });
      // A delete of the paused account is not claimed, even for a transaction past the maximum age.
      await erase('scan', old).expect(200);
      await advance(PROBE_SECONDS - 1);
      expect(deletes(reference)).toHaveLength(1);
      expect(deletes(old)).toEqual([]);
    } finally {
      t.simulator.rotateSecret('default', JUMIO_SECRET);
    }
    await advance(PROBE_SECONDS);
    await t.scheduler.drain();
    expect(deletes(reference).map((c) => c.httpStatus)).toEqual([401, 200]);
    expect(deletes(old).map((c) => c.httpStatus)).toEqual([200]);
    expect((await view('scan', reference)).tracking.jumioDeletion.deletedAt).toEqual(expect.any(String));
    const stats = (await t.http().get('/v1/admin/stats').set(bearer(ADMIN_KEY)).expect(200)).body;
    expect(stats.accounts.find((a: { name: string }) => a.name === 'default')).toMatchObject({ state: 'OK' });
  });

  it('a replica whose claim expired and was taken over never sends the delete', async () => {
    const reference = randomUUID();
    t.simulator.script({ kind: 'scan', reference });
    await track('scan', reference, { deleteAtJumio: false });
    await advance(60);
    await askDelete('scan', reference).expect(202);
    // Another replica claimed it and stalled: its lease runs out, and this one takes the delete over.
    const claims = t.app.get(TransactionClaims);
    const claimed = await claims.claimDue('stalled-replica', t.clock.now(), 100, 60);
    const stalled = claimed.find((r) => r.reference === reference)!;
    for (const other of claimed) if (other !== stalled) await claims.release(other.id, 'stalled-replica');
    await t.dataSource.query(
      `UPDATE tracked_transaction SET lease_expires_at = clock_timestamp() - interval '1 second' WHERE reference = $1`,
      [reference],
    );
    await t.scheduler.drain();
    expect(deletes(reference).map((c) => c.httpStatus)).toEqual([200]);
    // The stalled replica wakes up with its delete to send: the renewed claim fails, nothing is sent.
    await t.app.get(ReconciliationWorker).process(stalled, 'stalled-replica', () => false);
    expect(deletes(reference)).toHaveLength(1);
    const logged = (await attempts('scan', reference)).filter(
      (a) => a.callType === 'delete' || a.callType === 'takeover',
    );
    expect(logged.map((a) => a.outcome)).toEqual(['LEASE_EXPIRED', 'DELETED']);
  });

  it('an erasure while another replica is sending the delete leaves the delete to it: one DELETE, not two', async () => {
    const reference = randomUUID();
    t.simulator.script({ kind: 'scan', reference, faults: [{ endpoint: 'delete', type: 'slow', delayMs: 1500 }] });
    await track('scan', reference, { deleteAtJumio: false });
    await advance(60);
    await askDelete('scan', reference).expect(202);
    // Another replica holds the claim and has sent the DELETE (Jumio is slow to answer it).
    const claims = t.app.get(TransactionClaims);
    const claimed = await claims.claimDue('other-replica', t.clock.now(), 100, 60);
    const theirs = claimed.find((r) => r.reference === reference)!;
    for (const other of claimed) if (other !== theirs) await claims.release(other.id, 'other-replica');
    const sending = t.app.get(ReconciliationWorker).process(theirs, 'other-replica', () => false);
    await pollUntil(async () => deletes(reference).length === 1, 10_000, 'the DELETE at Jumio');
    // The erasure makes the delete due now, but the claim in flight is kept: this replica does not send it again.
    await erase('scan', reference).expect(200);
    await t.scheduler.drain();
    await sending;
    await t.scheduler.drain();
    expect(deletes(reference).map((c) => c.httpStatus)).toEqual([200]);
    expect((await view('scan', reference)).tracking).toMatchObject({
      state: 'PURGED',
      jumioDeletion: { deletedAt: expect.any(String), lastError: null },
    });
  });

  describe('erasure ?atJumio=true', () => {
    it('of a transaction still pending at Jumio: reconciliation stops, it is deleted there too, then nothing', async () => {
      const reference = randomUUID();
      t.simulator.script({ kind: 'scan', reference, pendingPolls: 100 });
      await track('scan', reference);
      await advance(60);
      expect((await view('scan', reference)).status).toBe('PENDING');
      const erased = await erase('scan', reference).expect(200);
      expect(erased.body.tracking).toMatchObject({
        state: 'PURGED',
        jumioDeletion: { requestedAt: t.clock.now().toISOString(), deletedAt: null, lastError: null },
      });
      await t.scheduler.drain();
      const v = await view('scan', reference);
      expect(v.tracking.jumioDeletion.deletedAt).toBe(t.clock.now().toISOString());
      expect(calls(reference).map((c) => [c.endpoint, c.httpStatus])).toEqual([
        ['status', 200],
        ['delete', 200],
      ]);
      expect(await events(reference)).toEqual(['TRACKED', 'CALLBACK_MISSED', 'PERSONAL_DATA_PURGED', 'JUMIO_DELETED']);
      await expectNothingMore(reference);
      // Erased again: 200, nothing more sent, no new event.
      const again = await erase('scan', reference).expect(200);
      expect(again.body.tracking.jumioDeletion).toEqual(v.tracking.jumioDeletion);
      await advance(60);
      expect(calls(reference)).toHaveLength(2);
      expect(await events(reference)).toHaveLength(4);
      // Deleted there, so asking again is a conflict.
      const refused = await askDelete('scan', reference).expect(409);
      expect(refused.body.message).toEqual([expect.stringContaining('already deleted at Jumio')]);
    });

    it('of a retrieved transaction (deletion off): purged here, deleted there', async () => {
      const reference = randomUUID();
      t.simulator.script({ kind: 'document', reference });
      await track('document', reference, { deleteAtJumio: false });
      await advance(60);
      const before = await view('document', reference);
      expect(before.tracking).toMatchObject({ state: 'RETRIEVED', jumioDeletion: null });
      await erase('document', reference).expect(200);
      await t.scheduler.drain();
      const v = await view('document', reference);
      expect(v).toMatchObject({ result: null, media: [], tracking: { state: 'PURGED' } });
      expect(v.tracking.jumioDeletion.deletedAt).toEqual(expect.any(String));
      await t.http().get(before.media[0].href).set(bearer(BACKEND_KEY)).expect(404);
      expect(deletes(reference).map((c) => c.httpStatus)).toEqual([200]);
      await expectNothingMore(reference);
    });

    it('of a callback-filled transaction; a late callback brings nothing back', async () => {
      const reference = randomUUID();
      t.simulator.script({ kind: 'authentication', reference });
      await track('authentication', reference, { deleteAtJumio: false, callbackGraceSeconds: 86_400 });
      await callbackArrives('authentication', reference);
      expect((await view('authentication', reference)).tracking.state).toBe('CALLBACK_RECEIVED');
      await erase('authentication', reference).expect(200);
      await t.scheduler.drain();
      expect(deletes(reference).map((c) => c.httpStatus)).toEqual([200]);
      const sent = calls(reference).length;
      await callbackArrives('authentication', reference);
      const v = await view('authentication', reference);
      expect(v).toMatchObject({ result: null, media: [], tracking: { state: 'PURGED' } });
      expect(calls(reference)).toHaveLength(sent);
    });

    it('while a status call is in flight: what it brings back is discarded', async () => {
      const reference = randomUUID();
      t.simulator.script({ kind: 'scan', reference, faults: [{ endpoint: 'status', type: 'slow', delayMs: 1500 }] });
      await track('scan', reference);
      t.clock.advanceSeconds(60);
      const draining = t.scheduler.drain();
      await pollUntil(async () => calls(reference).length > 0, 10_000, 'the status call');
      await erase('scan', reference).expect(200);
      await draining;
      await t.scheduler.drain();
      const v = await view('scan', reference);
      expect(v).toMatchObject({ result: null, media: [], tracking: { state: 'PURGED', attempts: 0 } });
      expect(v.tracking.jumioDeletion.deletedAt).toEqual(expect.any(String));
      expect(calls(reference).map((c) => c.endpoint)).toEqual(['status', 'delete']);
      const stored = await t.dataSource.query(
        `SELECT personal_data_at, raw_status, result FROM tracked_transaction WHERE reference = $1`,
        [reference],
      );
      expect(stored).toEqual([{ personal_data_at: null, raw_status: null, result: null }]);
    });

    it('of an unknown reference is 404; without atJumio nothing is sent to Jumio', async () => {
      const unknown = await erase('scan', randomUUID()).expect(404);
      expect(unknown.body.message).toEqual([expect.stringContaining('not tracked')]);
      await erase('scan', randomUUID(), '?atJumio=maybe').expect(400);
      const reference = randomUUID();
      t.simulator.script({ kind: 'scan', reference });
      await track('scan', reference, { deleteAtJumio: false });
      await advance(60);
      const purged = await erase('scan', reference, '').expect(200);
      expect(purged.body.tracking).toMatchObject({ state: 'PURGED', jumioDeletion: null });
      await expectNothingMore(reference);
      expect(deletes(reference)).toEqual([]);
    });
  });

  describe('POST .../delete-at-jumio', () => {
    it('store-first: on a transaction not yet retrieved it waits for the retrieval; then 409', async () => {
      const reference = randomUUID();
      t.simulator.script({ kind: 'scan', reference, pendingPolls: 1 });
      await track('scan', reference, { deleteAtJumio: false });
      await advance(60);
      const asked = await askDelete('scan', reference).expect(202);
      expect(asked.body.tracking).toMatchObject({ state: 'RECONCILING', jumioDeletion: null });
      await advance(120);
      const v = await view('scan', reference);
      expect(v.tracking.state).toBe('RETRIEVED');
      expect(v.tracking.jumioDeletion.deletedAt).toEqual(expect.any(String));
      const log = calls(reference);
      expect(log[log.length - 1].endpoint).toBe('delete');
      expect(ruleViolations(log)).toEqual([]);
      await askDelete('scan', reference).expect(409);
      await askDelete('scan', randomUUID()).expect(404);
    });

    it('409 for a transaction Jumio never had', async () => {
      const reference = randomUUID();
      t.simulator.script({ kind: 'scan', reference, final: 'NOT_FOUND' });
      await track('scan', reference);
      await advance(60);
      expect((await view('scan', reference)).tracking.state).toBe('NOT_FOUND');
      const refused = await askDelete('scan', reference).expect(409);
      expect(refused.body.message).toEqual(['never found at Jumio: there is nothing to delete there']);
      expect(deletes(reference)).toEqual([]);
    });
  });

  it("the simulator's Delete API: 200, then every call on the transaction is 404, a second DELETE too", async () => {
    const reference = randomUUID();
    t.simulator.script({ kind: 'scan', reference });
    const jumio = (method: string, path: string) =>
      fetch(`${t.simulator.url}/api/netverify/v2/scans/${reference}${path}`, {
        method,
        headers: {
          Authorization: `Basic ${Buffer.from(`${JUMIO_TOKEN}:${JUMIO_SECRET}`).toString('base64')}`,
          'User-Agent': 'test',
          Accept: 'application/json',
        },
      }).then((r) => r.status);
    expect(await jumio('GET', '')).toBe(200);
    expect(await jumio('DELETE', '/data')).toBe(405);
    expect(await jumio('DELETE', '')).toBe(200);
    expect(await jumio('GET', '')).toBe(404);
    expect(await jumio('GET', '/images/front')).toBe(404);
    expect(await jumio('DELETE', '')).toBe(404);
    expect(deletes(reference).map((c) => [c.method, c.httpStatus])).toEqual([
      ['DELETE', 200],
      ['DELETE', 404],
    ]);
  });
});
