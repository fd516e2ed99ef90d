import { randomUUID } from 'node:crypto';
import { CallbackProcessor } from '../../src/engine/callbacks/callback-processor';
import {
  callbackFields,
  expectedMedium,
  type SimulatorKind,
  type TransactionScript,
} from '../../src/simulator/jumio-simulator';
import { planFromScript, validateScript } from '../../src/simulator/simulator-scripts';
import { pollUntil } from '../support/poll-until';
import { ruleViolations } from '../support/rule-compliance';
import { ADMIN_KEY, BACKEND_KEY, bearer, binaryParser, startTestApp, type TestAppOptions } from '../support/test-app';

/**
 * Jumio's callbacks received directly (issue 8): the simulator posts them over real sockets to the app, which
 * stores them, processes them (CallbackProcessor.drain, as the interval would) and fetches the media through the
 * Retrieval API (ReconciliationScheduler.drain).
 */

const KIND_OF: Record<SimulatorKind, string> = {
  scan: 'id-verifications',
  document: 'document-verifications',
  authentication: 'authentications',
};
const LOOPBACK = { CALLBACK_ALLOWED_SOURCES: '127.0.0.1,::1' };

async function harness(options: TestAppOptions = {}) {
  const t = await startTestApp({ ...options, env: { ...LOOPBACK, ...options.env } });
  t.simulator.setCallbackBaseUrl(`${t.baseUrl}/callbacks/jumio`);
  const processor = t.app.get(CallbackProcessor);
  const track = (kind: string, reference: string) =>
    t
      .http()
      .post(`/v1/${kind}`)
      .set(bearer(BACKEND_KEY))
      .send({ reference, acquiredAt: t.clock.now().toISOString() })
      .expect(201);
  const view = async (kind: string, reference: string) =>
    (await t.http().get(`/v1/${kind}/${reference}`).set(bearer(BACKEND_KEY)).expect(200)).body;
  /** Waits until the simulator has had an answer to `count` deliveries of this reference's callback. */
  const delivered = (reference: string, count = 1) =>
    pollUntil(
      async () => {
        const sent = t.simulator.sentCallbacks(reference);
        return sent.length >= count && sent.every((c) => c.httpStatus !== null || c.error !== null) ? sent : null;
      },
      15_000,
      `${count} callback(s) of ${reference}`,
    );
  /** The simulator sends the callback now; then the app processes it and fetches what remains. */
  const callbackArrives = async (kind: SimulatorKind, reference: string, deliveries = 1) => {
    t.simulator.sendCallback(kind, reference, { deliveries });
    const sent = await delivered(reference, deliveries);
    await processor.drain();
    await t.scheduler.drain();
    return sent;
  };
  const events = async (reference: string) =>
    (
      (await t.dataSource.query(`SELECT type FROM change_event WHERE reference = $1 ORDER BY id`, [reference])) as {
        type: string;
      }[]
    ).map((e) => e.type);
  const inbox = async (reference: string) =>
    (await t.dataSource.query(
      `SELECT deliveries, processed_at, outcome, error, body IS NOT NULL AS holds_body FROM jumio_callback WHERE reference = $1`,
      [reference],
    )) as {
      deliveries: number;
      processed_at: Date | null;
      outcome: string | null;
      error: string | null;
      holds_body: boolean;
    }[];
  const mediumBytes = async (href: string) => {
    const res = await t
      .http()
      .get(href)
      .set(bearer(BACKEND_KEY))
      .buffer(true)
      .parse(binaryParser as never)
      .expect(200);
    return { bytes: res.body as Buffer, contentType: res.headers['content-type'] as string };
  };
  const postForm = (kind: string, body: string, headers: Record<string, string> = {}) =>
    t
      .http()
      .post(`/callbacks/jumio/${kind}`)
      .set({ 'Content-Type': 'application/x-www-form-urlencoded', ...headers })
      .send(body);
  return { t, processor, track, view, delivered, callbackArrives, events, inbox, mediumBytes, postForm };
}

type Harness = Awaited<ReturnType<typeof harness>>;

/** The view minus what legitimately differs between two tracked copies of one transaction: its tracking. */
function withoutTracking(view: Record<string, unknown>) {
  const { tracking: _tracking, ...rest } = view;
  return rest;
}

