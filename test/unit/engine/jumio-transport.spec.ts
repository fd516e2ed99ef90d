import type { HttpService } from '@nestjs/axios';
import { AxiosError, AxiosHeaders, type AxiosResponse, type InternalAxiosRequestConfig } from 'axios';
import { loadConfig, type AppConfig } from '../../../src/config/app-config';
import { mediumSignatureProblem } from '../../../src/engine/jumio-transport/body-checks';
import { jsonNestingExceeds, readJsonBody, unstorableJsonReason } from '../../../src/engine/normalization/json-budget';
import { MAX_JSON_DEPTH } from '../../../src/engine/jumio-transport/jumio-transport';
import { transportOf, US } from '../../support/transport-parts';
import {
  closedOnReuse,
  describeTransportError,
  unreached,
  type JumioCallFailure,
} from '../../../src/engine/jumio-transport/jumio-call-result';
import type { OutboundRateLimiter } from '../../../src/engine/jumio-transport/outbound-rate-limiter';
import { expectedMedium } from '../../../src/simulator/jumio-simulator';

const HOST = 'http://127.0.0.1:4567';
const DOCS = 'http://127.0.0.1:4568';
const PATH = '/api/netverify/v2/scans/0b3c5e3e-9c1d-4c3b-8a5e-2f0e7d6c5b40/images/front';

