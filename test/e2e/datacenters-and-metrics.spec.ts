import { randomUUID } from 'node:crypto';
import { JumioSimulator } from '../../src/simulator/jumio-simulator';
import { ruleViolations } from '../support/rule-compliance';
import { BACKEND_KEY, JUMIO_SECRET, JUMIO_TOKEN, bearer, startTestApp, type TestApp } from '../support/test-app';

describe('data centers and metrics', () => {
  let t: TestApp;
  let eu: JumioSimulator;
  beforeAll(async () => {
    eu = await JumioSimulator.start({ apiToken: JUMIO_TOKEN, apiSecret: JUMIO_SECRET });
    t = await startTestApp({ datacenterUrls: { EU: eu.url } });
  });
  afterAll(async () => {
    await t.close();
    await eu.close();
  });

  it("calls the transaction's own data center, and nothing else", async () => {
    const ref = randomUUID();
    eu.script({ kind: 'scan', reference: ref });
    await t
      .http()
      .post('/v1/id-verifications')
      .set(bearer(BACKEND_KEY))
      .send({ reference: ref, datacenter: 'EU', acquiredAt: t.clock.now().toISOString() })
      .expect(201);
    t.clock.advanceSeconds(300);
    await t.scheduler.drain();
    const v = (await t.http().get(`/v1/id-verifications/${ref}`).set(bearer(BACKEND_KEY)).expect(200)).body;
    expect(v).toMatchObject({ datacenter: 'EU', tracking: { state: 'RETRIEVED' } });
    expect(ruleViolations(eu.requests({ reference: ref }))).toEqual([]);
    expect(eu.requests({ reference: ref }).length).toBe(9); // status, data, images, 6 media
    expect(t.simulator.requests({ reference: ref })).toHaveLength(0);
  });

  it('an EU transaction refuses a media href outside the EU host', async () => {
    const ref = randomUUID();
    eu.script({ kind: 'scan', reference: ref, faults: [{ endpoint: 'images', type: 'foreign-href' }] });
    await t
      .http()
      .post('/v1/id-verifications')
      .set(bearer(BACKEND_KEY))
      .send({ reference: ref, datacenter: 'EU', acquiredAt: t.clock.now().toISOString() })
      .expect(201);
    t.clock.advanceSeconds(300);
    await t.scheduler.drain();
    const v = (await t.http().get(`/v1/id-verifications/${ref}`).set(bearer(BACKEND_KEY)).expect(200)).body;
    expect(v.media).toHaveLength(5);
  });

  it('exports attempts by kind and outcome, call latency, the backlog by state and due-now', async () => {
    const pending = randomUUID();
    t.simulator.script({ kind: 'scan', reference: pending, pendingPolls: 5 });
    await t
      .http()
      .post('/v1/id-verifications')
      .set(bearer(BACKEND_KEY))
      .send({ reference: pending, acquiredAt: t.clock.now().toISOString() })
      .expect(201);
    t.clock.advanceSeconds(300);
    await t.scheduler.drain();
    t.clock.advanceSeconds(60);
    const text = (await t.http().get('/metrics').expect(200)).text;
    expect(text).toMatch(/^jumio_fallback_attempts_total\{kind="id-verifications",outcome="DONE"\} 2$/m);
    expect(text).toMatch(/^jumio_fallback_attempts_total\{kind="id-verifications",outcome="PENDING"\} 1$/m);
    expect(text).toMatch(
      /^jumio_fallback_jumio_call_duration_seconds_count\{kind="id-verifications",call_type="medium"\} \d+$/m,
    );
    expect(text).toMatch(/^jumio_fallback_transactions\{kind="id-verifications",state="RETRIEVED"\} 2$/m);
    expect(text).toMatch(/^jumio_fallback_transactions\{kind="id-verifications",state="RECONCILING"\} 1$/m);
    expect(text).toMatch(/^jumio_fallback_due_now 1$/m);
    expect(text).not.toContain(pending);
  });
});
