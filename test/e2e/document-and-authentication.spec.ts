import { randomUUID } from 'node:crypto';
import { expectedMedium } from '../../src/simulator/jumio-simulator';
import { readFeedUntil } from '../support/feed-reader';
import { ruleViolations } from '../support/rule-compliance';
import { BACKEND_KEY, bearer, binaryParser, startTestApp } from '../support/test-app';

async function harness(env: Record<string, string> = {}) {
  const t = await startTestApp({ env });
  const track = (kind: string, reference: string) =>
    t
      .http()
      .post(`/v1/${kind}`)
      .set(bearer(BACKEND_KEY))
      .send({ reference, acquiredAt: t.clock.now().toISOString() })
      .expect(201);
  const view = async (kind: string, reference: string) =>
    (await t.http().get(`/v1/${kind}/${reference}`).set(bearer(BACKEND_KEY)).expect(200)).body;
  const advance = async (seconds: number) => {
    t.clock.advanceSeconds(seconds);
    await t.scheduler.drain();
  };
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
  return { t, track, view, advance, mediumBytes };
}

describe('Document Verification', () => {
  let h: Awaited<ReturnType<typeof harness>>;
  beforeAll(async () => {
    h = await harness();
  });
  afterAll(() => h.t.close());

  it('pending then DONE: data once, masked pages and the original PDF once, on the documents host', async () => {
    const ref = randomUUID();
    h.t.simulator.script({
      kind: 'document',
      reference: ref,
      pendingPolls: 1,
      pages: [1, 101],
      documentType: 'CC',
      originalDocument: true,
    });
    await h.track('document-verifications', ref);
    await h.advance(300);
    await h.advance(20);
    const v = await h.view('document-verifications', ref);
    expect(v).toMatchObject({ status: 'DONE', tracking: { state: 'RETRIEVED', attempts: 2 } });
    expect(v.result.document.type).toBe('CC');
    expect(typeof v.result.document.extractedData.fields).toBe('object');
    expect(v.result.document.originalDocument).toBe(`/v1/document-verifications/${ref}/media/original`);
    expect(v.media.map((m: { name: string }) => m.name).sort()).toEqual(['original', 'page-1', 'page-101']);
    for (const m of v.media) {
      const expected = expectedMedium('document', ref, m.name, { masked: true });
      const got = await h.mediumBytes(m.href);
      expect(got.contentType).toBe(expected.contentType);
      expect(got.bytes.equals(expected.bytes)).toBe(true);
    }
    const calls = h.t.simulator.requests({ reference: ref });
    expect(ruleViolations(calls)).toEqual([]);
    const pages = calls.filter((c) => c.endpoint === 'page');
    expect(pages.map((c) => c.query.maskhint)).toEqual(['masked', 'masked']);
    expect(calls.filter((c) => c.endpoint === 'original')).toHaveLength(1);
    expect(calls.every((c) => c.path.startsWith('/api/netverify/v2/documents/'))).toBe(true);
  });

  it('FAILED is final, and unknown document types are kept', async () => {
    const ref = randomUUID();
    h.t.simulator.script({ kind: 'document', reference: ref, final: 'FAILED' });
    await h.track('document-verifications', ref);
    await h.advance(300);
    expect(await h.view('document-verifications', ref)).toMatchObject({
      status: 'FAILED',
      tracking: { state: 'RETRIEVED' },
    });

    const custom = randomUUID();
    h.t.simulator.script({ kind: 'document', reference: custom, documentType: 'CUSTOM' });
    await h.track('document-verifications', custom);
    await h.advance(300);
    const v = await h.view('document-verifications', custom);
    expect(v.result.document.type).toBe('CUSTOM');
    expect(v.result.document.customDocumentCode).toEqual(expect.any(String));
  });

  it('callback RECEIVED means no call; FAILED means a call at once', async () => {
    const received = randomUUID();
    const failed = randomUUID();
    h.t.simulator.script({ kind: 'document', reference: received });
    h.t.simulator.script({ kind: 'document', reference: failed });
    await h.track('document-verifications', received);
    await h.track('document-verifications', failed);
    await h.t
      .http()
      .post(`/v1/document-verifications/${received}/callback`)
      .set(bearer(BACKEND_KEY))
      .send({ outcome: 'RECEIVED' })
      .expect(200);
    await h.t
      .http()
      .post(`/v1/document-verifications/${failed}/callback`)
      .set(bearer(BACKEND_KEY))
      .send({ outcome: 'FAILED' })
      .expect(200);
    await h.t.scheduler.drain();
    expect((await h.view('document-verifications', failed)).tracking.state).toBe('RETRIEVED');
    expect(ruleViolations(h.t.simulator.requests({ reference: failed }))).toEqual([]);
    await h.advance(86400);
    expect(h.t.simulator.requests({ reference: received })).toHaveLength(0);
    expect((await h.view('document-verifications', received)).tracking.state).toBe('CALLBACK_RECEIVED');
  });

  it('404 is NOT_FOUND', async () => {
    const ref = randomUUID();
    h.t.simulator.script({ kind: 'document', reference: ref, final: 'NOT_FOUND' });
    await h.track('document-verifications', ref);
    await h.advance(300);
    expect((await h.view('document-verifications', ref)).tracking.state).toBe('NOT_FOUND');
  });
});

