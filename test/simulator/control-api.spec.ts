import { JumioSimulator, MAX_LOGGED_REQUESTS, ScriptError } from '../../src/simulator/jumio-simulator.js';
import { startFromEnv } from '../../src/simulator/simulator.main.js';
import { SECRET, TOKEN, UA, jumio, ref, request, startSimulator } from './helpers.js';

describe('simulator: HTTP control API and request log', () => {
  let sim: JumioSimulator;
  beforeAll(async () => {
    sim = await startSimulator();
  });
  afterAll(() => sim.close());

  const control = (path: string, method = 'GET', body?: unknown) =>
    request(`${sim.url}/__simulator${path}`, {
      method,
      auth: null,
      userAgent: null,
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });

  it('health answers without credentials', async () => {
    const r = await control('/health');
    expect(r.status).toBe(200);
    expect(r.json()).toMatchObject({ status: 'ok', url: sim.url });
  });

  it('POST /transactions scripts a transaction (201) that Jumio calls then follow', async () => {
    const reference = ref();
    const r = await control('/transactions', 'POST', {
      kind: 'scan',
      reference,
      pendingPolls: 1,
      final: 'FAILED',
      faults: [{ type: 'http429', retryAfterSeconds: 3 }],
    });
    expect(r.status).toBe(201);
    expect(r.json()).toMatchObject({ kind: 'scan', reference });
    expect((await jumio(sim, `/scans/${reference}`)).status).toBe(429);
    expect((await jumio(sim, `/scans/${reference}`)).json().status).toBe('PENDING');
    expect((await jumio(sim, `/scans/${reference}`)).json().status).toBe('FAILED');
  });

  it.each([
    [{ reference: 'abc' }, 'kind'],
    [{ kind: 'passport', reference: 'abc' }, 'kind'],
    [{ kind: 'scan' }, 'reference'],
    [{ kind: 'scan', reference: 'has/slash' }, 'reference'],
    [{ kind: 'scan', reference: 'abc', pendingPolls: -1 }, 'pendingPolls'],
    [{ kind: 'scan', reference: 'abc', pendingPolls: 1.5 }, 'pendingPolls'],
    [{ kind: 'scan', reference: 'abc', final: 'PASSED' }, 'final'],
    [{ kind: 'authentication', reference: 'abc', final: 'MAYBE' }, 'final'],
    [{ kind: 'scan', reference: 'abc', variant: 'weird' }, 'variant'],
    [{ kind: 'scan', reference: 'abc', facemap: 'yes' }, 'facemap'],
    [{ kind: 'document', reference: 'abc', pages: [1, 1] }, 'pages'],
    [{ kind: 'document', reference: 'abc', pages: [1, 'two'] }, 'pages[1]'],
    [{ kind: 'scan', reference: 'abc', pendingPoll: 2 }, 'pendingPoll'],
    [{ kind: 'scan', reference: 'abc', faults: [{ type: 'explode' }] }, 'faults[0].type'],
    [
      { kind: 'scan', reference: 'abc', faults: [{ type: 'slow' }, { type: 'slow', endpoint: 'nowhere' }] },
      'faults[1].endpoint',
    ],
    [{ kind: 'scan', reference: 'abc', faults: [{ type: 'http500', times: 0 }] }, 'faults[0].times'],
    [[{ kind: 'scan', reference: 'abc' }], 'body'],
    ['{not json', 'body'],
  ])('POST /transactions %j answers 400 naming %s', async (body, field) => {
    const r = await control('/transactions', 'POST', body);
    expect(r.status).toBe(400);
    expect(r.json().field).toBe(field);
  });

  it('a refused script changes nothing', async () => {
    const reference = ref();
    sim.script({ kind: 'scan', reference, pendingPolls: 1 });
    await control('/transactions', 'POST', { kind: 'scan', reference, final: 'EXPIRED' });
    expect((await jumio(sim, `/scans/${reference}`)).json().status).toBe('PENDING');
  });

  it('script() throws a ScriptError naming the field', () => {
    expect(() => sim.script({ kind: 'scan', reference: 'x', livenessCount: 99 })).toThrow(ScriptError);
    try {
      sim.script({ kind: 'document', reference: 'x', documentType: 'lower' });
    } catch (err) {
      expect((err as ScriptError).field).toBe('documentType');
    }
    expect.assertions(2);
  });

  it('GET /requests filters by reference, endpoint and since; control calls are not logged', async () => {
    const a = ref();
    const b = ref();
    sim.script({ kind: 'scan', reference: a });
    sim.script({ kind: 'scan', reference: b });
    await jumio(sim, `/scans/${a}`);
    await new Promise((r) => setTimeout(r, 5));
    const since = Date.now();
    await jumio(sim, `/scans/${a}/images`);
    await jumio(sim, `/scans/${b}`);
    await control('/health');

    const forA = (await control(`/requests?reference=${a}`)).json().requests;
    expect(forA.map((e: { endpoint: string }) => e.endpoint)).toEqual(['status', 'images']);
    const statusA = (await control(`/requests?reference=${a}&endpoint=status`)).json().requests;
    expect(statusA).toHaveLength(1);
    const recent = (await control(`/requests?since=${since}`)).json().requests;
    expect(recent.map((e: { reference: string }) => e.reference)).toEqual([a, b]);
    expect(recent.some((e: { path: string }) => e.path.startsWith('/__simulator'))).toBe(false);
    expect((await control('/requests?endpoint=nowhere')).status).toBe(400);
    expect((await control('/requests?since=yesterday')).status).toBe(400);
  });

  it('records every field of a request', async () => {
    const reference = ref();
    sim.script({ kind: 'document', reference, allowUnmasked: true });
    const before = Date.now();
    await jumio(sim, `/documents/${reference}/pages/2?maskhint=unmasked`, { accept: 'image/jpeg, image/png' });
    await jumio(sim, `/documents/${reference}`);
    const [page, status] = sim.requests({ reference });
    expect(page).toEqual({
      seq: expect.any(Number),
      at: expect.any(Number),
      method: 'GET',
      path: `/api/netverify/v2/documents/${reference}/pages/2`,
      query: { maskhint: 'unmasked' },
      kind: 'document',
      reference,
      endpoint: 'page',
      mediumName: 'page-2',
      basicUser: TOKEN,
      account: 'default',
      authorized: true,
      userAgent: UA,
      accept: 'image/jpeg, image/png',
      httpStatus: 200,
      fault: null,
      jumioStatus: null,
      durationMs: expect.any(Number),
    });
    expect(page.at).toBeGreaterThanOrEqual(before);
    expect(status.seq).toBeGreaterThan(page.seq);
    expect(status).toMatchObject({ endpoint: 'status', jumioStatus: 'DONE', mediumName: null, query: {} });
    // callers get copies: editing them does not change the log
    page.httpStatus = 999;
    expect(sim.requests({ reference })[0].httpStatus).toBe(200);
  });

  it('DELETE /requests clears the log; POST /reset clears scripts too', async () => {
    const reference = 'scripted-not-a-uuid';
    sim.script({ kind: 'scan', reference });
    expect((await jumio(sim, `/scans/${reference}`)).status).toBe(200);
    expect((await control('/requests', 'DELETE')).status).toBe(204);
    expect(sim.requests()).toEqual([]);
    await jumio(sim, `/scans/${reference}`);
    expect(sim.requests()).toHaveLength(1);
    expect((await control('/reset', 'POST')).status).toBe(204);
    expect(sim.requests()).toEqual([]);
    expect((await jumio(sim, `/scans/${reference}`)).status).toBe(404);
  });

  it('clearRequests() empties the log without touching scripts', async () => {
    const reference = ref();
    sim.script({ kind: 'scan', reference, pendingPolls: 1 });
    await jumio(sim, `/scans/${reference}`);
    sim.clearRequests();
    expect(sim.requests()).toEqual([]);
    expect((await jumio(sim, `/scans/${reference}`)).json().status).toBe('DONE');
  });

  it('answers 405 to wrong methods and 404 to unknown control paths', async () => {
    expect((await control('/transactions')).status).toBe(405);
    expect((await control('/reset')).status).toBe(405);
    expect((await control('/requests', 'PUT')).status).toBe(405);
    expect((await control('/nothing')).status).toBe(404);
  });
});

