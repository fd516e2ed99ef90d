import { HttpService } from '@nestjs/axios';
import axios from 'axios';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../../../src/config/app-config';
import type { JumioTransport } from '../../../src/engine/jumio-transport/jumio-transport';
import { transportOf, US } from '../../support/transport-parts';
import { type JumioCallFailure, type JumioMediumResult } from '../../../src/engine/jumio-transport/jumio-call-result';
import type { OutboundRateLimiter } from '../../../src/engine/jumio-transport/outbound-rate-limiter';
import {
  JumioSimulator,
  expectedMedium,
  type FaultScript,
  type SimulatorKind,
} from '../../../src/simulator/jumio-simulator';

/**
 * An HttpService on an axios instance of its own, as HttpModule.register gives the engine (the transport sets
 * its defaults; axios's global instance must stay untouched). The cast bridges axios's CJS and ESM typings.
 */
const ownHttpService = () => new HttpService(axios.create() as unknown as ConstructorParameters<typeof HttpService>[0]);

/**
 * The transport against the simulator's hostile faults over real sockets (the rate limiter is stubbed: no
 * database here). Every fault must end as a JumioCallFailure with its cause, and nothing may throw.
 */
describe('JumioTransport over real sockets: hostile answers', () => {
  let sim: JumioSimulator;
  let transport: JumioTransport;
  const MAX_MEDIA = 20_000;

  beforeAll(async () => {
    sim = await JumioSimulator.start({ apiToken: 'tok', apiSecret: 'sec' });
    const config = loadConfig({
      SANDBOX: 'false',
      DATABASE_URL: 'postgres://u:p@localhost:5432/db',
      API_KEYS: 'checkout:transactions:s3cr3t-value',
      JUMIO_API_TOKEN: 'tok',
      JUMIO_API_SECRET: 'sec',
      JUMIO_USER_AGENT: 'Acme KYC/1.0',
      DATA_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 1).toString('base64')}`,
      JUMIO_ALLOW_INSECURE_HTTP: 'true',
      JUMIO_US_BASE_URL: sim.url,
      JUMIO_US_DOCUMENTS_BASE_URL: sim.url,
      JUMIO_MAX_MEDIA_BYTES: String(MAX_MEDIA),
      // Generous: under a loaded test run, an 8 MiB answer must still be cut by size, not by time.
      JUMIO_TIMEOUT_MS: '2000',
      JUMIO_429_PAUSE_MAX_SECONDS: '0',
    });
    const limiter = {
      acquire: async () => undefined,
      holdOff: async () => undefined,
    } as unknown as OutboundRateLimiter;
    transport = transportOf(ownHttpService(), limiter, config);
  });
  afterAll(() => sim.close());

  const scripted = (kind: SimulatorKind, faults: FaultScript[]) => {
    const reference = randomUUID().slice(0, -1) + '0';
    sim.script({ kind, reference, faults });
    return reference;
  };
  const href = (path: string) => `${sim.url}/api/netverify/v2${path}`;
  const failure = (r: unknown) => {
    expect(r).toMatchObject({ ok: false });
    return r as JumioCallFailure;
  };

  it('a clean answer and a clean medium come through whole', async () => {
    const ref = scripted('scan', []);
    expect(await transport.getJson(US, 'scans', `/scans/${ref}`)).toMatchObject({
      ok: true,
      json: { status: 'DONE' },
    });
    const m = (await transport.getMedium(
      US,
      'scans',
      href(`/scans/${ref}/images/front`),
      'image',
    )) as JumioMediumResult & { ok: true };
    expect(m.ok).toBe(true);
    expect(m.bytes.equals(expectedMedium('scan', ref, 'front').bytes)).toBe(true);
  });

  it('truncated JSON: NETWORK, "truncated", with the status that arrived', async () => {
    const ref = scripted('scan', [{ endpoint: 'status', type: 'truncated' }]);
    const f = failure(await transport.getJson(US, 'scans', `/scans/${ref}`));
    expect(f).toMatchObject({ failure: 'NETWORK', httpStatus: 200 });
    expect(f.error).toMatch(/^truncated: the connection closed before the whole body arrived \(Content-Length \d+\)$/);
  });

  it('truncated media (JPEG, PNG, PDF, facemap): NETWORK, "truncated"', async () => {
    const scan = scripted('scan', [
      { endpoint: 'image', type: 'truncated' },
      { endpoint: 'liveness', type: 'truncated' },
      { endpoint: 'facemap', type: 'truncated' },
    ]);
    const doc = scripted('document', [{ endpoint: 'original', type: 'truncated' }]);
    for (const r of [
      await transport.getMedium(US, 'scans', href(`/scans/${scan}/images/front`), 'image'),
      await transport.getMedium(US, 'scans', href(`/scans/${scan}/images/liveness/1`), 'image'),
      await transport.getMedium(US, 'scans', href(`/scans/${scan}/data/facemap`), 'facemap'),
      await transport.getMedium(US, 'documents', href(`/documents/${doc}/original`), 'pdf'),
    ]) {
      expect(failure(r)).toMatchObject({ failure: 'NETWORK', error: expect.stringMatching(/^truncated/) });
    }
  });

  it('huge JSON (8 MiB): TOO_LARGE', async () => {
    const ref = scripted('document', [{ endpoint: 'data', type: 'huge-json' }]);
    expect(failure(await transport.getJson(US, 'documents', `/documents/${ref}/data`))).toMatchObject({
      failure: 'TOO_LARGE',
      error: 'the body exceeds the limit of 2097152 bytes',
    });
  });

  it('JSON nested 100,000 levels deep: MALFORMED, nothing throws', async () => {
    const ref = scripted('authentication', [{ endpoint: 'status', type: 'deep-json' }]);
    expect(failure(await transport.getJson(US, 'scans', `/authentications/${ref}`))).toMatchObject({
      failure: 'MALFORMED',
      error: 'JSON nested deeper than 64 levels',
      httpStatus: 200,
    });
  });

  it('wrong content types: MALFORMED naming what came', async () => {
    const scan = scripted('scan', [
      { endpoint: 'images', type: 'wrong-content-type' },
      { endpoint: 'image', type: 'wrong-content-type' },
      { endpoint: 'facemap', type: 'wrong-content-type' },
    ]);
    const doc = scripted('document', [{ endpoint: 'original', type: 'wrong-content-type' }]);
    expect(failure(await transport.getJson(US, 'scans', `/scans/${scan}/images`))).toMatchObject({
      failure: 'MALFORMED',
      error: 'expected application/json, got text/html',
    });
    expect(failure(await transport.getMedium(US, 'scans', href(`/scans/${scan}/images/back`), 'image'))).toMatchObject({
      failure: 'MALFORMED',
      error: 'unexpected content type text/html for a image',
    });
    expect(
      failure(await transport.getMedium(US, 'scans', href(`/scans/${scan}/data/facemap`), 'facemap')),
    ).toMatchObject({ failure: 'MALFORMED', error: 'unexpected content type application/json for a facemap' });
    expect(
      failure(await transport.getMedium(US, 'documents', href(`/documents/${doc}/original`), 'pdf')),
    ).toMatchObject({ failure: 'MALFORMED', error: 'unexpected content type application/json for a pdf' });
  });

  it(`a medium over JUMIO_MAX_MEDIA_BYTES (${MAX_MEDIA}): TOO_LARGE, whether by a little or by 16 MiB`, async () => {
    const ref = scripted('scan', [
      { endpoint: 'image', type: 'oversize', sizeBytes: MAX_MEDIA + 1 },
      { endpoint: 'image', type: 'oversize' },
    ]);
    for (const name of ['front', 'back']) {
      expect(
        failure(await transport.getMedium(US, 'scans', href(`/scans/${ref}/images/${name}`), 'image')),
      ).toMatchObject({
        failure: 'TOO_LARGE',
        error: `the body exceeds the limit of ${MAX_MEDIA} bytes`,
      });
    }
    const ok = await transport.getMedium(US, 'scans', href(`/scans/${ref}/images/face`), 'image');
    expect(ok.ok).toBe(true);
  });

  it('loopback and private hrefs from a list: REFUSED without a call; the rest are fetched', async () => {
    const ref = scripted('scan', [{ endpoint: 'images', type: 'loopback-href' }]);
    const list = await transport.getJson(US, 'scans', `/scans/${ref}/images`);
    if (!list.ok) throw new Error(list.error);
    const body = list.json as { images: { href: string }[]; livenessImages: string[] };
    const hrefs = [...body.images.map((i) => i.href), ...body.livenessImages];
    const before = sim.requests({ reference: ref }).length;
    const results = [];
    for (const h of hrefs) results.push(await transport.getMedium(US, 'scans', h, 'image'));
    expect(results.map((r) => (r.ok ? 'ok' : r.failure))).toEqual(['REFUSED', 'REFUSED', 'ok', 'ok', 'ok']);
    expect(failure(results[0]).error).toMatch(
      /^refused: the href points to http:\/\/127\.0\.0\.1:\d+, not the configured scans host of US$/,
    );
    expect(failure(results[1]).error).toBe(
      'refused: the href points to http://10.0.0.1, not the configured scans host of US',
    );
    expect(sim.requests({ reference: ref }).length - before).toBe(3);
  });

  it('timeouts, resets, 500s and a 429 burst: their own failures', async () => {
    const ref = scripted('scan', [
      { endpoint: 'status', type: 'timeout', delayMs: 5000 },
      { endpoint: 'status', type: 'reset' },
      { endpoint: 'status', type: 'http500' },
      { endpoint: 'status', type: 'http429', times: 2, retryAfterSeconds: 3 },
      { endpoint: 'status', type: 'malformed' },
    ]);
    const seen = [];
    for (let i = 0; i < 7; i++) {
      const r = await transport.getJson(US, 'scans', `/scans/${ref}`);
      seen.push(r.ok ? 'ok' : `${r.failure}: ${r.error}`);
    }
    expect(seen).toEqual([
      'TIMEOUT: no complete answer within 2000 ms',
      'NETWORK: connection failed (ECONNRESET)',
      'HTTP_ERROR: Jumio answered 500',
      'RATE_LIMITED: Jumio answered 429 Too Many Requests (Retry-After 3 s)',
      'RATE_LIMITED: Jumio answered 429 Too Many Requests (Retry-After 3 s)',
      'MALFORMED: the body is not valid JSON',
      'ok',
    ]);
  });
});

/**
 * What the transport sends, and its whole-call deadline, against a plain server that records the request and
 * then drips its body: axios's own `timeout` only bounds idle time, so a body that keeps dripping must be cut
 * by the transport's deadline (JUMIO_TIMEOUT_MS + 1 s).
 */
describe('JumioTransport over real sockets: what it sends, and a body that drips', () => {
  let server: http.Server;
  let url: string;
  const seen: http.IncomingHttpHeaders[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      seen.push(req.headers);
      if (req.url?.endsWith('/drip')) {
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '1000' });
        const drip = setInterval(() => (res.destroyed ? clearInterval(drip) : res.write(' ')), 200);
        res.on('close', () => clearInterval(drip));
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"status":"DONE"}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const transportWithTimeout = (timeoutMs: number) =>
    transportOf(
      ownHttpService(),
      { acquire: async () => undefined, holdOff: async () => undefined } as unknown as OutboundRateLimiter,
      loadConfig({
        SANDBOX: 'false',
        DATABASE_URL: 'postgres://u:p@localhost:5432/db',
        API_KEYS: 'checkout:transactions:s3cr3t-value',
        JUMIO_API_TOKEN: 'tök',
        JUMIO_API_SECRET: 'sec:ret',
        JUMIO_USER_AGENT: 'Acme KYC/1.0',
        DATA_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 1).toString('base64')}`,
        JUMIO_ALLOW_INSECURE_HTTP: 'true',
        JUMIO_US_BASE_URL: url,
        JUMIO_US_DOCUMENTS_BASE_URL: url,
        JUMIO_TIMEOUT_MS: String(timeoutMs),
      }),
    );

  it('Basic credentials (UTF-8), the User-Agent and the Accept of the call, nothing of axios defaults', async () => {
    seen.length = 0;
    expect(await transportWithTimeout(2000).getJson(US, 'scans', '/scans/abc')).toMatchObject({
      ok: true,
      json: { status: 'DONE' },
    });
    expect(seen).toHaveLength(1);
    const [scheme, encoded] = String(seen[0].authorization).split(' ');
    expect(scheme).toBe('Basic');
    expect(Buffer.from(encoded, 'base64').toString('utf8')).toBe('tök:sec:ret');
    expect(seen[0]['user-agent']).toBe('Acme KYC/1.0');
    expect(seen[0].accept).toBe('application/json');
    expect(seen[0]['content-type']).toBeUndefined();
  });

  it('a body that drips past the deadline ends as TIMEOUT at JUMIO_TIMEOUT_MS + 1 s, not when it stops', async () => {
    const started = Date.now();
    const r = await transportWithTimeout(500).getJson(US, 'scans', '/scans/abc/drip');
    const took = Date.now() - started;
    expect(r).toMatchObject({ ok: false, failure: 'TIMEOUT', error: 'no complete answer within 500 ms' });
    // 1000 bytes at one per 200 ms would take 200 s; the deadline is 1.5 s.
    expect(took).toBeGreaterThanOrEqual(1400);
    expect(took).toBeLessThan(20_000);
  });
});