describe('Document Verification with unmasked card images configured', () => {
  let h: Awaited<ReturnType<typeof harness>>;
  beforeAll(async () => {
    h = await harness({ JUMIO_UNMASKED_CARD_IMAGES: 'true' });
  });
  afterAll(() => h.t.close());

  it('a 403 on unmasked is recorded and not retried; the rest is retrieved', async () => {
    const ref = randomUUID();
    h.t.simulator.script({ kind: 'document', reference: ref, pages: [101], allowUnmasked: false });
    await h.track('document-verifications', ref);
    await h.advance(300);
    const v = await h.view('document-verifications', ref);
    expect(v.tracking.state).toBe('RETRIEVED');
    expect(v.media.map((m: { name: string }) => m.name)).toEqual(['original']);
    const attempts = (await h.t.http().get(`/v1/document-verifications/${ref}`).set(bearer(BACKEND_KEY))).body;
    expect(attempts.status).toBe('DONE');
    await h.advance(86400);
    const pageCalls = h.t.simulator.requests({ reference: ref, endpoint: 'page' });
    expect(pageCalls).toHaveLength(1);
    expect(pageCalls[0]).toMatchObject({ httpStatus: 403, query: { maskhint: 'unmasked' } });
    await h.t.http().get(`/v1/document-verifications/${ref}/media/page-101`).set(bearer(BACKEND_KEY)).expect(404);
  });

  it('an account that allows unmasked gets the unmasked bytes', async () => {
    const ref = randomUUID();
    h.t.simulator.script({
      kind: 'document',
      reference: ref,
      pages: [101],
      allowUnmasked: true,
      originalDocument: false,
    });
    await h.track('document-verifications', ref);
    await h.advance(300);
    const v = await h.view('document-verifications', ref);
    expect(v.media.map((m: { name: string }) => m.name)).toEqual(['page-101']);
    const got = await h.mediumBytes(v.media[0].href);
    expect(got.bytes.equals(expectedMedium('document', ref, 'page-101', { masked: false }).bytes)).toBe(true);
  });
});