function config(env: Record<string, string> = {}): AppConfig {
  return loadConfig({
    SANDBOX: 'false',
    DATABASE_URL: 'postgres://u:p@localhost:5432/db',
    API_KEYS: 'checkout:transactions:s3cr3t-value',
    JUMIO_API_TOKEN: 'token',
    JUMIO_API_SECRET: 'secret',
    JUMIO_USER_AGENT: 'Acme KYC/1.0',
    DATA_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 1).toString('base64')}`,
    JUMIO_ALLOW_INSECURE_HTTP: 'true',
    JUMIO_US_BASE_URL: HOST,
    JUMIO_US_DOCUMENTS_BASE_URL: DOCS,
    JUMIO_MAX_MEDIA_BYTES: '20000',
    JUMIO_TIMEOUT_MS: '2000',
    ...env,
  });
}

type Answer =
  | { status: number; headers?: Record<string, string>; data?: Buffer | string; rawHeaders?: string[] }
  | { error: unknown };

/** A fake HttpService: answers from a script, and records every URL it was asked for. */
function fakeHttp(answer: (url: string) => Answer) {
  const urls: string[] = [];
  const http = {
    axiosRef: {
      defaults: { headers: {} },
      request: async ({ url }: { url: string }) => {
        urls.push(url);
        const a = answer(url);
        if ('error' in a) throw a.error;
        const data = typeof a.data === 'string' ? Buffer.from(a.data, 'utf8') : (a.data ?? Buffer.alloc(0));
        const response: AxiosResponse = {
          status: a.status,
          statusText: '',
          headers: new AxiosHeaders(a.headers ?? {}),
          config: { headers: new AxiosHeaders() } as InternalAxiosRequestConfig,
          data: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength),
          request: a.rawHeaders ? { res: { rawHeaders: a.rawHeaders } } : undefined,
        };
        return response;
      },
    },
  };
  return { http: http as unknown as HttpService, urls };
}

function fakeLimiter(holdOff: () => Promise<void> = async () => undefined) {
  const acquired: string[] = [];
  const limiter = {
    acquire: async (bucket: { key: string }) => void acquired.push(bucket.key),
    holdOff: jest.fn(holdOff),
  };
  return { limiter: limiter as unknown as OutboundRateLimiter & { holdOff: jest.Mock }, acquired };
}

function transport(answer: (url: string) => Answer, env: Record<string, string> = {}, holdOff?: () => Promise<void>) {
  const h = fakeHttp(answer);
  const l = fakeLimiter(holdOff);
  return {
    t: transportOf(h.http, l.limiter, config(env)),
    urls: h.urls,
    acquired: l.acquired,
    limiter: l.limiter,
  };
}

const json = (body: string, headers: Record<string, string> = {}): Answer => ({
  status: 200,
  headers: { 'content-type': 'application/json;charset=UTF-8', ...headers },
  data: body,
});
const medium = (bytes: Buffer, contentType: string, headers: Record<string, string> = {}): Answer => ({
  status: 200,
  headers: { 'content-type': contentType, 'content-length': String(bytes.length), ...headers },
  data: bytes,
});

describe('JumioTransport: hrefs from Jumio are followed only to the configured host', () => {
  const refused: [string, string][] = [
    ['loopback on another port', `http://127.0.0.1:4599${PATH}`],
    ['loopback, no port', `http://127.0.0.1${PATH}`],
    ['localhost on the right port (another name for the host)', `http://localhost:4567${PATH}`],
    ['a private address', `http://10.0.0.1${PATH}`],
    ['another private address', `http://192.168.1.10:4567${PATH}`],
    ['IPv6 loopback', `http://[::1]${PATH}`],
    ['IPv6 loopback on the right port', `http://[::1]:4567${PATH}`],
    ['the cloud metadata address', `http://169.254.169.254${PATH}`],
    ['credentials in the href', `http://user:pass@127.0.0.1:4567${PATH}`],
    ['a user name only', `http://user@127.0.0.1:4567${PATH}`],
    ['the configured host as user info of another host', `http://127.0.0.1:4567@10.0.0.1${PATH}`],
    ['https instead of http', `https://127.0.0.1:4567${PATH}`],
    ['another scheme', `ftp://127.0.0.1:4567${PATH}`],
    ['a file URL', 'file:///etc/passwd'],
    ['a data URL', 'data:image/jpeg;base64,/9j/4AAQ'],
    ['a javascript URL', 'javascript:alert(1)'],
    ['the documents host for a scans medium', `${DOCS}${PATH}`],
    ['a relative href', PATH],
    ['a protocol-relative href', `//10.0.0.1${PATH}`],
    ['an empty href', ''],
    ['a path outside the API', `${HOST}/admin`],
    ['dot segments out of the API', `${HOST}/api/netverify/v2/../../admin`],
    ['encoded dot segments out of the API', `${HOST}/api/netverify/v2/%2e%2e/%2E%2E/admin`],
  ];

  it.each(refused)('%s: REFUSED, without any network call or rate slot', async (_name, href) => {
    const { t, urls, acquired } = transport(() => {
      throw new Error('no call may be made');
    });
    const r = await t.getMedium(US, 'scans', href, 'image');
    expect(r).toMatchObject({
      ok: false,
      failure: 'REFUSED',
      httpStatus: null,
      durationMs: 0,
      retryAfterMs: null,
      endpoint: '(refused href)',
    });
    expect((r as JumioCallFailure).error).toMatch(/^refused: /);
    expect((r as JumioCallFailure).error).not.toMatch(/pass/);
    expect(urls).toEqual([]);
    expect(acquired).toEqual([]);
  });

  it('an href on the configured host is fetched (with the product query), and only there', async () => {
    const jpeg = expectedMedium('scan', 'x', 'front').bytes;
    const { t, urls, acquired } = transport(() => medium(jpeg, 'image/jpeg'));
    const r = await t.getMedium(US, 'scans', `${HOST}${PATH}`, 'image', { maskhint: 'masked' });
    expect(r).toMatchObject({
      ok: true,
      contentType: 'image/jpeg',
      httpStatus: 200,
      endpoint: `${PATH}?maskhint=masked`,
    });
    expect(urls).toEqual([`${HOST}${PATH}?maskhint=masked`]);
    expect(acquired).toEqual(['default/US']);
  });
});

