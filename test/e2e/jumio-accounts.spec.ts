import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { CallbackProcessor } from '../../src/engine/callbacks/callback-processor';
import { JumioSimulator, callbackFields } from '../../src/simulator/jumio-simulator';
import { planFromScript, validateScript } from '../../src/simulator/simulator-scripts';
import { ADMIN_KEY, BACKEND_KEY, bearer, startTestApp, type TestApp } from '../support/test-app';

const US = { name: 'us-main', token: 'us-token', secret: 'us-secret-value' };
const EU = { name: 'eu-main', token: 'eu-token', secret: 'eu-secret-value' };
const PROBE_SECONDS = 30;

/**
 * Jumio accounts (issue 15) on real PostgreSQL and two simulated hosts over real sockets, each accepting only its
 * own data center's account: which account a transaction belongs to, whose credentials its calls carry, and the
 * pause of an account whose credentials Jumio rejects (no attempt counted, one probe per interval, resumed by a
 * probe that is accepted), with the clock driven by the test.
 */
describe('Jumio accounts', () => {
  let t: TestApp;
  let usSim: JumioSimulator;
  let euSim: JumioSimulator;

  beforeAll(async () => {
    const unused = { apiToken: 'nobody', apiSecret: 'has-this-pair' };
    usSim = await JumioSimulator.start({ ...unused, datacenter: 'US', accounts: [{ ...US, datacenter: 'US' }] });
    euSim = await JumioSimulator.start({ ...unused, datacenter: 'EU', accounts: [{ ...EU, datacenter: 'EU' }] });
    t = await startTestApp({
      simulator: usSim,
      datacenterUrls: { EU: euSim.url },
      env: {
        JUMIO_API_TOKEN: '',
        JUMIO_API_SECRET: '',
        JUMIO_ACCOUNTS: `${US.name}:US:${US.token}:${US.secret}:50,${EU.name}:EU:${EU.token}:${EU.secret}:20`,
        JUMIO_CREDENTIALS_PROBE_SECONDS: String(PROBE_SECONDS),
        CALLBACK_ALLOWED_SOURCES: '127.0.0.1,::1',
      },
    });
  });
  afterAll(async () => {
    await t.close();
    await usSim.close();
    await euSim.close();
  });

  const track = (body: Record<string, unknown>) =>
    t
      .http()
      .post('/v1/id-verifications')
      .set(bearer(BACKEND_KEY))
      // Acquired ten minutes ago, no grace: the first status call is due at once.
      .send({
        acquiredAt: new Date(t.clock.now().getTime() - 600_000).toISOString(),
        callbackGraceSeconds: 0,
        ...body,
      });
  /** A reference the simulator approves at its first status call (last hex digit 0). */
  const approved = () => `${randomUUID().slice(0, -1)}0`;
  const view = async (ref: string) =>
    (await t.http().get(`/v1/id-verifications/${ref}`).set(bearer(BACKEND_KEY)).expect(200)).body;
  const stats = async () =>
    (await t.http().get('/v1/admin/stats').set(bearer(ADMIN_KEY)).expect(200)).body as {
      accounts: { name: string; datacenter: string; state: string; since: string | null; ceilingPerSecond: number }[];
    };

  it('a track names its account, or gets its data center first; an account that does not fit is a 400 listing them', async () => {
    const a = approved();
    expect((await track({ reference: a, account: EU.name }).expect(201)).body).toMatchObject({
      datacenter: 'EU',
      tracking: { account: EU.name },
    });
    const b = approved();
    expect((await track({ reference: b }).expect(201)).body).toMatchObject({
      datacenter: 'US',
      tracking: { account: US.name },
    });
    // The same request again is a retry; another account for it is a conflict naming the field.
    await track({ reference: a, account: EU.name }).expect(200);
    expect((await track({ reference: b, account: EU.name }).expect(409)).body.message).toEqual([
      expect.stringMatching(/^account differs/),
    ]);
    const listing = 'configured accounts by datacenter: US: us-main; EU: eu-main; SGP: none';
    for (const [body, says] of [
      [{ account: 'nobody' }, 'account "nobody" is not a configured Jumio account'],
      [{ account: EU.name, datacenter: 'US' }, 'account "eu-main" is not an account of datacenter US (it serves EU)'],
      [{ datacenter: 'SGP' }, 'datacenter SGP has no Jumio account configured'],
    ] as const) {
      const refused = await track({ reference: randomUUID(), ...body }).expect(400);
      expect(refused.body.message).toEqual([`${says}; ${listing}`]);
    }
    expect((await track({ reference: randomUUID(), account: 'Not_A_Name' }).expect(400)).body.message).toEqual([
      'account must be 1 to 63 lower-case letters, digits and -',
    ]);
  });

  it("every call carries its own account's credentials, each host accepting only its own data center's", async () => {
    const us = randomUUID();
    const euRef = randomUUID();
    usSim.script({ kind: 'scan', reference: us });
    euSim.script({ kind: 'scan', reference: euRef });
    await track({ reference: us }).expect(201);
    await track({ reference: euRef, datacenter: 'EU' }).expect(201);
    await t.scheduler.drain();
    expect((await view(us)).tracking.state).toBe('RETRIEVED');
    expect((await view(euRef)).tracking.state).toBe('RETRIEVED');
    const usCalls = usSim.requests({ reference: us });
    const euCalls = euSim.requests({ reference: euRef });
    expect(usCalls.length).toBe(9);
    expect(euCalls.length).toBe(9);
    expect(new Set(usCalls.map((c) => `${c.basicUser}/${c.account}`))).toEqual(new Set([`${US.token}/${US.name}`]));
    expect(new Set(euCalls.map((c) => `${c.basicUser}/${c.account}`))).toEqual(new Set([`${EU.token}/${EU.name}`]));
    expect(
      (await stats()).accounts.map(({ name, datacenter, state, since, ceilingPerSecond }) => ({
        name,
        datacenter,
        state,
        since,
        ceilingPerSecond,
      })),
    ).toEqual([
      { name: US.name, datacenter: 'US', state: 'OK', since: null, ceilingPerSecond: 50 },
      { name: EU.name, datacenter: 'EU', state: 'OK', since: null, ceilingPerSecond: 20 },
    ]);
  });

  it('a rotated secret pauses the account without counting an attempt, the other goes on, one probe per interval, and the old secret back resumes it', async () => {
    const euRefs = [approved(), approved(), approved()];
    const us = approved();
    const eu = () => euSim.requests({ endpoint: 'status' }).filter((c) => euRefs.includes(c.reference!));
    for (const ref of euRefs) euSim.script({ kind: 'scan', reference: ref });
    usSim.script({ kind: 'scan', reference: us });
    for (const ref of euRefs) await track({ reference: ref, account: EU.name }).expect(201);
    await track({ reference: us }).expect(201);
    euSim.clearRequests();
    // The account's log lines: one per change of state (Nest's Logger, whatever the log level).
    const errors = jest.spyOn(Logger.prototype, 'error');
    const infos = jest.spyOn(Logger.prototype, 'log');
    const accountLines = (spy: jest.SpyInstance) =>
      spy.mock.calls.filter(([fields]) => (fields as { accountState?: string })?.accountState !== undefined);
    expect(euSim.rotateSecret(EU.name, 'rotated-in-the-portal')).toBe(true);
    const pausedAt = t.clock.now().toISOString();

    await t.scheduler.drain();
    // Jumio rejected the EU calls that were already on their way (usually just the first): the account is paused.
    const rejected = eu().length;
    expect(rejected).toBeGreaterThanOrEqual(1);
    expect(rejected).toBeLessThanOrEqual(euRefs.length);
    expect(eu().every((c) => c.httpStatus === 401 && !c.authorized)).toBe(true);
    expect((await view(us)).tracking.state).toBe('RETRIEVED');
    for (const ref of euRefs) {
      const v = await view(ref);
      expect(v.tracking).toMatchObject({ state: 'RECONCILING', attempts: 0, nextAttemptAt: null, account: EU.name });
      expect(v.tracking.lastError).toBe(
        `paused: Jumio rejects the credentials of account eu-main (EU) since ${pausedAt}; the work resumes once a probe is accepted`,
      );
    }
    const rejectedCall = (
      await t
        .http()
        .get(`/v1/admin/transactions/id-verifications/${eu()[0].reference}/attempts`)
        .set(bearer(ADMIN_KEY))
        .expect(200)
    ).body.items;
    expect(rejectedCall).toEqual([
      expect.objectContaining({ httpStatus: 401, outcome: 'CREDENTIALS_REJECTED', countsAsAttempt: false }),
    ]);
    expect(rejectedCall[0].error).toBe(
      'Jumio answered 401: it rejects the credentials of account eu-main (EU), which is paused',
    );
    expect((await stats()).accounts.find((a) => a.name === EU.name)).toMatchObject({
      state: 'CREDENTIALS_REJECTED',
      since: pausedAt,
      etaSeconds: null,
    });
    const metrics = (await t.http().get('/metrics').expect(200)).text;
    expect(metrics).toMatch(/^jumio_fallback_account_credentials_rejected\{account="eu-main",datacenter="EU"\} 1$/m);
    expect(metrics).toMatch(/^jumio_fallback_account_credentials_rejected\{account="us-main",datacenter="US"\} 0$/m);
    expect(metrics).not.toContain(EU.secret);
    const forced = await t
      .http()
      .post(`/v1/admin/transactions/id-verifications/${euRefs[0]}/reconcile`)
      .set(bearer(ADMIN_KEY))
      .expect(409);
    expect(forced.body.message).toEqual([expect.stringContaining('the Jumio account eu-main (EU) is paused')]);

    // Before the probe interval: nothing; at it: one probe, rejected again; the account stays paused.
    t.clock.advanceSeconds(PROBE_SECONDS - 1);
    await t.scheduler.drain();
    expect(eu()).toHaveLength(rejected);
    t.clock.advanceSeconds(1);
    await t.scheduler.drain();
    expect(eu()).toHaveLength(rejected + 1);
    expect(eu()[rejected].httpStatus).toBe(401);
    await t.scheduler.drain();
    expect(eu()).toHaveLength(rejected + 1);

    // The secret is back: the next probe is accepted, the account resumes, and its work drains.
    euSim.rotateSecret(EU.name, EU.secret);
    t.clock.advanceSeconds(PROBE_SECONDS);
    await t.scheduler.drain();
    for (const ref of euRefs) {
      const v = await view(ref);
      expect(v.tracking).toMatchObject({ state: 'RETRIEVED', attempts: 1, lastError: null });
      // Only the status call Jumio accepted counted.
      expect(euSim.requests({ reference: ref, endpoint: 'status' }).filter((c) => c.httpStatus === 200)).toHaveLength(
        1,
      );
    }
    expect((await stats()).accounts.find((a) => a.name === EU.name)).toMatchObject({
      state: 'OK',
      since: t.clock.now().toISOString(),
      dueCalls: 0,
      etaSeconds: 0,
    });
    expect((await t.http().get('/metrics').expect(200)).text).toMatch(
      /^jumio_fallback_account_credentials_rejected\{account="eu-main",datacenter="EU"\} 0$/m,
    );
    // One error line when it paused (not one per rejected call or probe), one info line when it resumed.
    expect(accountLines(errors)).toEqual([
      [
        { account: EU.name, datacenter: 'EU', accountState: 'CREDENTIALS_REJECTED' },
        `Jumio rejected the credentials of account eu-main (EU): its calls are paused, one probe every ${PROBE_SECONDS} s until Jumio accepts them`,
      ],
    ]);
    expect(accountLines(infos)).toEqual([
      [
        { account: EU.name, datacenter: 'EU', accountState: 'OK' },
        'Jumio accepts the credentials of account eu-main (EU) again: its calls resume',
      ],
    ]);
    expect(JSON.stringify([errors.mock.calls, infos.mock.calls])).not.toMatch(/secret-value|rotated-in-the-portal/);
    errors.mockRestore();
    infos.mockRestore();
  });

  it("a callback URL's ?account= places a transaction nobody tracked; an unknown one is ignored", async () => {
    const processor = t.app.get(CallbackProcessor);
    const post = (query: string, ref: string) => {
      const plan = planFromScript(validateScript({ kind: 'scan', reference: ref }));
      euSim.script({ kind: 'scan', reference: ref });
      return t
        .http()
        .post(`/callbacks/jumio/id-verifications${query}`)
        .set('Content-Type', 'application/x-www-form-urlencoded')
        .send(new URLSearchParams(callbackFields(plan, euSim.url, new Date())).toString())
        .expect(200);
    };
    const named = randomUUID();
    await post('?account=eu-main', named);
    const unknown = randomUUID();
    await post('?account=gone-account', unknown);
    await processor.drain();
    expect((await view(named)).tracking.account).toBe(EU.name);
    expect((await view(named)).datacenter).toBe('EU');
    expect((await view(unknown)).tracking.account).toBe(US.name);
  });

  it('start-up stops when an account that still has unfinished transactions is no longer configured', async () => {
    const unfinished: { n: string }[] = await t.dataSource.query(
      `SELECT count(*) AS n FROM tracked_transaction WHERE account = $1 AND next_attempt_at IS NOT NULL`,
      [US.name],
    );
    expect(Number(unfinished[0].n)).toBeGreaterThan(0);
    await expect(
      startTestApp({
        databaseUrl: t.databaseUrl,
        simulator: euSim,
        env: {
          JUMIO_API_TOKEN: '',
          JUMIO_API_SECRET: '',
          JUMIO_ACCOUNTS: `${EU.name}:EU:${EU.token}:${EU.secret}`,
          JUMIO_DEFAULT_DATACENTER: 'EU',
        },
      }),
    ).rejects.toThrow(
      `JUMIO_ACCOUNTS: the account "us-main" of US has ${unfinished[0].n} unfinished transaction(s) but is not configured; configure it again until they are finished`,
    );
  });
});