describe('Authentication', () => {
  let h: Awaited<ReturnType<typeof harness>>;
  beforeAll(async () => {
    h = await harness();
  });
  afterAll(() => h.t.close());

  it('STARTED twice then PASSED: the status answer is the details; face and liveness images once', async () => {
    const ref = randomUUID();
    h.t.simulator.script({
      kind: 'authentication',
      reference: ref,
      pendingPolls: 2,
      final: 'PASSED',
      livenessCount: 3,
    });
    await h.track('authentications', ref);
    await h.advance(300);
    await h.advance(20);
    expect((await h.view('authentications', ref)).status).toBe('PENDING');
    await h.advance(40);
    const v = await h.view('authentications', ref);
    expect(v).toMatchObject({ status: 'DONE', tracking: { state: 'RETRIEVED', attempts: 3 } });
    expect(v.result.transactionResult).toBe('PASSED');
    expect(v.result.transactionDate).toMatch(/Z$/);
    expect(v.result).toHaveProperty('enrollmentTransactionReference');
    expect(v.media.map((m: { name: string }) => m.name)).toEqual(['face', 'liveness-1', 'liveness-2', 'liveness-3']);
    for (const m of v.media) {
      const got = await h.mediumBytes(m.href);
      expect(got.bytes.equals(expectedMedium('authentication', ref, m.name).bytes)).toBe(true);
    }
    const calls = h.t.simulator.requests({ reference: ref });
    expect(ruleViolations(calls)).toEqual([]);
    expect(calls.map((c) => c.endpoint)).toEqual([
      'status',
      'status',
      'status',
      'image',
      'liveness',
      'liveness',
      'liveness',
    ]);
  });

  it.each(['FAILED', 'INVALID', 'EXPIRED'] as const)(
    '%s is final: status DONE with the decision in result.transactionResult',
    async (final) => {
      const ref = randomUUID();
      h.t.simulator.script({ kind: 'authentication', reference: ref, final });
      await h.track('authentications', ref);
      await h.advance(300);
      const v = await h.view('authentications', ref);
      expect(v).toMatchObject({
        status: 'DONE',
        tracking: { state: 'RETRIEVED' },
        result: { transactionResult: final },
      });
    },
  );

  it('404 is NOT_FOUND, and nothing is called after it', async () => {
    const ref = randomUUID();
    h.t.simulator.script({ kind: 'authentication', reference: ref, final: 'NOT_FOUND' });
    await h.track('authentications', ref);
    await h.advance(300);
    expect(await h.view('authentications', ref)).toMatchObject({
      status: 'NOT_FOUND',
      result: null,
      tracking: { state: 'NOT_FOUND', attempts: 1 },
    });
    await h.advance(86400);
    expect(h.t.simulator.requests({ reference: ref })).toHaveLength(1);
  });

  it('the metrics carry every kind', async () => {
    const doc = randomUUID();
    h.t.simulator.script({ kind: 'document', reference: doc });
    await h.track('document-verifications', doc);
    await h.advance(300);
    const text = (await h.t.http().get('/metrics').expect(200)).text;
    for (const kind of ['authentications', 'document-verifications']) {
      expect(text).toMatch(new RegExp(`^jumio_fallback_attempts_total\\{kind="${kind}",outcome="DONE"\\} \\d+$`, 'm'));
      expect(text).toMatch(new RegExp(`^jumio_fallback_transactions\\{kind="${kind}",state="RETRIEVED"\\} \\d+$`, 'm'));
      expect(text).toMatch(
        new RegExp(
          `^jumio_fallback_jumio_call_duration_seconds_count\\{kind="${kind}",call_type="medium"\\} \\d+$`,
          'm',
        ),
      );
    }
  });

  it('callback RECEIVED means no call; FAILED means a call at once', async () => {
    const received = randomUUID();
    const failed = randomUUID();
    h.t.simulator.script({ kind: 'authentication', reference: received });
    h.t.simulator.script({ kind: 'authentication', reference: failed });
    await h.track('authentications', received);
    await h.track('authentications', failed);
    await h.t
      .http()
      .post(`/v1/authentications/${received}/callback`)
      .set(bearer(BACKEND_KEY))
      .send({ outcome: 'RECEIVED' })
      .expect(200);
    await h.t
      .http()
      .post(`/v1/authentications/${failed}/callback`)
      .set(bearer(BACKEND_KEY))
      .send({ outcome: 'FAILED' })
      .expect(200);
    await h.t.scheduler.drain();
    expect((await h.view('authentications', failed)).tracking.state).toBe('RETRIEVED');
    await h.advance(86400);
    expect(h.t.simulator.requests({ reference: received })).toHaveLength(0);
  });

  it('the change feed carries every kind', async () => {
    const doc = randomUUID();
    const id = randomUUID();
    h.t.simulator.script({ kind: 'document', reference: doc });
    await h.track('document-verifications', doc);
    await h.track('id-verifications', id);
    const seen = await readFeedUntil(
      h.t,
      BACKEND_KEY,
      (events) => events.some((e) => e.reference === doc) && events.some((e) => e.reference === id),
    );
    expect(new Set(seen.map((e) => e.kind))).toEqual(
      new Set(['authentications', 'document-verifications', 'id-verifications']),
    );
    expect(seen.filter((e) => e.reference === doc).map((e) => e.type)).toEqual(['TRACKED']);
    expect(seen.filter((e) => e.reference === id).map((e) => e.type)).toEqual(['TRACKED']);
    expect(new Set(seen.map((e) => e.id)).size).toBe(seen.length);
  });
});
