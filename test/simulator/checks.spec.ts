import { JumioSimulator } from '../../src/simulator/jumio-simulator.js';
import { SECRET, TOKEN, UA, jumio, ref, request, startSimulator, uuidEndingIn } from './helpers.js';

describe('simulator: credentials, headers, methods, unknown paths', () => {
  let sim: JumioSimulator;
  beforeAll(async () => {
    sim = await startSimulator();
  });
  afterAll(() => sim.close());

  it('answers 200 with the configured Basic credentials, User-Agent and Accept', async () => {
    const reference = ref();
    sim.script({ kind: 'scan', reference });
    const r = await jumio(sim, `/scans/${reference}`);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/^application\/json/);
    expect(r.json()).toMatchObject({ scanReference: reference, status: 'DONE' });
  });

  it('answers 401 with WWW-Authenticate: Basic and the Jumio body without credentials', async () => {
    const reference = ref();
    sim.script({ kind: 'scan', reference });
    const r = await jumio(sim, `/scans/${reference}`, { auth: null });
    expect(r.status).toBe(401);
    expect(r.headers['www-authenticate']).toMatch(/^Basic/);
    expect(r.json()).toEqual({ httpStatus: '401', message: 'Unauthorized' });
  });

  it('answers 401 for a wrong secret and for a wrong token', async () => {
    const reference = ref();
    sim.script({ kind: 'scan', reference });
    expect((await jumio(sim, `/scans/${reference}`, { auth: [TOKEN, `${SECRET}x`] })).status).toBe(401);
    expect((await jumio(sim, `/scans/${reference}`, { auth: ['other', SECRET] })).status).toBe(401);
    expect(
      (await jumio(sim, `/scans/${reference}`, { headers: { Authorization: 'Bearer abc' }, auth: null })).status,
    ).toBe(401);
  });

  it('answers 403 without a User-Agent or with an empty one', async () => {
    const reference = ref();
    sim.script({ kind: 'scan', reference });
    expect((await jumio(sim, `/scans/${reference}`, { userAgent: null })).status).toBe(403);
    expect((await jumio(sim, `/scans/${reference}`, { userAgent: '' })).status).toBe(403);
  });

  it('answers 403 without an Accept header', async () => {
    const reference = ref();
    sim.script({ kind: 'scan', reference });
    const r = await jumio(sim, `/scans/${reference}`, { accept: null });
    expect(r.status).toBe(403);
    expect(r.json().httpStatus).toBe('403');
  });

  it('checks credentials before headers, on media routes too', async () => {
    const reference = ref();
    sim.script({ kind: 'scan', reference });
    expect((await jumio(sim, `/scans/${reference}/images/front`, { auth: null, userAgent: null })).status).toBe(401);
    expect((await jumio(sim, `/scans/${reference}/images/front`, { userAgent: null })).status).toBe(403);
    expect((await jumio(sim, `/scans/${reference}/images/front`, { accept: 'image/jpeg, image/png' })).status).toBe(
      200,
    );
  });

  it('answers 405 to anything but GET, and DELETE but on the transaction itself', async () => {
    const reference = ref();
    sim.script({ kind: 'scan', reference });
    for (const method of ['POST', 'PUT']) {
      const r = await jumio(sim, `/scans/${reference}`, { method });
      expect(r.status).toBe(405);
      expect(r.headers.allow).toBe('GET, DELETE');
    }
    const r = await jumio(sim, `/scans/${reference}/images`, { method: 'DELETE' });
    expect(r.status).toBe(405);
    expect(r.headers.allow).toBe('GET');
    // the 405 did not change the transaction: it still answers normally
    expect((await jumio(sim, `/scans/${reference}`)).status).toBe(200);
  });

  it.each([
    ['scan', 'scans', '/images/front'],
    ['document', 'documents', '/pages/1'],
    ['authentication', 'authentications', '/images/face'],
  ] as const)(
    "the Delete API (%s): 200 on the transaction's path, then every call on it is 404",
    async (kind, collection, medium) => {
      const reference = ref();
      sim.script({ kind, reference, pendingPolls: kind === 'document' ? 0 : 3 });
      const deleted = await jumio(sim, `/${collection}/${reference}`, { method: 'DELETE' });
      expect(deleted.status).toBe(200);
      expect(deleted.json()).toMatchObject({ transactionReference: reference });
      for (const path of ['', medium])
        expect((await jumio(sim, `/${collection}/${reference}${path}`)).status).toBe(404);
      expect((await jumio(sim, `/${collection}/${reference}`, { method: 'DELETE' })).status).toBe(404);
      expect(sim.requests({ reference, endpoint: 'delete' }).map((c) => c.httpStatus)).toEqual([200, 404]);
    },
  );

  it('a fault on the delete that fails it deletes nothing; slow deletes at once and answers late', async () => {
    const failing = ref();
    sim.script({ kind: 'scan', reference: failing, faults: [{ endpoint: 'delete', type: 'http500' }] });
    expect((await jumio(sim, `/scans/${failing}`, { method: 'DELETE' })).status).toBe(500);
    expect((await jumio(sim, `/scans/${failing}`)).status).toBe(200);
    expect((await jumio(sim, `/scans/${failing}`, { method: 'DELETE' })).status).toBe(200);

    const slow = ref();
    sim.script({ kind: 'scan', reference: slow, faults: [{ endpoint: 'delete', type: 'slow', delayMs: 300 }] });
    const answered = jumio(sim, `/scans/${slow}`, { method: 'DELETE' });
    await new Promise((r) => setTimeout(r, 100));
    expect((await jumio(sim, `/scans/${slow}`)).status).toBe(404);
    expect((await answered).status).toBe(200);

    const missing = uuidEndingIn('b');
    expect((await jumio(sim, `/scans/${missing}`, { method: 'DELETE' })).status).toBe(404);
  });

  it('answers 404 with the Jumio body for an unscripted non-UUID reference', async () => {
    const r = await jumio(sim, '/scans/not-a-uuid');
    expect(r.status).toBe(404);
    expect(r.json()).toEqual({
      httpStatus: '404',
      message: 'Not found: Scan not found for not-a-uuid',
      requestURI: `${sim.url}/api/netverify/v2/scans/not-a-uuid`,
    });
  });

  it('answers 404 for unknown paths and for a scripted reference asked under another product', async () => {
    const reference = ref();
    sim.script({ kind: 'scan', reference });
    expect((await jumio(sim, `/scans/${reference}/whatever`)).status).toBe(404);
    expect((await jumio(sim, `/scans/${reference}/images/liveness`)).status).toBe(404);
    expect((await jumio(sim, `/documents/${reference}`)).status).toBe(404);
    expect((await jumio(sim, `/authentications/${reference}`)).status).toBe(404);
    expect((await jumio(sim, `/unknown/${reference}`)).status).toBe(404);
    const outside = await request(`${sim.url}/somewhere`, {});
    expect(outside.status).toBe(404);
    expect(outside.json().message).toBe('Not found: /somewhere');
  });

  it('uses the Host header for requestURI and hrefs', async () => {
    const reference = ref();
    sim.script({ kind: 'scan', reference });
    const r = await jumio(sim, `/scans/${reference}/images`, { headers: { Host: 'jumio.example:8443' } });
    expect(r.json().images[0].href).toBe(`http://jumio.example:8443/api/netverify/v2/scans/${reference}/images/front`);
    const nf = await jumio(sim, `/scans/${uuidEndingIn('b')}`, { headers: { Host: 'jumio.example:8443' } });
    expect(nf.json().requestURI).toMatch(/^http:\/\/jumio\.example:8443\/api\/netverify\/v2\/scans\//);
  });

  it('logs rejected requests with who asked and what was answered', async () => {
    const reference = ref();
    sim.script({ kind: 'scan', reference });
    const since = Date.now();
    await jumio(sim, `/scans/${reference}`, { auth: ['intruder', 'nope'] });
    await jumio(sim, `/scans/${reference}`, { userAgent: null });
    await jumio(sim, `/scans/${reference}`, { accept: null, userAgent: 'Other/2' });
    const log = sim.requests({ reference, since });
    expect(log.map((e) => e.httpStatus)).toEqual([401, 403, 403]);
    expect(log[0]).toMatchObject({
      basicUser: 'intruder',
      authorized: false,
      userAgent: UA,
      endpoint: 'status',
      kind: 'scan',
    });
    expect(log[1]).toMatchObject({ basicUser: TOKEN, authorized: true, userAgent: null, accept: 'application/json' });
    expect(log[2]).toMatchObject({ userAgent: 'Other/2', accept: null });
    // rejected calls never reach the transaction: no status was answered
    expect(log.every((e) => e.jumioStatus === null)).toBe(true);
  });
});