describe('Jumio callbacks received directly', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness();
  });
  afterAll(() => h.t.close());

  const cases: { kind: SimulatorKind; script: Partial<TransactionScript>; calls: string[]; media: string[] }[] = [
    // ID Verification: one /data/verification call completes what the callback lacks (additionalChecks).
    {
      kind: 'scan',
      script: {},
      calls: ['data', 'images', 'image', 'image', 'image', 'liveness', 'liveness', 'facemap'],
      media: ['back', 'face', 'facemap', 'front', 'liveness-1', 'liveness-2'],
    },
    {
      kind: 'document',
      script: { pages: [1, 101] },
      calls: ['pages', 'page', 'page', 'original'],
      media: ['original', 'page-1', 'page-101'],
    },
    {
      kind: 'authentication',
      script: {},
      calls: ['image', 'liveness', 'liveness'],
      media: ['face', 'liveness-1', 'liveness-2'],
    },
  ];

  for (const c of cases) {
    it(`${KIND_OF[c.kind]}: the callback fills the view at once, media come once from the Retrieval API, and reconciliation never starts`, async () => {
      const ref = randomUUID();
      h.t.simulator.script({ kind: c.kind, reference: ref, pendingPolls: 3, ...c.script } as TransactionScript);
      await h.track(KIND_OF[c.kind], ref);
      const [sent] = await h.callbackArrives(c.kind, ref);
      expect(sent.httpStatus).toBe(200);

      const v = await h.view(KIND_OF[c.kind], ref);
      expect(v).toMatchObject({
        status: 'DONE',
        tracking: { state: 'CALLBACK_RECEIVED', attempts: 0, nextAttemptAt: null, lastError: null },
      });
      expect(v.tracking.callbackReceivedAt).toEqual(expect.any(String));
      expect(v.result).not.toBeNull();
      expect(v.media.map((m: { name: string }) => m.name).sort()).toEqual(c.media);
      for (const m of v.media) {
        const expected = expectedMedium(c.kind, ref, m.name, { masked: true });
        const got = await h.mediumBytes(m.href);
        expect(got.bytes.equals(expected.bytes)).toBe(true);
        expect(got.contentType).toBe(expected.contentType);
      }
      // No status call: the image endpoints (and ID Verification's completion), each once, by Jumio's rules.
      const calls = h.t.simulator.requests({ reference: ref });
      expect(calls.map((r) => r.endpoint).sort()).toEqual([...c.calls].sort());
      expect(ruleViolations(calls, { finalKnownAt: sent.at })).toEqual([]);
      expect(await h.events(ref)).toEqual(['TRACKED', 'CALLBACK_RECEIVED', 'MEDIA_STORED']);
      const [stored] = await h.inbox(ref);
      expect(stored).toMatchObject({ deliveries: 1, outcome: 'APPLIED', holds_body: false });

      // Long after the grace period and the whole schedule: still not a single call more.
      for (const s of [300, 1000, 86_400]) {
        h.t.clock.advanceSeconds(s);
        await h.t.scheduler.drain();
      }
      expect(h.t.simulator.requests({ reference: ref })).toHaveLength(calls.length);
      expect((await h.view(KIND_OF[c.kind], ref)).tracking.state).toBe('CALLBACK_RECEIVED');
    });
  }

  it('the same callback delivered twice is stored once and processed once', async () => {
    const ref = randomUUID();
    h.t.simulator.script({ kind: 'scan', reference: ref });
    await h.track('id-verifications', ref);
    const sent = await h.callbackArrives('scan', ref, 2);
    expect(sent.map((s) => s.httpStatus)).toEqual([200, 200]);
    const rows = await h.inbox(ref);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ deliveries: 2, outcome: 'APPLIED' });
    expect(await h.events(ref)).toEqual(['TRACKED', 'CALLBACK_RECEIVED', 'MEDIA_STORED']);
    expect(h.t.simulator.requests({ reference: ref, endpoint: 'images' })).toHaveLength(1);
    // A third delivery, long after processing and with a new callbackDate, is the same callback: nothing changes.
    h.t.simulator.sendCallback('scan', ref);
    await h.delivered(ref, 3);
    await h.processor.drain();
    await h.t.scheduler.drain();
    expect((await h.inbox(ref))[0].deliveries).toBe(3);
    expect(await h.events(ref)).toEqual(['TRACKED', 'CALLBACK_RECEIVED', 'MEDIA_STORED']);
    expect(h.t.simulator.requests({ reference: ref, endpoint: 'images' })).toHaveLength(1);
  });

  it('a callback for a reference nobody tracked starts tracking it, from the journey date, on the default data center', async () => {
    const ref = randomUUID();
    h.t.simulator.script({ kind: 'document', reference: ref, pages: [1] });
    await h.callbackArrives('document', ref);
    const v = await h.view('document-verifications', ref);
    expect(v).toMatchObject({ datacenter: 'US', status: 'DONE', tracking: { state: 'CALLBACK_RECEIVED' } });
    expect(v.merchantReference).toMatch(/^MERCHANT-/);
    expect(v.media.map((m: { name: string }) => m.name).sort()).toEqual(['original', 'page-1']);
    expect(await h.events(ref)).toEqual(['TRACKED', 'CALLBACK_RECEIVED', 'MEDIA_STORED']);

    // The callback URL may name the data center (Jumio keeps query parameters of the configured URL).
    const eu = randomUUID();
    h.t.simulator.script({ kind: 'authentication', reference: eu });
    const body = new URLSearchParams(
      callbackFields({ ...planOf('authentication', eu) }, h.t.simulator.url, new Date()),
    ).toString();
    await h.postForm('authentications?datacenter=EU', body).expect(200);
    await h.processor.drain();
    expect((await h.view('authentications', eu)).datacenter).toBe('EU');
  });

  it('a callback that arrives while reconciliation is in flight leaves one consistent result', async () => {
    const ref = randomUUID();
    // The details call hangs for a while: the callback lands while the worker waits for /data.
    h.t.simulator.script({
      kind: 'scan',
      reference: ref,
      variant: 'rejected',
      faults: [{ endpoint: 'data', type: 'slow', delayMs: 1500 }],
    });
    await h.track('id-verifications', ref);
    h.t.clock.advanceSeconds(300);
    const reconciling = h.t.scheduler.drain();
    await pollUntil(
      async () => h.t.simulator.requests({ reference: ref, endpoint: 'data' }).length > 0,
      10_000,
      'the details call',
    );
    // The callback's data differs from what the late /data answer carries, so the test can tell who won.
    const fields = callbackFields(planOf('scan', ref, { variant: 'rejected' }), h.t.simulator.url, new Date());
    fields.idFirstName = 'FROM-THE-CALLBACK';
    await h.postForm('id-verifications', new URLSearchParams(fields).toString()).expect(200);
    await h.processor.drain();
    await reconciling;
    await h.t.scheduler.drain();

    const v = await h.view('id-verifications', ref);
    expect(v).toMatchObject({ status: 'DONE', tracking: { state: 'CALLBACK_RECEIVED', attempts: 1 } });
    expect(v.result.document.firstName).toBe('FROM-THE-CALLBACK');
    expect(v.result.verification.rejectReason).toMatchObject({ code: '100', description: 'MANIPULATED_DOCUMENT' });
    const types = await h.events(ref);
    expect(types).toEqual(['TRACKED', 'CALLBACK_MISSED', 'CALLBACK_RECEIVED', 'MEDIA_STORED']);
    // The worker's late answer to /data was not written over the callback's data, and nothing was fetched twice.
    const calls = h.t.simulator.requests({ reference: ref });
    expect(calls.filter((r) => r.endpoint === 'data')).toHaveLength(1);
    expect(calls.filter((r) => r.endpoint === 'images')).toHaveLength(1);
    expect(ruleViolations(calls)).toEqual([]);
    // The worker's details call is in the attempt log (it reached Jumio), its answer was not applied.
    const attempts = (await h.t.dataSource.query(
      `SELECT call_type FROM jumio_call c JOIN tracked_transaction t ON t.id = c.transaction_id WHERE t.reference = $1`,
      [ref],
    )) as { call_type: string }[];
    expect(attempts.map((a) => a.call_type)).toContain('details');
    const data = h.t.simulator.requests({ reference: ref, endpoint: 'data' })[0];
    expect(data.httpStatus).toBe(200);
  });

  it('a callback for a transaction already retrieved keeps what was retrieved and records the callback', async () => {
    const ref = randomUUID();
    h.t.simulator.script({ kind: 'scan', reference: ref });
    await h.track('id-verifications', ref);
    h.t.clock.advanceSeconds(300);
    await h.t.scheduler.drain();
    const before = await h.view('id-verifications', ref);
    expect(before.tracking.state).toBe('RETRIEVED');
    const callsBefore = h.t.simulator.requests({ reference: ref }).length;
    await h.callbackArrives('scan', ref);
    const after = await h.view('id-verifications', ref);
    expect(after.tracking.state).toBe('RETRIEVED');
    expect(after.tracking.callbackReceivedAt).toEqual(expect.any(String));
    expect(after.result).toEqual(before.result);
    expect(h.t.simulator.requests({ reference: ref })).toHaveLength(callsBefore);
    expect((await h.inbox(ref))[0].outcome).toBe('ALREADY_STORED');
  });

  it('a callback whose content cannot be read is stored, then reconciliation starts at once and the Retrieval API fills the view', async () => {
    const ref = randomUUID();
    h.t.simulator.script({ kind: 'scan', reference: ref });
    await h.track('id-verifications', ref);
    const fields = callbackFields(planOf('scan', ref), h.t.simulator.url, new Date());
    fields.identityVerification = '{"similarity": "MATCH", "validity": ';
    await h.postForm('id-verifications', new URLSearchParams(fields).toString()).expect(200);
    await h.processor.drain();
    const v = await h.view('id-verifications', ref);
    expect(v.tracking.state).toBe('RECONCILING');
    expect(v.tracking.lastError).toBe(
      "Jumio's callback could not be read: ID verification callback: identityVerification is not valid JSON",
    );
    const [stored] = await h.inbox(ref);
    expect(stored).toMatchObject({ outcome: 'MALFORMED', holds_body: true });
    await h.t.scheduler.drain();
    expect(await h.view('id-verifications', ref)).toMatchObject({
      status: 'DONE',
      tracking: { state: 'RETRIEVED', attempts: 1 },
    });
  });

  it("keeps the callback's personal data encrypted, and a purge deletes it with the rest", async () => {
    const ref = randomUUID();
    h.t.simulator.script({ kind: 'scan', reference: ref });
    await h.track('id-verifications', ref);
    const fields = callbackFields(planOf('scan', ref), h.t.simulator.url, new Date());
    const unreadable = { ...fields, rejectReason: '{' };
    await h.postForm('id-verifications', new URLSearchParams(unreadable).toString()).expect(200);
    await h.postForm('id-verifications', new URLSearchParams(fields).toString()).expect(200);
    await h.processor.drain();
    const personal = [fields.idFirstName, fields.idLastName, fields.idNumber, fields.idDob];
    expect(personal.every((p) => typeof p === 'string' && p.length > 3)).toBe(true);
    const dump = async () =>
      JSON.stringify([
        await h.t.dataSource.query(`SELECT * FROM jumio_callback WHERE reference = $1`, [ref]),
        await h.t.dataSource.query(
          `SELECT raw_callback, raw_details, result FROM tracked_transaction WHERE reference = $1`,
          [ref],
        ),
      ]);
    const before = await dump();
    expect(before).toContain('"kid"'); // encrypted envelopes are there...
    for (const p of personal) expect(before.includes(p)).toBe(false); // ...and nothing in clear
    expect((await h.view('id-verifications', ref)).result.document.firstName).toBe(fields.idFirstName);
    expect((await h.inbox(ref)).map((r) => r.holds_body).sort()).toEqual([false, true]); // the unreadable one is kept

    await h.t
      .http()
      .delete(`/v1/admin/transactions/id-verifications/${ref}/personal-data`)
      .set(bearer(ADMIN_KEY))
      .expect(200);
    expect((await h.inbox(ref)).map((r) => r.holds_body)).toEqual([false, false]);
    const [row] = (await h.t.dataSource.query(
      `SELECT raw_callback, result FROM tracked_transaction WHERE reference = $1`,
      [ref],
    )) as { raw_callback: unknown; result: unknown }[];
    expect(row).toEqual({ raw_callback: null, result: null });
    // A callback that arrives after the purge (here one with a field more, so not a repeat) brings nothing back.
    await h.postForm('id-verifications', new URLSearchParams({ ...fields, lateField: 'x' }).toString()).expect(200);
    await h.processor.drain();
    await h.t.scheduler.drain();
    expect(await h.view('id-verifications', ref)).toMatchObject({
      result: null,
      media: [],
      tracking: { state: 'PURGED' },
    });
    const rows = await h.inbox(ref);
    expect(rows.map((r) => r.outcome).sort()).toEqual(['APPLIED', 'IGNORED_PURGED', 'MALFORMED']);
    expect(rows.every((r) => !r.holds_body)).toBe(true);
  });

  it('a backend that tracks a reference after its callback started it sets its own fields (200, not 409), data center included', async () => {
    const ref = randomUUID();
    h.t.simulator.script({ kind: 'document', reference: ref, pages: [1] });
    // The callback comes on the guessed data center US, whose Retrieval API is down for now: media wait.
    const fields = callbackFields(planOf('document', ref, { pages: [1] }), h.t.simulator.url, new Date());
    await h.postForm('document-verifications', new URLSearchParams(fields).toString()).expect(200);
    await h.processor.drain();
    expect((await h.view('document-verifications', ref)).datacenter).toBe('US');
    const acquiredAt = new Date(h.t.clock.now().getTime() - 60_000).toISOString();
    const tracked = await h.t
      .http()
      .post('/v1/document-verifications')
      .set(bearer(BACKEND_KEY))
      .send({
        reference: ref,
        acquiredAt,
        datacenter: 'EU',
        merchantReference: 'order-9',
        customerReference: 'user-9',
        callbackGraceSeconds: 60,
      })
      .expect(200);
    expect(tracked.body).toMatchObject({
      datacenter: 'EU',
      merchantReference: 'order-9',
      customerReference: 'user-9',
      acquiredAt,
      tracking: { state: 'CALLBACK_RECEIVED' },
    });
    // From now on it is an ordinary tracked transaction: a differing retry is a 409 again.
    await h.t
      .http()
      .post('/v1/document-verifications')
      .set(bearer(BACKEND_KEY))
      .send({ reference: ref, merchantReference: 'other' })
      .expect(409);
    await h.t.scheduler.drain();
    const v = await h.view('document-verifications', ref);
    expect(v.media.map((m: { name: string }) => m.name).sort()).toEqual(['original', 'page-1']);
    expect(v.result.document.originalDocument).toBe(`/v1/document-verifications/${ref}/media/original`);
  });

  it('a batch adopts references their callbacks started as the single route does, duplicates after it answered as retries', async () => {
    const [a, b] = [randomUUID(), randomUUID()];
    for (const ref of [a, b]) {
      h.t.simulator.script({ kind: 'document', reference: ref, pages: [1] });
      const fields = callbackFields(planOf('document', ref, { pages: [1] }), h.t.simulator.url, new Date());
      await h.postForm('document-verifications', new URLSearchParams(fields).toString()).expect(200);
    }
    await h.processor.drain();
    const acquiredAt = new Date(h.t.clock.now().getTime() - 60_000).toISOString();
    const res = await h.t
      .http()
      .post('/v1/document-verifications/batch')
      .set(bearer(BACKEND_KEY))
      .send({
        items: [
          { reference: a, acquiredAt, datacenter: 'EU', merchantReference: 'order-a', callbackGraceSeconds: 60 },
          { reference: a, merchantReference: 'order-a' },
          { reference: a, merchantReference: 'other' },
          { reference: b, customerReference: 'user-b' },
        ],
      })
      .expect(200);
    expect(res.body.items.map((i: { status: number }) => i.status)).toEqual([200, 200, 409, 200]);
    expect(res.body.items[0].view).toMatchObject({
      datacenter: 'EU',
      merchantReference: 'order-a',
      acquiredAt,
      tracking: { state: 'CALLBACK_RECEIVED' },
    });
    expect(res.body.items[1].view).toEqual(res.body.items[0].view);
    expect(res.body.items[3].view).toMatchObject({ customerReference: 'user-b', datacenter: 'US' });
    // Adopted: the row is an ordinary tracked transaction now, as after the single route.
    const again = await h.t
      .http()
      .post('/v1/document-verifications')
      .set(bearer(BACKEND_KEY))
      .send({ reference: b, customerReference: 'someone-else' })
      .expect(409);
    expect(again.body.message).toEqual([
      "customerReference differs from the tracked transaction's (the reference is already tracked with another customerReference)",
    ]);
  });

  it('adopting a callback-started transaction with deleteAtJumio deletes it at Jumio once its media are stored', async () => {
    const [single, batched] = [randomUUID(), randomUUID()];
    for (const ref of [single, batched]) {
      h.t.simulator.script({ kind: 'document', reference: ref, pages: [1] });
      const fields = callbackFields(planOf('document', ref, { pages: [1] }), h.t.simulator.url, new Date());
      await h.postForm('document-verifications', new URLSearchParams(fields).toString()).expect(200);
    }
    await h.processor.drain();
    await h.t.scheduler.drain();
    const deletes = (ref: string) => h.t.simulator.requests({ reference: ref }).filter((c) => c.endpoint === 'delete');
    for (const ref of [single, batched]) {
      const v = (await h.t.http().get(`/v1/document-verifications/${ref}`).set(bearer(BACKEND_KEY)).expect(200)).body;
      expect(v.tracking).toMatchObject({ state: 'CALLBACK_RECEIVED', jumioDeletion: null });
      expect(v.media.length).toBeGreaterThan(0);
    }
    await h.t
      .http()
      .post('/v1/document-verifications')
      .set(bearer(BACKEND_KEY))
      .send({ reference: single, deleteAtJumio: true })
      .expect(200);
    const batch = await h.t
      .http()
      .post('/v1/document-verifications/batch')
      .set(bearer(BACKEND_KEY))
      .send({ items: [{ reference: batched, deleteAtJumio: true }] })
      .expect(200);
    expect(batch.body.items[0]).toMatchObject({
      status: 200,
      view: { tracking: { jumioDeletion: { deletedAt: null } } },
    });
    await h.t.scheduler.drain();
    for (const ref of [single, batched]) {
      expect(deletes(ref).map((c) => c.httpStatus)).toEqual([200]);
      const v = (await h.t.http().get(`/v1/document-verifications/${ref}`).set(bearer(BACKEND_KEY)).expect(200)).body;
      expect(v.tracking.jumioDeletion).toMatchObject({ deletedAt: expect.any(String), lastError: null });
      // Deleted there: a forced reconcile has nothing left to re-check (409), and the row keeps its state.
      const forced = await h.t
        .http()
        .post(`/v1/admin/transactions/document-verifications/${ref}/reconcile`)
        .set(bearer(ADMIN_KEY))
        .expect(409);
      expect(forced.body.message).toEqual(['deleted at Jumio (or being deleted): nothing to re-check']);
      expect(v.tracking.state).toBe('CALLBACK_RECEIVED');
    }
  });

  it("a backend's own FAILED report does not undo a view Jumio's callback filled", async () => {
    const ref = randomUUID();
    h.t.simulator.script({ kind: 'authentication', reference: ref });
    await h.track('authentications', ref);
    await h.callbackArrives('authentication', ref);
    const before = h.t.simulator.requests({ reference: ref }).length;
    const res = await h.t
      .http()
      .post(`/v1/authentications/${ref}/callback`)
      .set(bearer(BACKEND_KEY))
      .send({ outcome: 'FAILED' })
      .expect(200);
    expect(res.body.tracking.state).toBe('CALLBACK_RECEIVED');
    h.t.clock.advanceSeconds(1000);
    await h.t.scheduler.drain();
    expect(h.t.simulator.requests({ reference: ref })).toHaveLength(before);
    expect(await h.events(ref)).toEqual(['TRACKED', 'CALLBACK_RECEIVED', 'MEDIA_STORED']);
  });

  it('media of a callback the data center does not have (404) are given up at once, not retried', async () => {
    const ref = randomUUID();
    // Jumio (here: the simulator) has no such transaction, yet a callback names it.
    h.t.simulator.script({ kind: 'scan', reference: ref, final: 'NOT_FOUND' });
    const fields = callbackFields(planOf('scan', ref), h.t.simulator.url, new Date());
    await h.postForm('id-verifications', new URLSearchParams(fields).toString()).expect(200);
    await h.processor.drain();
    await h.t.scheduler.drain();
    const v = await h.view('id-verifications', ref);
    expect(v).toMatchObject({
      status: 'DONE',
      media: [],
      tracking: { state: 'CALLBACK_RECEIVED', nextAttemptAt: null },
    });
    expect(v.tracking.lastError).toBe(
      'the Retrieval API of US does not have this transaction (404); its media could not be fetched',
    );
    h.t.clock.advanceSeconds(3600);
    await h.t.scheduler.drain();
    expect(h.t.simulator.requests({ reference: ref }).map((r) => r.endpoint)).toEqual(['data']);
  });

  it('refuses a body that is not a callback (400), stores nothing', async () => {
    const ref = randomUUID();
    const json = await h.t
      .http()
      .post('/callbacks/jumio/id-verifications')
      .send({ jumioIdScanReference: ref })
      .expect(400);
    expect(json.body.message).toEqual(['a Jumio callback is sent as application/x-www-form-urlencoded']);
    const noRef = await h
      .postForm('id-verifications', 'verificationStatus=APPROVED_VERIFIED&idFirstName=JANE')
      .expect(400);
    expect(noRef.body.message).toEqual(['the callback names no valid jumioIdScanReference (a UUID)']);
    expect(JSON.stringify(noRef.body)).not.toContain('JANE');
    await h.postForm('authentications', 'transactionReference=not-a-uuid').expect(400);
    await h.postForm('id-verifications', `jumioIdScanReference=${ref}`, {}).query({ datacenter: 'MARS' }).expect(400);
    await h.t
      .http()
      .post('/callbacks/jumio/id-verifications')
      .set('Content-Type', 'application/x-www-form-urlencoded')
      .send(Buffer.from([0x6a, 0xff, 0xfe]))
      .expect(400);
    await h.postForm('id-verifications', `jumioIdScanReference=${ref}&pad=${'x'.repeat(300 * 1024)}`).expect(413);
    expect(await h.inbox(ref)).toEqual([]);
    await h.t.http().get(`/v1/id-verifications/${ref}`).set(bearer(BACKEND_KEY)).expect(404);
  });

  it('needs no API key (an API key is not even looked at), and is documented in the OpenAPI document', async () => {
    const ref = randomUUID();
    const body = new URLSearchParams(
      callbackFields(planOf('authentication', ref), h.t.simulator.url, new Date()),
    ).toString();
    await h.postForm('authentications', body).expect(200);
    await h.postForm('authentications', body, { Authorization: 'Bearer not-a-key' }).expect(200);
    const doc = (await h.t.http().get('/docs/openapi.json').expect(200)).body;
    for (const kind of Object.values(KIND_OF)) expect(doc.paths[`/callbacks/jumio/${kind}`].post).toBeDefined();
  });
});