describe('JumioTransport: JSON answers', () => {
  const get = (answer: Answer) => transport(() => answer).t.getJson(US, 'scans', '/scans/abc');

  it('reads a normal answer', async () => {
    expect(await get(json('{"status":"DONE","scanReference":"abc"}'))).toMatchObject({
      ok: true,
      json: { status: 'DONE' },
      httpStatus: 200,
      endpoint: '/api/netverify/v2/scans/abc',
    });
  });

  it(`nesting up to ${MAX_JSON_DEPTH} levels is read; deeper is MALFORMED before any parse`, async () => {
    const nested = (n: number) => `{"status":"DONE","x":${'['.repeat(n - 1)}${']'.repeat(n - 1)}}`;
    expect(await get(json(nested(MAX_JSON_DEPTH)))).toMatchObject({ ok: true });
    expect(await get(json(nested(MAX_JSON_DEPTH + 1)))).toMatchObject({
      ok: false,
      failure: 'MALFORMED',
      error: 'JSON nested deeper than 64 levels',
      httpStatus: 200,
    });
  });

  it('100,000 levels deep (arrays, objects, both) is MALFORMED and nothing throws', async () => {
    const n = 100_000;
    for (const body of [
      `{"status":"DONE","deep":${'['.repeat(n)}${']'.repeat(n)}}`,
      `{"status":"DONE","deep":${'{"a":'.repeat(n)}1${'}'.repeat(n)}}`,
      `${'[{"a":'.repeat(n)}`, // not even complete
    ]) {
      expect(await get(json(body))).toMatchObject({
        ok: false,
        failure: 'MALFORMED',
        error: 'JSON nested deeper than 64 levels',
      });
    }
  });

  it('brackets inside strings do not count as nesting', async () => {
    const body = JSON.stringify({ status: 'DONE', note: '['.repeat(1000) + '\\"{'.repeat(100) });
    expect(await get(json(body))).toMatchObject({ ok: true });
  });

  it('a body that is not JSON, an empty body, or another content type is MALFORMED', async () => {
    expect(await get(json('{"status":"DO'))).toMatchObject({
      failure: 'MALFORMED',
      error: 'the body is not valid JSON',
    });
    expect(await get(json(''))).toMatchObject({ failure: 'MALFORMED', error: 'empty body where JSON was promised' });
    expect(
      await get({
        status: 200,
        headers: { 'content-type': 'text/html; charset=utf-8' },
        data: '<!DOCTYPE html><html></html>',
      }),
    ).toMatchObject({
      failure: 'MALFORMED',
      error: 'expected application/json, got text/html',
    });
  });

  it('a UTF-8 byte order mark is tolerated', async () => {
    expect(await get(json('\ufeff{"status":"DONE"}'))).toMatchObject({ ok: true, json: { status: 'DONE' } });
  });

  it('strings PostgreSQL jsonb cannot store (\\u0000, lone surrogates) are MALFORMED', async () => {
    expect(await get(json('{"status":"DONE","x":"a\\u0000b"}'))).toMatchObject({
      failure: 'MALFORMED',
      error: expect.stringMatching(/\\u0000/),
    });
    expect(await get(json('{"status":"DONE","a\\u0000":1}'))).toMatchObject({ failure: 'MALFORMED' });
    expect(await get(json('{"status":"DONE","x":"\\ud800"}'))).toMatchObject({
      failure: 'MALFORMED',
      error: expect.stringMatching(/surrogate/),
    });
    expect(await get(json('{"status":"DONE","x":"\\ud83d\\ude00"}'))).toMatchObject({ ok: true });
  });

  it('a body shorter than its Content-Length is MALFORMED, unless it was content-encoded', async () => {
    expect(await get(json('{"status":"DONE"}', { 'content-length': '100' }))).toMatchObject({
      failure: 'MALFORMED',
      error: 'truncated body: 17 of 100 bytes',
    });
    const gz = {
      ...json('{"status":"DONE"}', { 'content-length': '9' }),
      rawHeaders: ['Content-Encoding', 'gzip', 'Content-Length', '9'],
    };
    expect(await get(gz as Answer)).toMatchObject({ ok: true });
  });
});

