import { randomUUID } from 'node:crypto';
import { expectedMedium } from '../../src/simulator/jumio-simulator';
import { ruleViolations } from '../support/rule-compliance';
import { BACKEND_KEY, bearer, binaryParser, startTestApp, type TestApp } from '../support/test-app';

const KIND = 'id-verifications';

describe('ID Verification lifecycles (default schedule, driven clock)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  function track(reference: string, extra: Record<string, unknown> = {}) {
    return t
      .http()
      .post(`/v1/${KIND}`)
      .set(bearer(BACKEND_KEY))
      .send({ reference, acquiredAt: t.clock.now().toISOString(), ...extra });
  }
  const view = async (reference: string) =>
    (await t.http().get(`/v1/${KIND}/${reference}`).set(bearer(BACKEND_KEY)).expect(200)).body;
  const advance = async (seconds: number) => {
    t.clock.advanceSeconds(seconds);
    await t.scheduler.drain();
  };

  it('pending twice then DONE: the view and the media are exactly what Jumio served', async () => {
    const ref = randomUUID();
    t.simulator.script({ kind: 'scan', reference: ref, pendingPolls: 2, final: 'DONE' });
    const created = await track(ref, { merchantReference: 'order-1', customerReference: 'user-1' }).expect(201);
    expect(created.body.tracking.state).toBe('AWAITING_CALLBACK');
    const acquiredAt = t.clock.now().getTime();

    await advance(299);
    expect(t.simulator.requests({ reference: ref })).toHaveLength(0);

    await advance(1); // the callback deadline: missed, and the first attempt is overdue, so at once
    let v = await view(ref);
    expect(v.tracking).toMatchObject({ state: 'RECONCILING', attempts: 1 });
    expect(v.status).toBe('PENDING');
    expect(new Date(v.tracking.nextAttemptAt).getTime()).toBe(acquiredAt + 320_000); // last + (60 - 40)

    await advance(19);
    expect((await view(ref)).tracking.attempts).toBe(1);
    await advance(1);
    expect((await view(ref)).tracking.attempts).toBe(2);
    await advance(40);
    v = await view(ref);
    expect(v).toMatchObject({
      status: 'DONE',
      tracking: { state: 'RETRIEVED', attempts: 3, nextAttemptAt: null, lastError: null },
    });
    expect(v.result.verification.identityVerification.validity).toBe(true);
    expect(v.merchantReference).toBe('order-1');

    const names = v.media.map((m: { name: string }) => m.name);
    expect(names.sort()).toEqual(['back', 'face', 'facemap', 'front', 'liveness-1', 'liveness-2']);
    for (const m of v.media) {
      const expected = expectedMedium('scan', ref, m.name);
      const res = await t
        .http()
        .get(m.href)
        .set(bearer(BACKEND_KEY))
        .buffer(true)
        .parse(binaryParser as never)
        .expect(200);
      expect(res.headers['content-type']).toBe(expected.contentType);
      expect(Buffer.compare(res.body as Buffer, expected.bytes)).toBe(0);
      expect(m.bytes).toBe(expected.bytes.length);
    }
    expect(JSON.stringify(v)).not.toContain(t.simulator.url);

    const calls = t.simulator.requests({ reference: ref });
    expect(ruleViolations(calls)).toEqual([]);
    expect(calls.filter((c) => c.endpoint === 'status')).toHaveLength(3);
    // nothing more once retrieved
    await advance(86400 * 2);
    expect(t.simulator.requests({ reference: ref })).toHaveLength(calls.length);
  });

  it('FAILED: retrieved with status FAILED', async () => {
    const ref = randomUUID();
    t.simulator.script({ kind: 'scan', reference: ref, final: 'FAILED' });
    await track(ref).expect(201);
    await advance(300);
    const v = await view(ref);
    expect(v).toMatchObject({ status: 'FAILED', tracking: { state: 'RETRIEVED', attempts: 1 } });
    expect(ruleViolations(t.simulator.requests({ reference: ref }))).toEqual([]);
  });

  it('404: NOT_FOUND, and no call after it', async () => {
    const ref = randomUUID();
    t.simulator.script({ kind: 'scan', reference: ref, final: 'NOT_FOUND' });
    await track(ref).expect(201);
    await advance(300);
    expect(await view(ref)).toMatchObject({
      status: 'NOT_FOUND',
      result: null,
      tracking: { state: 'NOT_FOUND', attempts: 1 },
    });
    await advance(86400);
    expect(t.simulator.requests({ reference: ref })).toHaveLength(1);
  });

  it('callback RECEIVED: no call to Jumio at all', async () => {
    const ref = randomUUID();
    t.simulator.script({ kind: 'scan', reference: ref });
    await track(ref).expect(201);
    await advance(10);
    const r = await t
      .http()
      .post(`/v1/${KIND}/${ref}/callback`)
      .set(bearer(BACKEND_KEY))
      .send({ outcome: 'RECEIVED' })
      .expect(200);
    expect(r.body.tracking.state).toBe('CALLBACK_RECEIVED');
    await t
      .http()
      .post(`/v1/${KIND}/${ref}/callback`)
      .set(bearer(BACKEND_KEY))
      .send({ outcome: 'RECEIVED' })
      .expect(200);
    await advance(86400 * 3);
    expect(t.simulator.requests({ reference: ref })).toHaveLength(0);
    expect((await view(ref)).tracking.state).toBe('CALLBACK_RECEIVED');
  });

  it('callback FAILED: the first call at once, without waiting for the grace period', async () => {
    const ref = randomUUID();
    t.simulator.script({ kind: 'scan', reference: ref, pendingPolls: 1 });
    await track(ref).expect(201);
    await advance(5);
    await t.http().post(`/v1/${KIND}/${ref}/callback`).set(bearer(BACKEND_KEY)).send({ outcome: 'FAILED' }).expect(200);
    await t.scheduler.drain();
    const v = await view(ref);
    expect(v.tracking).toMatchObject({ state: 'RECONCILING', attempts: 1 });
    // attempt 2 keeps Jumio's offsets: acquiredAt + 60 s
    await advance(54);
    expect((await view(ref)).tracking.attempts).toBe(1);
    await advance(1);
    expect((await view(ref)).tracking.state).toBe('RETRIEVED');
  });

  it('tracking is idempotent: 201, then 200, then 409 naming the field', async () => {
    const ref = randomUUID();
    const body = {
      reference: ref,
      acquiredAt: t.clock.now().toISOString(),
      merchantReference: 'm-1',
      callbackGraceSeconds: 600,
    };
    await t.http().post(`/v1/${KIND}`).set(bearer(BACKEND_KEY)).send(body).expect(201);
    await t.http().post(`/v1/${KIND}`).set(bearer(BACKEND_KEY)).send(body).expect(200);
    await t.http().post(`/v1/${KIND}`).set(bearer(BACKEND_KEY)).send({ reference: ref }).expect(200);
    const conflict = await t
      .http()
      .post(`/v1/${KIND}`)
      .set(bearer(BACKEND_KEY))
      .send({ ...body, merchantReference: 'm-2' })
      .expect(409);
    expect(conflict.body.message.join(' ')).toContain('merchantReference');
    expect((await view(ref)).merchantReference).toBe('m-1');
  });
});