describe('Jumio callbacks: who may send them', () => {
  it('refuses a sender outside CALLBACK_ALLOWED_SOURCES with 403 and stores nothing', async () => {
    const h = await harness({ env: { CALLBACK_ALLOWED_SOURCES: '10.0.0.0/8' } });
    try {
      const ref = randomUUID();
      h.t.simulator.script({ kind: 'scan', reference: ref });
      h.t.simulator.sendCallback('scan', ref);
      const [sent] = await h.delivered(ref);
      expect(sent.httpStatus).toBe(403);
      // X-Forwarded-For is not believed from a peer that is not a trusted proxy.
      const body = new URLSearchParams(callbackFields(planOf('scan', ref), h.t.simulator.url, new Date())).toString();
      const res = await h.postForm('id-verifications', body, { 'X-Forwarded-For': '10.1.2.3' }).expect(403);
      expect(res.body.message).toEqual([
        'callbacks are accepted only from the addresses in CALLBACK_ALLOWED_SOURCES; 127.0.0.1 is not one',
      ]);
      await h.processor.drain();
      expect(await h.inbox(ref)).toEqual([]);
      await h.t.http().get(`/v1/id-verifications/${ref}`).set(bearer(BACKEND_KEY)).expect(404);
    } finally {
      await h.t.close();
    }
  });

  it('behind a trusted proxy, the X-Forwarded-For sender is the one checked; its published range names the data center', async () => {
    const h = await harness({
      env: { CALLBACK_ALLOWED_SOURCES: '52.48.0.25,34.202.241.227', TRUSTED_PROXIES: '127.0.0.1' },
    });
    try {
      const ref = randomUUID();
      h.t.simulator.script({ kind: 'scan', reference: ref });
      const body = new URLSearchParams(callbackFields(planOf('scan', ref), h.t.simulator.url, new Date())).toString();
      await h.postForm('id-verifications', body).expect(403);
      await h.postForm('id-verifications', body, { 'X-Forwarded-For': '203.0.113.9' }).expect(403);
      // A client cannot name itself Jumio: the proxy appends the real peer, which is read first.
      await h.postForm('id-verifications', body, { 'X-Forwarded-For': '52.48.0.25, 203.0.113.9' }).expect(403);
      await h.postForm('id-verifications', body, { 'X-Forwarded-For': '52.48.0.25' }).expect(200);
      await h.processor.drain();
      // 52.48.0.25 is one of Jumio's EU callback addresses: the new transaction is on EU.
      expect((await h.view('id-verifications', ref)).datacenter).toBe('EU');
    } finally {
      await h.t.close();
    }
  });
});