describe('JumioTransport: media answers', () => {
  const get = (answer: Answer, mediumClass: 'image' | 'facemap' | 'pdf' = 'image') =>
    transport(() => answer).t.getMedium(US, 'scans', `${HOST}${PATH}`, mediumClass);
  const jpeg = expectedMedium('scan', 'r', 'front').bytes;
  const png = expectedMedium('scan', 'r', 'liveness-1').bytes;
  const pdf = expectedMedium('document', 'r', 'original').bytes;

  it('JPEG, PNG and PDF are accepted when their bytes carry their signature', async () => {
    expect(await get(medium(jpeg, 'image/jpeg'))).toMatchObject({ ok: true, contentType: 'image/jpeg' });
    expect(await get(medium(png, 'image/png'))).toMatchObject({ ok: true, contentType: 'image/png' });
    expect(await get(medium(pdf, 'application/pdf'), 'pdf')).toMatchObject({
      ok: true,
      contentType: 'application/pdf',
    });
  });

  it('bytes that are not what the content type says are MALFORMED', async () => {
    expect(await get(medium(png, 'image/jpeg'))).toMatchObject({
      failure: 'MALFORMED',
      error: 'the body is not a JPEG (declared image/jpeg)',
    });
    expect(await get(medium(jpeg, 'image/png'))).toMatchObject({
      failure: 'MALFORMED',
      error: 'the body is not a PNG (declared image/png)',
    });
    expect(await get(medium(Buffer.from('<html>not a pdf</html>'), 'application/pdf'), 'pdf')).toMatchObject({
      failure: 'MALFORMED',
      error: 'the body is not a PDF (declared application/pdf)',
    });
    expect(await get(medium(Buffer.from([0xff, 0xd8]), 'image/jpeg'))).toMatchObject({
      failure: 'MALFORMED',
      error: 'the body is not a JPEG (declared image/jpeg)',
    });
  });

  it('facemaps take any bytes', async () => {
    expect(await get(medium(Buffer.from('anything at all'), 'application/octet-stream'), 'facemap')).toMatchObject({
      ok: true,
    });
  });

  it('a wrong content type is MALFORMED', async () => {
    expect(await get(medium(Buffer.from('<html></html>'), 'text/html; charset=utf-8'))).toMatchObject({
      failure: 'MALFORMED',
      error: 'unexpected content type text/html for a image',
    });
    expect(await get(medium(Buffer.from('{}'), 'application/json'), 'facemap')).toMatchObject({
      failure: 'MALFORMED',
      error: 'unexpected content type application/json for a facemap',
    });
  });

  it('a body shorter than its Content-Length, or empty, is MALFORMED', async () => {
    expect(await get(medium(jpeg, 'image/jpeg', { 'content-length': String(jpeg.length + 10) }))).toMatchObject({
      failure: 'MALFORMED',
      error: `truncated body: ${jpeg.length} of ${jpeg.length + 10} bytes`,
    });
    expect(await get(medium(Buffer.alloc(0), 'image/jpeg'))).toMatchObject({
      failure: 'MALFORMED',
      error: 'empty body',
    });
  });

  it('a body over JUMIO_MAX_MEDIA_BYTES is TOO_LARGE even if it got through', async () => {
    const big = Buffer.concat([jpeg, Buffer.alloc(20_001)]);
    expect(await get(medium(big, 'image/jpeg'))).toMatchObject({
      failure: 'TOO_LARGE',
      error: 'the body exceeds the limit of 20000 bytes',
    });
  });
});

