import { JumioSimulator } from '../../src/simulator/jumio-simulator.js';
import { PREFIX, SECRET, TOKEN, UA, jumio, ref, request, startSimulator } from './helpers.js';

const AUTH = `Basic ${Buffer.from(`${TOKEN}:${SECRET}`).toString('base64')}`;

function jumioFetch(sim: JumioSimulator, path: string, signal?: AbortSignal): Promise<Response> {
  return fetch(`${sim.url}${PREFIX}${path}`, {
    headers: { Authorization: AUTH, 'User-Agent': UA, Accept: 'application/json' },
    signal,
  });
}

async function waitFor<T>(fn: () => T | undefined, ms = 2000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('simulator: faults', () => {
  let sim: JumioSimulator;
  beforeAll(async () => {
    sim = await startSimulator();
  });
  afterAll(() => sim.close());

  it('http500: a 500 JSON error; a faulted status call does not use up a pending poll', async () => {
    const reference = ref();
    sim.script({ kind: 'scan', reference, pendingPolls: 1, faults: [{ endpoint: 'status', type: 'http500' }] });
    const r = await jumio(sim, `/scans/${reference}`);
    expect(r.status).toBe(500);
    expect(r.json().httpStatus).toBe('500');
    expect((await jumio(sim, `/scans/${reference}`)).json().status).toBe('PENDING');
    expect((await jumio(sim, `/scans/${reference}`)).json().status).toBe('DONE');
    expect(sim.requests({ reference }).map((e) => [e.httpStatus, e.fault, e.jumioStatus])).toEqual([
      [500, 'http500', null],
      [200, null, 'PENDING'],
      [200, null, 'DONE'],
    ]);
  });

  it("http429: Jumio's rate-limit body with Retry-After when given", async () => {
    const reference = ref();
    sim.script({ kind: 'scan', reference, faults: [{ type: 'http429', retryAfterSeconds: 7 }, { type: 'http429' }] });
    const first = await jumio(sim, `/scans/${reference}`);
    expect(first.status).toBe(429);
    expect(first.headers['retry-after']).toBe('7');
    expect(first.json()).toEqual({ title: 'Too Many Requests', status: 429, detail: 'Request limit exceeded' });
    const second = await jumio(sim, `/scans/${reference}`);
    expect(second.status).toBe(429);
    expect(second.headers['retry-after']).toBeUndefined();
    expect((await jumio(sim, `/scans/${reference}`)).status).toBe(200);
  });

  it('http403 with times: hits that many matching requests, only on its endpoint', async () => {
    const reference = ref();
    sim.script({ kind: 'scan', reference, faults: [{ endpoint: 'image', type: 'http403', times: 2 }] });
    expect((await jumio(sim, `/scans/${reference}`)).status).toBe(200);
    expect((await jumio(sim, `/scans/${reference}/images`)).status).toBe(200);
    expect((await jumio(sim, `/scans/${reference}/images/front`)).status).toBe(403);
    expect((await jumio(sim, `/scans/${reference}/images/back`)).status).toBe(403);
    expect((await jumio(sim, `/scans/${reference}/images/front`)).status).toBe(200);
  });

  it('faults are consumed in script order by matching requests', async () => {
    const reference = ref();
    sim.script({
      kind: 'scan',
      reference,
      faults: [{ type: 'http500' }, { type: 'http403' }, { endpoint: 'data', type: 'http429' }],
    });
    expect((await jumio(sim, `/scans/${reference}/data`)).status).toBe(500);
    expect((await jumio(sim, `/scans/${reference}`)).status).toBe(403);
    expect((await jumio(sim, `/scans/${reference}`)).status).toBe(200);
    expect((await jumio(sim, `/scans/${reference}/data/document`)).status).toBe(429);
    expect((await jumio(sim, `/scans/${reference}/data`)).status).toBe(200);
  });

  it('timeout: never answers; a client abort after ~300 ms ends it, logged without status', async () => {
    const reference = ref();
    sim.script({ kind: 'scan', reference, faults: [{ endpoint: 'status', type: 'timeout', delayMs: 5000 }] });
    const started = Date.now();
    await expect(jumioFetch(sim, `/scans/${reference}`, AbortSignal.timeout(300))).rejects.toThrow(/abort|timeout/i);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    const entry = await waitFor(() => sim.requests({ reference }).find((e) => e.durationMs !== null));
    expect(entry).toMatchObject({ fault: 'timeout', httpStatus: null, jumioStatus: null });
    expect(entry.durationMs).toBeLessThan(4000);
    // the transaction itself is untouched
    expect((await jumio(sim, `/scans/${reference}`)).json().status).toBe('DONE');
  });

  it('timeout: after delayMs the socket is closed without any answer', async () => {
    const reference = ref();
    sim.script({ kind: 'document', reference, faults: [{ type: 'timeout', delayMs: 150 }] });
    const started = Date.now();
    await expect(jumio(sim, `/documents/${reference}`)).rejects.toThrow(/socket hang up|ECONNRESET/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('reset: the socket is destroyed without an answer', async () => {
    const reference = ref();
    sim.script({ kind: 'scan', reference, faults: [{ endpoint: 'images', type: 'reset' }] });
    await expect(jumio(sim, `/scans/${reference}/images`)).rejects.toMatchObject({ code: 'ECONNRESET' });
    await expect(jumioFetch(sim, `/scans/${reference}/images`)).resolves.toMatchObject({ status: 200 });
    const [entry] = sim.requests({ reference });
    expect(entry).toMatchObject({ fault: 'reset', httpStatus: null, endpoint: 'images' });
  });

  it('malformed: 200, application/json, a body that is not JSON', async () => {
    const reference = ref();
    sim.script({ kind: 'authentication', reference, pendingPolls: 1, faults: [{ type: 'malformed' }] });
    const r = await jumio(sim, `/authentications/${reference}`);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/^application\/json/);
    expect(() => JSON.parse(r.text)).toThrow();
    // not counted as a poll: the next answer is still the pending one
    expect((await jumio(sim, `/authentications/${reference}`)).json().transactionResult).toBe('STARTED');
  });

  it('slow: the normal answer, after at least delayMs', async () => {
    const reference = ref();
    sim.script({ kind: 'scan', reference, faults: [{ endpoint: 'data', type: 'slow', delayMs: 400 }] });
    const started = Date.now();
    const r = await jumio(sim, `/scans/${reference}/data`);
    expect(Date.now() - started).toBeGreaterThanOrEqual(390);
    expect(r.status).toBe(200);
    expect(r.json().document.status).toBe('APPROVED_VERIFIED');
    const [entry] = sim.requests({ reference });
    expect(entry).toMatchObject({ fault: 'slow', httpStatus: 200 });
    expect(entry.durationMs).toBeGreaterThanOrEqual(390);
  });

  it('slow and foreign-href answers on status are real answers: they do use up pending polls', async () => {
    const reference = ref();
    sim.script({
      kind: 'authentication',
      reference,
      pendingPolls: 1,
      faults: [
        { endpoint: 'status', type: 'slow', delayMs: 50 },
        { endpoint: 'status', type: 'foreign-href' },
      ],
    });
    expect((await jumio(sim, `/authentications/${reference}`)).json().transactionResult).toBe('STARTED');
    const second = (await jumio(sim, `/authentications/${reference}`)).json();
    expect(second.transactionResult).toBe('PASSED');
    expect(second.images[0].href).toMatch(/^http:\/\/169\.254\.169\.254\//);
    expect(sim.requests({ reference }).map((e) => [e.fault, e.jumioStatus])).toEqual([
      ['slow', 'STARTED'],
      ['foreign-href', 'PASSED'],
    ]);
  });

  describe('foreign-href', () => {
    const FOREIGN = /^http:\/\/169\.254\.169\.254\//;

    it('scan images: the first href is on another host, the others stay normal', async () => {
      const reference = ref();
      sim.script({ kind: 'scan', reference, faults: [{ type: 'foreign-href' }] });
      // status and data/document carry no href: the fault waits for an answer that has one
      expect((await jumio(sim, `/scans/${reference}`)).status).toBe(200);
      expect((await jumio(sim, `/scans/${reference}/data/document`)).status).toBe(200);
      const body = (await jumio(sim, `/scans/${reference}/images`)).json();
      expect(body.images[0].href).toMatch(FOREIGN);
      expect(body.images[0].href).toContain(`/scans/${reference}/images/front`);
      expect(body.images[1].href.startsWith(sim.url)).toBe(true);
      expect(body.livenessImages.every((h: string) => h.startsWith(sim.url))).toBe(true);
      expect((await jumio(sim, `/scans/${reference}/images`)).json().images[0].href.startsWith(sim.url)).toBe(true);
      expect(sim.requests({ reference, endpoint: 'images' })[0].fault).toBe('foreign-href');
    });

    it('scan data: the facemap href', async () => {
      const reference = ref();
      sim.script({ kind: 'scan', reference, faults: [{ endpoint: 'data', type: 'foreign-href' }] });
      expect((await jumio(sim, `/scans/${reference}/data`)).json().facemap.href).toMatch(FOREIGN);
    });

    it('document pages and originalDocument', async () => {
      const reference = ref();
      sim.script({
        kind: 'document',
        reference,
        faults: [
          { endpoint: 'pages', type: 'foreign-href' },
          { endpoint: 'data', type: 'foreign-href' },
        ],
      });
      const pages = (await jumio(sim, `/documents/${reference}/pages`)).json();
      expect(pages.images[0].href).toMatch(FOREIGN);
      expect(pages.images[1].href.startsWith(sim.url)).toBe(true);
      expect((await jumio(sim, `/documents/${reference}/data`)).json().document.originalDocument).toMatch(FOREIGN);
    });

    it('authentication status: only once it lists images', async () => {
      const reference = ref();
      sim.script({
        kind: 'authentication',
        reference,
        pendingPolls: 1,
        faults: [{ endpoint: 'status', type: 'foreign-href' }],
      });
      expect((await jumio(sim, `/authentications/${reference}`)).json().transactionResult).toBe('STARTED');
      const body = (await jumio(sim, `/authentications/${reference}`)).json();
      expect(body.transactionResult).toBe('PASSED');
      expect(body.images[0].href).toMatch(FOREIGN);
      expect(body.livenessImages[0].startsWith(sim.url)).toBe(true);
    });
  });

  it('close() destroys sockets held by a timeout fault', async () => {
    const own = await startSimulator();
    const reference = ref();
    own.script({ kind: 'scan', reference, faults: [{ type: 'timeout' }] });
    const pending = request(`${own.url}${PREFIX}/scans/${reference}`).then(
      () => 'answered',
      () => 'failed',
    );
    await waitFor(() => (own.requests().length > 0 ? true : undefined));
    const started = Date.now();
    await own.close();
    expect(await pending).toBe('failed');
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
