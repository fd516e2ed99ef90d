import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { gzipSync } from 'node:zlib';
import { pollUntil } from '../support/poll-until';
import { ADMIN_KEY, BACKEND_KEY, startTestApp, type TestApp } from '../support/test-app';

interface RawReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json: () => any;
}

/** One request on its own connection, with exactly these headers (repeated ones as arrays) and body. */
function raw(
  base: string,
  method: string,
  path: string,
  options: {
    headers?: Record<string, string | string[]>;
    body?: string | Buffer;
    declaredLength?: number;
    keepAlive?: http.Agent;
  } = {},
): Promise<RawReply> {
  const { port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, agent: options.keepAlive ?? false });
    for (const [name, value] of Object.entries(options.headers ?? {})) req.setHeader(name, value);
    if (options.declaredLength !== undefined) req.setHeader('Content-Length', String(options.declaredLength));
    else if (options.body !== undefined) req.setHeader('Content-Length', String(Buffer.byteLength(options.body)));
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) });
      });
    });
    req.on('error', reject);
    if (options.declaredLength !== undefined)
      req.write(options.body ?? ''); // the rest never comes
    else req.end(options.body);
  });
}

const key = { Authorization: `Bearer ${BACKEND_KEY}` };
const json = { ...key, 'Content-Type': 'application/json' };
const track = (extra = '') => `{"reference":"${randomUUID()}"${extra}}`;

/**
 * What callers saw of the HTTP layer when the service ran on express, kept on Fastify (the contract is silent on
 * most of it; clients may rely on it all the same). Each expectation was first recorded against the express build.
 */
