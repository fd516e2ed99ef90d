import http from 'node:http';
import { DEEP_JSON_LEVELS, JumioSimulator, ScriptError, expectedMedium } from '../../src/simulator/jumio-simulator.js';
import { PNG_SIGNATURE, PREFIX, SECRET, TOKEN, UA, jumio, ref, startSimulator } from './helpers.js';

interface RawReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** Whether the whole message arrived (false: the connection closed before Content-Length bytes). */
  complete: boolean;
}

/** A GET that reports what arrived even when the connection closes early, instead of failing. */
function rawGet(sim: JumioSimulator, path: string, accept = 'application/json'): Promise<RawReply> {
  const headers = {
    Authorization: `Basic ${Buffer.from(`${TOKEN}:${SECRET}`).toString('base64')}`,
    'User-Agent': UA,
    Accept: accept,
  };
  return new Promise((resolve, reject) => {
    const req = http.get(`${sim.url}${PREFIX}${path}`, { headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', () => undefined); // 'aborted' on an early close: reported through `complete`
      res.on('close', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks),
          complete: res.complete,
        }),
      );
    });
    req.on('error', reject);
  });
}

/** Deepest nesting of arrays/objects outside strings, counted without parsing. */
function nestingDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '[' || c === '{') max = Math.max(max, ++depth);
    else if (c === ']' || c === '}') depth--;
  }
  return max;
}