describe('Jumio callbacks: the view from a callback equals the view from the Retrieval API', () => {
  let viaCallback: Harness;
  let viaRetrieval: Harness;
  beforeAll(async () => {
    viaCallback = await harness();
    viaRetrieval = await harness({ simulator: viaCallback.t.simulator });
    viaCallback.t.simulator.setCallbackBaseUrl(`${viaCallback.t.baseUrl}/callbacks/jumio`);
  });
  afterAll(async () => {
    await viaRetrieval.t.close();
    await viaCallback.t.close();
  });

  const scripts: { name: string; script: Omit<TransactionScript, 'reference'> }[] = [
    { name: 'ID verification, rejected', script: { kind: 'scan', variant: 'rejected' } },
    { name: 'ID verification, not readable', script: { kind: 'scan', variant: 'not-readable' } },
    { name: 'ID verification, no ID uploaded (FAILED)', script: { kind: 'scan', final: 'FAILED' } },
    // Jumio's callback has no additionalChecks; the completion call (/data/verification) brings them.
    { name: 'ID verification, approved', script: { kind: 'scan' } },
    {
      name: 'ID verification, approved with one image (images as an object)',
      script: { kind: 'scan', imagesAsObject: true, livenessCount: 0, facemap: false },
    },
    {
      name: 'document verification, CC with original',
      script: { kind: 'document', documentType: 'CC', pages: [1, 2] },
    },
    { name: 'document verification, SSC', script: { kind: 'document', documentType: 'SSC', originalDocument: false } },
    { name: 'document verification, FAILED', script: { kind: 'document', final: 'FAILED' } },
    { name: 'authentication, PASSED', script: { kind: 'authentication' } },
    { name: 'authentication, FAILED', script: { kind: 'authentication', final: 'FAILED', livenessCount: 3 } },
    { name: 'authentication, EXPIRED', script: { kind: 'authentication', final: 'EXPIRED' } },
  ];

  for (const s of scripts) {
    it(s.name, async () => {
      const ref = randomUUID();
      const kind = KIND_OF[s.script.kind];
      viaCallback.t.simulator.script({ ...s.script, reference: ref } as TransactionScript);
      await viaCallback.track(kind, ref);
      await viaRetrieval.track(kind, ref);
      // Both clocks move alike, so each copy is complete at the same instant (retrievedAt, updatedAt).
      viaCallback.t.clock.advanceSeconds(300);
      viaRetrieval.t.clock.advanceSeconds(300);
      await viaCallback.callbackArrives(s.script.kind, ref);
      await viaRetrieval.t.scheduler.drain();

      const fromCallback = await viaCallback.view(kind, ref);
      const fromRetrieval = await viaRetrieval.view(kind, ref);
      expect(fromCallback.tracking.state).toBe('CALLBACK_RECEIVED');
      expect(fromRetrieval.tracking.state).toBe('RETRIEVED');
      expect(withoutTracking(fromCallback)).toEqual(withoutTracking(fromRetrieval));
      if (s.script.kind === 'scan' && s.script.final !== 'FAILED' && !s.script.variant) {
        expect(fromCallback.result.verification.additionalChecks).toMatchObject({
          faceSearchFindings: { status: 'DONE' },
        });
      }
      for (const m of fromCallback.media) {
        const a = await viaCallback.mediumBytes(m.href);
        const b = await viaRetrieval.mediumBytes(m.href);
        expect(a.bytes.equals(b.bytes)).toBe(true);
      }
    });
  }
});

/** The plan the simulator follows for an unscripted-default transaction of this kind (its callback is built from it). */
function planOf(kind: SimulatorKind, reference: string, script: Partial<TransactionScript> = {}) {
  return planFromScript(validateScript({ ...script, kind, reference }));
}