describe('HTTP conventions', () => {
  let t: TestApp;
  let reference: string;
  beforeAll(async () => {
    // Loopback is not an allowed callback source; X-Forwarded-For from loopback (a trusted proxy) names the sender.
    t = await startTestApp({ env: { CALLBACK_ALLOWED_SOURCES: '52.48.0.25', TRUSTED_PROXIES: '127.0.0.1' } });
    reference = randomUUID();
    t.simulator.script({ kind: 'scan', reference });
    await t
      .http()
      .post('/v1/id-verifications')
      .set(key)
      .send({ reference, acquiredAt: t.clock.now().toISOString(), callbackGraceSeconds: 0 })
      .expect(201);
    t.clock.advanceSeconds(60);
    await t.scheduler.drain();
  });
  afterAll(() => t.close());

  describe('routing', () => {
    it('matches paths case-insensitively and with a trailing slash', async () => {
      for (const path of ['/v1/events/', '/V1/EVENTS', '/v1/Events?limit=1', `/v1/id-verifications/${reference}/`]) {
        expect({ path, status: (await raw(t.baseUrl, 'GET', path, { headers: key })).status }).toEqual({
          path,
          status: 200,
        });
      }
    });

    it('answers an unknown route or method 404 in the contract shape, naming the method and path', async () => {
      const res = await raw(t.baseUrl, 'GET', '/nope?x=1', { headers: key });
      expect(res.status).toBe(404);
      expect(res.json()).toEqual({ statusCode: 404, error: 'Not Found', message: ['Cannot GET /nope?x=1'] });
      expect((await raw(t.baseUrl, 'OPTIONS', '/v1/events', { headers: key })).json().message).toEqual([
        'Cannot OPTIONS /v1/events',
      ]);
      expect((await raw(t.baseUrl, 'HEAD', '/v1/id-verifications', { headers: key })).status).toBe(404);
    });

    it('parses query strings as express 5 did (node:querystring): a repeated key is an array, brackets are part of the name', async () => {
      const twice = await raw(t.baseUrl, 'GET', '/v1/events?limit=2&limit=3', { headers: key });
      expect(twice.status).toBe(400);
      expect(twice.json().message).toContain('limit must be a whole number from 1 to 500');
      expect((await raw(t.baseUrl, 'GET', '/v1/events?limit[x]=1', { headers: key })).json().message).toEqual([
        'property limit[x] should not exist',
      ]);
      // The feed serves an event once no older transaction is open on the server (other test files' may be), so
      // the decoded limit is seen on the first page that has events.
      const page = await pollUntil(
        async () => {
          const events = (await raw(t.baseUrl, 'GET', '/v1/events?limit=%31', { headers: key })).json().events;
          return events.length > 0 ? events : null;
        },
        20_000,
        'a page of the change feed',
      );
      expect(page).toHaveLength(1);
    });

    it('validates a route parameter of any length (no 414 from the router)', async () => {
      const res = await raw(t.baseUrl, 'GET', `/v1/id-verifications/${'a'.repeat(5000)}`, { headers: key });
      expect(res.status).toBe(400);
      expect(res.json().message).toEqual(['reference must be a UUID']);
    });

    it('answers a malformed percent-encoding 400 in the contract shape, with a request id', async () => {
      const res = await raw(t.baseUrl, 'GET', '/v1/id-verifications/%E0%A4%A', {
        headers: { ...key, 'X-Request-Id': 'bad-url' },
      });
      expect(res.status).toBe(400);
      expect(res.json()).toEqual({
        statusCode: 400,
        error: 'Bad Request',
        message: ["Failed to decode param '%E0%A4%A'"],
      });
      expect(res.headers['x-request-id']).toBe('bad-url');
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    });
  });

  it('gives a target the router cannot take (OPTIONS *, GET *x) its request id and the 404 contract body', async () => {
    for (const [method, target] of [
      ['OPTIONS', '*'],
      ['GET', '*x'],
    ]) {
      const res = await raw(t.baseUrl, method, target, { headers: { 'X-Request-Id': `odd-${method}` } });
      expect(res.status).toBe(404);
      expect(res.headers['x-request-id']).toBe(`odd-${method}`);
      expect(res.json()).toMatchObject({ statusCode: 404, error: 'Not Found' });
    }
  });

  describe('responses', () => {
    it('answers HEAD like GET without the body', async () => {
      const get = await raw(t.baseUrl, 'GET', `/v1/id-verifications/${reference}`, { headers: key });
      const head = await raw(t.baseUrl, 'HEAD', `/v1/id-verifications/${reference}`, { headers: key });
      expect(head.status).toBe(200);
      expect(head.text).toBe('');
      expect(head.headers['content-length']).toBe(get.headers['content-length']);
      expect(head.headers.etag).toBe(get.headers.etag);
      const medium = await raw(t.baseUrl, 'HEAD', `/v1/id-verifications/${reference}/media/front`, { headers: key });
      expect(medium).toMatchObject({ status: 200, text: '' });
      expect(medium.headers).toMatchObject({ 'content-type': 'image/jpeg', 'cache-control': 'private, no-store' });
      expect(Number(medium.headers['content-length'])).toBeGreaterThan(0);
    });

    it('tags every body with a weak ETag and answers a conditional GET or HEAD of an unchanged 2xx 304', async () => {
      const first = await raw(t.baseUrl, 'GET', `/v1/id-verifications/${reference}`, { headers: key });
      expect(first.headers.etag).toMatch(/^W\/"[0-9a-f]+-[\w+/]{27}"$/);
      for (const method of ['GET', 'HEAD']) {
        const again = await raw(t.baseUrl, method, `/v1/id-verifications/${reference}`, {
          headers: { ...key, 'If-None-Match': first.headers.etag! },
        });
        expect({
          method,
          status: again.status,
          body: again.text,
          type: again.headers['content-type'],
          length: again.headers['content-length'],
        }).toEqual({
          method,
          status: 304,
          body: '',
          type: undefined,
          length: undefined,
        });
      }
      const refused = await raw(t.baseUrl, 'GET', '/nope', { headers: { 'If-None-Match': '*' } });
      expect(refused.status).toBe(404);
      expect(refused.headers.etag).toBeDefined();
      // Media are streamed, untagged, and always sent.
      const medium = await raw(t.baseUrl, 'GET', `/v1/id-verifications/${reference}/media/front`, {
        headers: { ...key, 'If-None-Match': '*' },
      });
      expect(medium.status).toBe(200);
      expect(medium.headers.etag).toBeUndefined();
    });

    it('says charset=utf-8 on text bodies and keeps connections alive for 5 s', async () => {
      expect((await raw(t.baseUrl, 'GET', '/docs')).headers['content-type']).toBe('text/html; charset=utf-8');
      expect((await raw(t.baseUrl, 'GET', '/metrics')).headers['content-type']).toBe(
        'text/plain; version=0.0.4; charset=utf-8',
      );
      const agent = new http.Agent({ keepAlive: true });
      try {
        const res = await raw(t.baseUrl, 'GET', '/health/live', { keepAlive: agent });
        expect(res.headers).toMatchObject({ connection: 'keep-alive', 'keep-alive': 'timeout=5' });
      } finally {
        agent.destroy();
      }
    });
  });

  describe('JSON bodies', () => {
    const post = (body: string | Buffer, headers: Record<string, string | string[]> = json) =>
      raw(t.baseUrl, 'POST', '/v1/id-verifications', { headers, body });

    it('reads application/json and application/*+json, whatever the case, with a UTF-8 charset, a BOM or gzip', async () => {
      expect((await post(track())).status).toBe(201);
      expect((await post(track(), { ...key, 'Content-Type': 'Application/JSON; charset="UTF-8"' })).status).toBe(201);
      expect((await post(track(), { ...key, 'Content-Type': 'application/vnd.api+json' })).status).toBe(201);
      expect((await post(`\ufeff${track()}`)).status).toBe(201);
      expect((await post(gzipSync(track()), { ...json, 'Content-Encoding': 'gzip' })).status).toBe(201);
    });

    it('refuses a body of another type with 415 before reading it; an empty body of any type is {} (the DTO names what is missing)', async () => {
      for (const headers of [
        { ...key, 'Content-Type': 'text/plain' },
        key,
        { ...key, 'Content-Type': 'application/x-www-form-urlencoded' },
      ]) {
        expect((await post(track(), headers)).json()).toEqual({
          statusCode: 415,
          error: 'Unsupported Media Type',
          message: ['the request body must be JSON: send Content-Type: application/json'],
        });
      }
      for (const headers of [{ ...key, 'Content-Type': 'text/plain' }, key, json]) {
        const res = await post('', headers);
        expect(res.status).toBe(400);
        expect(res.json().message).toEqual([
          "reference must be a UUID (Jumio's scanReference or transactionReference)",
        ]);
      }
    });

    it('refuses what is not a JSON object or array, another charset or encoding, and a malformed Content-Type', async () => {
      for (const body of ['"text"', 'null', '42', '  ', `${track()}x`]) {
        expect({ body, reply: (await post(body)).json() }).toEqual({
          body,
          reply: { statusCode: 400, error: 'Bad Request', message: ['request body is not valid JSON'] },
        });
      }
      const encodings = [
        { ...key, 'Content-Type': 'application/json; charset=latin1' },
        { ...json, 'Content-Encoding': 'compress' },
      ];
      for (const headers of encodings) {
        expect((await post(track(), headers)).json()).toEqual({
          statusCode: 415,
          error: 'Unsupported Media Type',
          message: ['request body encoding is not supported; send UTF-8 JSON'],
        });
      }
      expect(
        (await post(gzipSync(track()).subarray(0, 10), { ...json, 'Content-Encoding': 'gzip' })).json().message,
      ).toEqual(['request body could not be read']);
      // Fastify refuses a Content-Type that is no media type before any parser (express read no body and the DTO
      // refused it): 415, in the contract's shape.
      expect((await post(track(), { ...key, 'Content-Type': 'json' })).json()).toEqual({
        statusCode: 415,
        error: 'Unsupported Media Type',
        message: ['the Content-Type header is not a valid media type (type/subtype); send application/json'],
      });
    });

    it('takes 64 KiB and refuses a byte more with 413 (on GET too); without a valid key, 401 before the body is read', async () => {
      const exact = track();
      expect((await post(exact + ' '.repeat(64 * 1024 - exact.length))).status).toBe(201);
      const over = await post(exact + ' '.repeat(64 * 1024 + 1 - exact.length));
      expect(over.json()).toEqual({
        statusCode: 413,
        error: 'Payload Too Large',
        message: ['request body exceeds 65536 bytes (64 KiB)'],
      });
      const keyless = await post(exact + ' '.repeat(64 * 1024 + 1 - exact.length), {
        'Content-Type': 'application/json',
      });
      expect(keyless.json()).toEqual({
        statusCode: 401,
        error: 'Unauthorized',
        message: ['missing or unknown API key: send Authorization: Bearer <key>'],
      });
      expect((await raw(t.baseUrl, 'GET', '/v1/events', { headers: json, body: '{' })).status).toBe(400);
    });

    it('refuses __proto__ and constructor at the top of a body DTO as unknown fields (class-transformer would drop them silently)', async () => {
      expect((await post(track(',"__proto__":{"admin":true}'))).json()).toEqual({
        statusCode: 400,
        error: 'Bad Request',
        message: ['property __proto__ should not exist'],
      });
      expect((await post(track(',"constructor":{"prototype":{}}'))).json().message).toEqual([
        'property constructor should not exist',
      ]);
      // A route without a body DTO ignores its body, as before.
      const reconcile = await raw(
        t.baseUrl,
        'POST',
        `/v1/admin/transactions/id-verifications/${randomUUID()}/reconcile`,
        {
          headers: { Authorization: `Bearer ${ADMIN_KEY}`, 'Content-Type': 'application/json' },
          body: '{"__proto__":{}}',
        },
      );
      expect(reconcile.status).toBe(404);
    });
  });

  describe('callbacks', () => {
    const form = { 'Content-Type': 'application/x-www-form-urlencoded' };
    const jumio = { ...form, 'X-Forwarded-For': '52.48.0.25' };

    it('refuses a sender outside the allowlist with 403 and Connection: close before its body arrives, on every spelling of the path', async () => {
      for (const path of [
        '/callbacks/jumio/id-verifications',
        '/CALLBACKS/jumio/ID-VERIFICATIONS',
        '/callbacks/jumio/id-verifications/',
        '/%63allbacks/jumio/id-verifications',
        '/callbacks/nope',
        '/callbacks',
      ]) {
        // Declares a megabyte and sends ten bytes: the answer cannot wait for the body.
        const res = await raw(t.baseUrl, 'POST', path, {
          headers: { ...form, 'X-Request-Id': 'refused' },
          body: 'scanRefere',
          declaredLength: 1_000_000,
        });
        expect({ path, status: res.status, connection: res.headers.connection }).toEqual({
          path,
          status: 403,
          connection: 'close',
        });
        expect(res.headers['x-request-id']).toBe('refused');
        expect(res.json().message).toEqual([
          'callbacks are accepted only from the addresses in CALLBACK_ALLOWED_SOURCES; 127.0.0.1 is not one',
        ]);
      }
    });

    it("reads an allowed sender's raw body whatever its type, up to 256 KiB", async () => {
      const big = await raw(t.baseUrl, 'POST', '/callbacks/jumio/id-verifications', {
        headers: jumio,
        body: `x=${'a'.repeat(300 * 1024)}`,
      });
      expect(big.json()).toEqual({
        statusCode: 413,
        error: 'Payload Too Large',
        message: ['request body exceeds 262144 bytes (256 KiB)'],
      });
      const asJson = await raw(t.baseUrl, 'POST', '/callbacks/jumio/id-verifications', {
        headers: { ...jumio, 'Content-Type': 'application/json' },
        body: '{',
      });
      expect(asJson.json().message).toEqual(['a Jumio callback is sent as application/x-www-form-urlencoded']);
      // A Content-Type that is no media type (Fastify would answer 415 before any route): the same 400.
      for (const type of ['json', 'form', '/x']) {
        const noType = await raw(t.baseUrl, 'POST', '/callbacks/jumio/id-verifications', {
          headers: { ...jumio, 'Content-Type': type },
          body: 'x=1',
        });
        expect({ type, reply: noType.json() }).toEqual({
          type,
          reply: {
            statusCode: 400,
            error: 'Bad Request',
            message: ['a Jumio callback is sent as application/x-www-form-urlencoded'],
          },
        });
      }
      const unknown = await raw(t.baseUrl, 'POST', '/callbacks/nope', { headers: jumio, body: 'x=1' });
      expect(unknown.json()).toEqual({ statusCode: 404, error: 'Not Found', message: ['Cannot POST /callbacks/nope'] });
    });
  });
});