describe('simulator: bounded request log', () => {
  it('keeps only the newest entries (200,000 by default)', async () => {
    expect(MAX_LOGGED_REQUESTS).toBe(200_000);
    const sim = await JumioSimulator.start({ apiToken: TOKEN, apiSecret: SECRET, maxLoggedRequests: 5 });
    try {
      const reference = ref();
      sim.script({ kind: 'scan', reference });
      for (let i = 0; i < 12; i++) await jumio(sim, `/scans/${reference}?n=${i}`);
      const log = sim.requests();
      expect(log.map((e) => e.query.n)).toEqual(['7', '8', '9', '10', '11']);
      expect(log.map((e) => e.seq)).toEqual([8, 9, 10, 11, 12]);
    } finally {
      await sim.close();
    }
  });
});

describe('simulator.main: startFromEnv', () => {
  it('starts on the configured host/port with the configured credentials', async () => {
    const sim = await startFromEnv({
      SIMULATOR_PORT: '0',
      SIMULATOR_HOST: '127.0.0.1',
      JUMIO_API_TOKEN: 'env-token',
      JUMIO_API_SECRET: 'env-secret',
    });
    try {
      expect(sim.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const reference = ref();
      sim.script({ kind: 'scan', reference });
      expect((await jumio(sim, `/scans/${reference}`, { auth: ['env-token', 'env-secret'] })).status).toBe(200);
      expect((await jumio(sim, `/scans/${reference}`)).status).toBe(401);
    } finally {
      await sim.close();
    }
  });

  it('defaults to sandbox-token / sandbox-secret and refuses a bad port', async () => {
    await expect(startFromEnv({ SIMULATOR_PORT: 'eighty' })).rejects.toThrow(/SIMULATOR_PORT/);
    const sim = await startFromEnv({ SIMULATOR_PORT: '0' });
    try {
      const reference = ref();
      sim.script({ kind: 'scan', reference });
      expect((await jumio(sim, `/scans/${reference}`, { auth: ['sandbox-token', 'sandbox-secret'] })).status).toBe(200);
    } finally {
      await sim.close();
    }
  });
});