describe('JumioTransport: transport errors and statuses', () => {
  const base = { endpoint: '/x', durationMs: 1, httpStatus: null };
  const axiosError = (message: string, code: string, response?: Partial<AxiosResponse>) =>
    new AxiosError(message, code, undefined, undefined, response as AxiosResponse | undefined);

  it.each([
    [
      'maxContentLength',
      axiosError('maxContentLength size of 20000 exceeded', 'ERR_BAD_RESPONSE'),
      'TOO_LARGE',
      'the body exceeds the limit of 20000 bytes',
    ],
    [
      'axios timeout',
      axiosError('timeout of 2000ms exceeded', 'ECONNABORTED'),
      'TIMEOUT',
      'no complete answer within 2000 ms',
    ],
    ['the overall signal', axiosError('canceled', 'ERR_CANCELED'), 'TIMEOUT', 'no complete answer within 2000 ms'],
    [
      'a body cut short',
      axiosError('stream has been aborted', 'ERR_BAD_RESPONSE', {
        status: 200,
        headers: new AxiosHeaders({ 'content-length': '5000' }),
      }),
      'NETWORK',
      'truncated: the connection closed before the whole body arrived (Content-Length 5000)',
    ],
    [
      'a reset after the headers',
      axiosError('aborted', 'ECONNRESET', { status: 200, headers: new AxiosHeaders({}) }),
      'NETWORK',
      'truncated: the connection closed before the whole body arrived',
    ],
    ['a reset', axiosError('socket hang up', 'ECONNRESET'), 'NETWORK', 'connection failed (ECONNRESET)'],
    [
      'a refused connection',
      Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:80'), { code: 'ECONNREFUSED' }),
      'NETWORK',
      'connection failed (ECONNREFUSED)',
    ],
    ['something else', 'a string', 'NETWORK', 'connection failed (unknown error)'],
  ])('%s', (_name, error, failure, message) => {
    expect(describeTransportError(error, base, 2000, 20000)).toMatchObject({ ok: false, failure, error: message });
  });

  it.each([
    ['a DNS failure', 'ENOTFOUND', 'could not connect (ENOTFOUND)'],
    ['a DNS server away', 'EAI_AGAIN', 'could not connect (EAI_AGAIN)'],
    ['a refused connection', 'ECONNREFUSED', 'could not connect (ECONNREFUSED)'],
    ['no route', 'EHOSTUNREACH', 'could not connect (EHOSTUNREACH)'],
    ['an untrusted certificate', 'SELF_SIGNED_CERT_IN_CHAIN', 'the TLS handshake failed (SELF_SIGNED_CERT_IN_CHAIN)'],
    [
      'a certificate for another host',
      'ERR_TLS_CERT_ALTNAME_INVALID',
      'the TLS handshake failed (ERR_TLS_CERT_ALTNAME_INVALID)',
    ],
    ['an expired certificate', 'CERT_HAS_EXPIRED', 'the TLS handshake failed (CERT_HAS_EXPIRED)'],
  ])('%s never reached Jumio: UNREACHED, not an attempt', (_name, code, error) => {
    expect(unreached(axiosError(`failed ${code}`, code), base)).toMatchObject({
      ok: false,
      failure: 'UNREACHED',
      error,
    });
  });

  it('a reset, a timeout or a cut body may have reached Jumio: not UNREACHED', () => {
    for (const code of ['ECONNRESET', 'ECONNABORTED', 'ERR_BAD_RESPONSE', 'ERR_CANCELED'])
      expect(unreached(axiosError('x', code), base)).toBeNull();
  });

  it('only a reused connection closed before any answer is retried on a fresh one', () => {
    const onSocket = (reusedSocket: boolean, code = 'ECONNRESET', response?: Partial<AxiosResponse>) => {
      const e = axiosError('socket hang up', code, response);
      (e as { request?: unknown }).request = { reusedSocket };
      return e;
    };
    expect(closedOnReuse(onSocket(true))).toBe(true);
    expect(closedOnReuse(onSocket(true, 'EPIPE'))).toBe(true);
    expect(closedOnReuse(onSocket(false))).toBe(false);
    expect(closedOnReuse(onSocket(true, 'ECONNABORTED'))).toBe(false);
    expect(closedOnReuse(onSocket(true, 'ECONNRESET', { status: 200, headers: new AxiosHeaders({}) }))).toBe(false);
  });

  it('the truncated status keeps the HTTP status that arrived', () => {
    const e = axiosError('stream has been aborted', 'ERR_BAD_RESPONSE', { status: 200, headers: new AxiosHeaders({}) });
    expect(describeTransportError(e, base, 2000, 20000).httpStatus).toBe(200);
  });

  it('errors from the HTTP client become failures, never exceptions', async () => {
    const { t } = transport(() => ({
      error: axiosError('stream has been aborted', 'ERR_BAD_RESPONSE', { status: 200, headers: new AxiosHeaders({}) }),
    }));
    await expect(t.getJson(US, 'scans', '/scans/abc')).resolves.toMatchObject({ ok: false, failure: 'NETWORK' });
    await expect(t.getMedium(US, 'scans', `${HOST}${PATH}`, 'image')).resolves.toMatchObject({
      ok: false,
      failure: 'NETWORK',
    });
  });

  it('a 429 whose pause cannot be recorded is still RATE_LIMITED, not an exception', async () => {
    const { t, limiter } = transport(
      () => ({ status: 429, headers: { 'retry-after': '5' } }),
      { JUMIO_429_PAUSE_MAX_SECONDS: '10' },
      async () => {
        throw new Error('database away');
      },
    );
    await expect(t.getJson(US, 'scans', '/scans/abc')).resolves.toMatchObject({
      ok: false,
      failure: 'RATE_LIMITED',
      retryAfterMs: 5000,
      httpStatus: 429,
    });
    expect(limiter.holdOff).toHaveBeenCalledWith('default/US', 5000);
  });

  it.each([
    [500, 'HTTP_ERROR', 'Jumio answered 500'],
    [302, 'HTTP_ERROR', 'Jumio answered 302 (redirects are not followed)'],
    [404, 'NOT_FOUND', 'Jumio answered 404 Not Found'],
    [403, 'FORBIDDEN', 'Jumio answered 403 Forbidden'],
  ])('status %s is %s', async (status, failure, error) => {
    const { t } = transport(() => ({ status, headers: { location: 'http://10.0.0.1/' } }));
    await expect(t.getJson(US, 'scans', '/scans/abc')).resolves.toMatchObject({
      ok: false,
      failure,
      error,
      httpStatus: status,
    });
  });
});