describe('simulator: hostile faults', () => {
  let sim: JumioSimulator;
  beforeAll(async () => {
    sim = await startSimulator();
  });
  afterAll(() => sim.close());

  describe('truncated', () => {
    it('JSON: declares the whole body, sends half, closes; a status call so hit uses up no pending poll', async () => {
      const reference = ref();
      sim.script({ kind: 'scan', reference, pendingPolls: 1, faults: [{ endpoint: 'status', type: 'truncated' }] });
      const r = await rawGet(sim, `/scans/${reference}`);
      expect(r.status).toBe(200);
      expect(r.headers['content-type']).toMatch(/^application\/json/);
      expect(r.complete).toBe(false);
      expect(r.body.length).toBeLessThan(Number(r.headers['content-length']));
      expect(r.body.length).toBeGreaterThan(0);
      expect(() => JSON.parse(r.body.toString('utf8'))).toThrow();
      expect((await jumio(sim, `/scans/${reference}`)).json().status).toBe('PENDING');
      expect((await jumio(sim, `/scans/${reference}`)).json().status).toBe('DONE');
      expect(sim.requests({ reference }).map((e) => [e.fault, e.httpStatus, e.jumioStatus])).toEqual([
        ['truncated', 200, null],
        [null, 200, 'PENDING'],
        [null, 200, 'DONE'],
      ]);
    });

    it('media: the first half of the real bytes, never the whole', async () => {
      const reference = ref();
      sim.script({ kind: 'scan', reference, faults: [{ endpoint: 'image', type: 'truncated' }] });
      const expected = expectedMedium('scan', reference, 'front');
      const r = await rawGet(sim, `/scans/${reference}/images/front`, 'image/jpeg, image/png');
      expect(r).toMatchObject({ status: 200, complete: false });
      expect(r.headers['content-type']).toBe('image/jpeg');
      expect(Number(r.headers['content-length'])).toBe(expected.bytes.length);
      expect(expected.bytes.subarray(0, r.body.length).equals(r.body)).toBe(true);
      expect(r.body.length).toBeLessThan(expected.bytes.length);
      const again = await rawGet(sim, `/scans/${reference}/images/front`, 'image/jpeg, image/png');
      expect(again.complete).toBe(true);
      expect(again.body.equals(expected.bytes)).toBe(true);
    });
  });

  describe('huge-json', () => {
    it('a valid JSON answer of 8 MiB by default: the normal fields plus one big unknown field', async () => {
      const reference = ref();
      sim.script({ kind: 'scan', reference, faults: [{ endpoint: 'data', type: 'huge-json' }] });
      const r = await rawGet(sim, `/scans/${reference}/data`);
      expect(r).toMatchObject({ status: 200, complete: true });
      expect(r.body.length).toBe(8 * 1024 * 1024);
      const body = JSON.parse(r.body.toString('utf8'));
      expect(body.document.status).toBe('APPROVED_VERIFIED');
      expect(body.scanReference).toBe(reference);
      expect(typeof body.hugeUnknownField).toBe('string');
      expect((await rawGet(sim, `/scans/${reference}/data`)).body.length).toBeLessThan(10_000);
    });

    it('sizeBytes sets the size; on status it uses up no pending poll and logs no status', async () => {
      const reference = ref();
      sim.script({
        kind: 'authentication',
        reference,
        pendingPolls: 1,
        faults: [{ endpoint: 'status', type: 'huge-json', sizeBytes: 300_000 }],
      });
      const r = await rawGet(sim, `/authentications/${reference}`);
      expect(r.body.length).toBe(300_000);
      expect(JSON.parse(r.body.toString('utf8')).transactionResult).toBe('STARTED');
      expect((await jumio(sim, `/authentications/${reference}`)).json().transactionResult).toBe('STARTED');
      expect((await jumio(sim, `/authentications/${reference}`)).json().transactionResult).toBe('PASSED');
      expect(sim.requests({ reference })[0]).toMatchObject({ fault: 'huge-json', jumioStatus: null, httpStatus: 200 });
    });

    it('waits for a 200 JSON answer: not a medium, not a 404', async () => {
      const reference = ref();
      sim.script({ kind: 'document', reference, faults: [{ type: 'huge-json', sizeBytes: 100_000 }] });
      expect((await rawGet(sim, `/documents/${reference}/pages/1`, 'image/jpeg')).headers['content-type']).toBe(
        'image/jpeg',
      );
      expect((await rawGet(sim, `/documents/${reference}/pages`)).body.length).toBe(100_000);
    });
  });

  it(`deep-json: valid JSON whose unknown field nests ${DEEP_JSON_LEVELS} levels deep, the normal fields intact`, async () => {
    const reference = ref();
    sim.script({ kind: 'document', reference, faults: [{ endpoint: 'status', type: 'deep-json' }] });
    const r = await rawGet(sim, `/documents/${reference}`);
    expect(r).toMatchObject({ status: 200, complete: true });
    const text = r.body.toString('utf8');
    expect(nestingDepth(text)).toBe(DEEP_JSON_LEVELS + 1);
    const body = JSON.parse(text); // V8 parses it; stringifying it back would overflow the stack
    expect(body.status).toBe('DONE');
    expect(Array.isArray(body.deepUnknownField)).toBe(true);
    expect(sim.requests({ reference })[0]).toMatchObject({ fault: 'deep-json', jumioStatus: null });
    expect((await jumio(sim, `/documents/${reference}`)).json().status).toBe('DONE');
  });

  describe('wrong-content-type', () => {
    it('JSON endpoints and images answer text/html with an HTML page; facemap and original application/json', async () => {
      const scan = ref();
      sim.script({
        kind: 'scan',
        reference: scan,
        faults: [
          { endpoint: 'status', type: 'wrong-content-type' },
          { endpoint: 'image', type: 'wrong-content-type' },
          { endpoint: 'liveness', type: 'wrong-content-type' },
          { endpoint: 'facemap', type: 'wrong-content-type' },
        ],
      });
      const status = await rawGet(sim, `/scans/${scan}`);
      expect(status.status).toBe(200);
      expect(status.headers['content-type']).toMatch(/^text\/html/);
      expect(status.body.toString('utf8')).toMatch(/^<!DOCTYPE html>/);
      expect((await rawGet(sim, `/scans/${scan}/images/face`, 'image/jpeg')).headers['content-type']).toMatch(
        /^text\/html/,
      );
      expect((await rawGet(sim, `/scans/${scan}/images/liveness/1`, 'image/png')).headers['content-type']).toMatch(
        /^text\/html/,
      );
      const facemap = await rawGet(sim, `/scans/${scan}/data/facemap`, '*/*');
      expect(facemap.headers['content-type']).toMatch(/^application\/json/);
      expect(() => JSON.parse(facemap.body.toString('utf8'))).not.toThrow();
      expect(
        sim.requests({ reference: scan }).every((e) => e.fault === 'wrong-content-type' && e.jumioStatus === null),
      ).toBe(true);

      const doc = ref();
      sim.script({
        kind: 'document',
        reference: doc,
        faults: [
          { endpoint: 'original', type: 'wrong-content-type' },
          { endpoint: 'page', type: 'wrong-content-type' },
        ],
      });
      expect((await rawGet(sim, `/documents/${doc}/original`, 'application/pdf')).headers['content-type']).toMatch(
        /^application\/json/,
      );
      expect((await rawGet(sim, `/documents/${doc}/pages/2`, 'image/jpeg')).headers['content-type']).toMatch(
        /^text\/html/,
      );
    });

    it("waits for an answer that would be 200 (a pending transaction's data is 404)", async () => {
      const reference = ref();
      sim.script({
        kind: 'scan',
        reference,
        pendingPolls: 1,
        faults: [{ endpoint: 'data', type: 'wrong-content-type' }],
      });
      expect((await rawGet(sim, `/scans/${reference}/data`)).status).toBe(404);
      expect((await jumio(sim, `/scans/${reference}`)).json().status).toBe('PENDING');
      expect((await rawGet(sim, `/scans/${reference}/data`)).headers['content-type']).toMatch(/^text\/html/);
    });
  });

  describe('oversize', () => {
    it("a medium of sizeBytes bytes: its type's header, then filler", async () => {
      const reference = ref();
      sim.script({
        kind: 'scan',
        reference,
        faults: [
          { type: 'oversize', sizeBytes: 50_000 },
          { endpoint: 'liveness', type: 'oversize', sizeBytes: 30_000 },
        ],
      });
      // status and images are JSON: the first fault waits for a medium
      expect((await rawGet(sim, `/scans/${reference}`)).body.length).toBeLessThan(1000);
      expect((await rawGet(sim, `/scans/${reference}/images`)).headers['content-type']).toMatch(/^application\/json/);
      const front = await rawGet(sim, `/scans/${reference}/images/front`, 'image/jpeg');
      expect(front).toMatchObject({ status: 200, complete: true });
      expect(front.headers['content-type']).toBe('image/jpeg');
      expect(front.body.length).toBe(50_000);
      expect([...front.body.subarray(0, 4)]).toEqual([0xff, 0xd8, 0xff, 0xe0]);
      const live = await rawGet(sim, `/scans/${reference}/images/liveness/1`, 'image/png');
      expect(live.headers['content-type']).toBe('image/png');
      expect(live.body.length).toBe(30_000);
      expect(live.body.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
      expect(sim.requests({ reference }).map((e) => e.fault)).toEqual([null, null, 'oversize', 'oversize']);
    });

    it('16 MiB by default', async () => {
      const reference = ref();
      sim.script({ kind: 'document', reference, faults: [{ endpoint: 'original', type: 'oversize' }] });
      const r = await rawGet(sim, `/documents/${reference}/original`, 'application/pdf');
      expect(r.headers['content-type']).toBe('application/pdf');
      expect(r.body.length).toBe(16 * 1024 * 1024);
      expect(r.body.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    });
  });

  describe('loopback-href', () => {
    const LOOPBACK = /^http:\/\/127\.0\.0\.1:(\d+)\//;
    const PRIVATE = /^http:\/\/10\.0\.0\.1\//;

    it('scan images: the first href on another loopback port, the second on 10.0.0.1, the rest normal', async () => {
      const reference = ref();
      sim.script({ kind: 'scan', reference, faults: [{ type: 'loopback-href' }] });
      expect((await jumio(sim, `/scans/${reference}`)).status).toBe(200);
      const body = (await jumio(sim, `/scans/${reference}/images`)).json();
      const port = LOOPBACK.exec(body.images[0].href)?.[1];
      expect(port).toBeDefined();
      expect(port).not.toBe(new URL(sim.url).port);
      expect(body.images[0].href).toContain(`/scans/${reference}/images/front`);
      expect(body.images[1].href).toMatch(PRIVATE);
      expect(body.images[2].href.startsWith(sim.url)).toBe(true);
      expect(body.livenessImages.every((h: string) => h.startsWith(sim.url))).toBe(true);
      expect(sim.requests({ reference }).map((e) => e.fault)).toEqual([null, 'loopback-href']);
    });

    it('document pages, the originalDocument and authentication status hrefs', async () => {
      const doc = ref();
      sim.script({
        kind: 'document',
        reference: doc,
        faults: [
          { endpoint: 'pages', type: 'loopback-href' },
          { endpoint: 'data', type: 'loopback-href' },
        ],
      });
      const pages = (await jumio(sim, `/documents/${doc}/pages`)).json();
      expect(pages.images[0].href).toMatch(LOOPBACK);
      expect(pages.images[1].href).toMatch(PRIVATE);
      expect((await jumio(sim, `/documents/${doc}/data`)).json().document.originalDocument).toMatch(LOOPBACK);

      const auth = ref();
      sim.script({
        kind: 'authentication',
        reference: auth,
        pendingPolls: 1,
        faults: [{ endpoint: 'status', type: 'loopback-href' }],
      });
      expect((await jumio(sim, `/authentications/${auth}`)).json().transactionResult).toBe('STARTED');
      const body = (await jumio(sim, `/authentications/${auth}`)).json();
      expect(body.images[0].href).toMatch(LOOPBACK);
      expect(body.livenessImages[0]).toMatch(PRIVATE);
      expect(body.livenessImages[1].startsWith(sim.url)).toBe(true);
    });
  });

  it('a 429 burst is http429 with times', async () => {
    const reference = ref();
    sim.script({ kind: 'scan', reference, faults: [{ type: 'http429', times: 3, retryAfterSeconds: 1 }] });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await jumio(sim, `/scans/${reference}`)).status);
    expect(statuses).toEqual([429, 429, 429, 200]);
  });

  it('sizeBytes is checked: only huge-json and oversize take it, from 1 to 64 MiB', () => {
    const reference = ref();
    expect(() => sim.script({ kind: 'scan', reference, faults: [{ type: 'http500', sizeBytes: 10 }] })).toThrow(
      ScriptError,
    );
    expect(() => sim.script({ kind: 'scan', reference, faults: [{ type: 'oversize', sizeBytes: 0 }] })).toThrow(
      /sizeBytes/,
    );
    expect(() =>
      sim.script({ kind: 'scan', reference, faults: [{ type: 'huge-json', sizeBytes: 64 * 1024 * 1024 + 1 }] }),
    ).toThrow(/sizeBytes/);
    for (const type of [
      'truncated',
      'huge-json',
      'deep-json',
      'wrong-content-type',
      'oversize',
      'loopback-href',
    ] as const) {
      expect(() => sim.script({ kind: 'scan', reference, faults: [{ type }] })).not.toThrow();
    }
  });

  it('the control API takes the new fault types too', async () => {
    const reference = ref();
    const body = JSON.stringify({
      kind: 'scan',
      reference,
      faults: [{ type: 'oversize', sizeBytes: 2048 }, { type: 'loopback-href' }],
    });
    const created = await new Promise<number>((resolve, reject) => {
      const req = http.request(
        `${sim.url}/__simulator/transactions`,
        { method: 'POST', headers: { 'Content-Type': 'application/json' } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    expect(created).toBe(201);
    expect((await rawGet(sim, `/scans/${reference}/images/back`, 'image/jpeg')).body.length).toBe(2048);
  });
});