describe('body checks', () => {
  it('jsonNestingExceeds is iterative and ignores escaped quotes inside strings', () => {
    expect(jsonNestingExceeds(Buffer.from('['.repeat(10_000_000)), 64)).toBe(true);
    expect(jsonNestingExceeds(Buffer.from('[[[]]]'), 3)).toBe(false);
    expect(jsonNestingExceeds(Buffer.from('[[[[]]]]'), 3)).toBe(true);
    expect(jsonNestingExceeds(Buffer.from(`["\\"[[[[[[", 1]`), 2)).toBe(false);
  });

  it('unstorableJsonReason walks without recursion', () => {
    let deep: unknown = 'a\u0000';
    for (let i = 0; i < 200_000; i++) deep = [deep];
    expect(unstorableJsonReason(deep)).toMatch(/u0000/);
    expect(unstorableJsonReason({ a: [1, 'b', { c: null }] })).toBeNull();
  });

  it('readJsonBody and mediumSignatureProblem', () => {
    expect(readJsonBody(Buffer.from('{"a":1}'))).toEqual({ ok: true, json: { a: 1 } });
    expect(mediumSignatureProblem('application/octet-stream', Buffer.alloc(0))).toBeNull();
    expect(mediumSignatureProblem('image/jpeg', Buffer.from([0xff, 0xd8, 0xff, 0xe0]))).toBeNull();
  });
});
