import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { CallbackProcessor } from '../../src/engine/callbacks/callback-processor';
import { callbackFields } from '../../src/simulator/jumio-simulator';
import { planFromScript, validateScript } from '../../src/simulator/simulator-scripts';
import { UNREADABLE_TIMESTAMPS } from '../support/hostile-values';
import { linesWithPersonalValues, personalValuesHeld } from '../support/log-check';
import { ADMIN_KEY, BACKEND_KEY, bearer, startTestApp, type TestApp } from '../support/test-app';

/**
 * Issue 20's reproductions, one by one: what an attacker sent the sandbox and got a 500 for (or got through), now
 * refused at the door with a 400, 413 or 415 in the contract's shape, or, for a callback, stored and set aside
 * where an operator sees it. Personal values sent along are looked for in every line the service logged.
 */

/** Sent as customerReference and merchantReference with every request below: never to be found in the log. */
const CUSTOMER = 'cust-secret-7f3a91';
const MERCHANT = 'order-secret-c42d17';
const KINDS = ['id-verifications', 'document-verifications', 'authentications'] as const;

const json = { ...bearer(BACKEND_KEY), 'Content-Type': 'application/json' };

/** One request over its own socket, bytes as given; the whole answer as text (status line, headers, body). */
function rawExchange(port: number, bytes: string | Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(bytes));
    let answer = '';
    socket.on('data', (c: Buffer) => (answer += c.toString('utf8')));
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
    socket.setTimeout(5_000, () => socket.destroy(new Error('no answer within 5 s')));
  });
}

function statusAndBody(answer: string): { status: number; body: unknown; head: string } {
  const [head, ...rest] = answer.split('\r\n\r\n');
  return { status: Number(head.split(' ')[1]), body: JSON.parse(rest.join('\r\n\r\n')), head };
}

describe('hostile input (issue 20): every reproduction answered as the contract says', () => {
  let t: TestApp;
  let port: number;
  beforeAll(async () => {
    t = await startTestApp({ env: { CALLBACK_ALLOWED_SOURCES: '127.0.0.1,::1' } });
    port = Number(new URL(t.baseUrl).port);
  });
  afterAll(() => t.close());

  const track = (body: object) => t.http().post('/v1/id-verifications').set(json).send(JSON.stringify(body));
  const tracked = async (extra: object = {}) => {
    const reference = randomUUID();
    await track({ reference, callbackGraceSeconds: 600, ...extra }).expect(201);
    return reference;
  };
  /** The callback the simulator would send for a transaction of its, to be altered by a test. */
  const fieldsOf = (kind: 'scan' | 'authentication', reference: string) =>
    callbackFields(planFromScript(validateScript({ kind, reference })), t.simulator.url, t.clock.now());
  const postCallback = (kind: string, fields: Record<string, string>) =>
    t
      .http()
      .post(`/callbacks/jumio/${kind}`)
      .set('Content-Type', 'application/x-www-form-urlencoded')
      .send(new URLSearchParams(fields).toString());
  /** POST /v1/id-verifications with these exact bytes as a JSON body. */
  const postBytes = async (bytes: Buffer) => {
    const res = await fetch(`${t.baseUrl}/v1/id-verifications`, { method: 'POST', headers: json, body: bytes });
    return { status: res.status, body: (await res.json()) as unknown };
  };
  const expectRefusal = (res: { status: number; body: unknown }, status: number, message: string[]) =>
    expect({ status: res.status, body: res.body }).toEqual({
      status,
      body: { statusCode: status, error: expect.any(String), message },
    });

  describe('1. timestamps: RFC 3339 with a zone, within range, or a 400 naming the field', () => {
    const UNREADABLE = UNREADABLE_TIMESTAMPS;

    it.each(UNREADABLE)('acquiredAt %s: 400, nothing tracked', async (acquiredAt) => {
      const reference = randomUUID();
      const res = await track({ reference, acquiredAt, customerReference: CUSTOMER, merchantReference: MERCHANT });
      expectRefusal(res, 400, [
        'acquiredAt must be an ISO-8601 timestamp with a zone (RFC 3339), such as 2026-11-26T10:15:00.000Z',
      ]);
      await t.http().get(`/v1/id-verifications/${reference}`).set(json).expect(404);
    });

    it.each(UNREADABLE)(
      'receivedAt %s: 400, on a transaction whose callback is known already too',
      async (receivedAt) => {
        const reference = await tracked();
        const report = (body: object) =>
          t.http().post(`/v1/id-verifications/${reference}/callback`).set(json).send(JSON.stringify(body));
        await report({ outcome: 'RECEIVED' }).expect(200);
        const before = (await t.http().get(`/v1/id-verifications/${reference}`).set(json).expect(200)).body;
        expectRefusal(await report({ outcome: 'RECEIVED', receivedAt }), 400, [
          'receivedAt must be an ISO-8601 timestamp with a zone (RFC 3339), such as 2026-11-26T10:15:00.000Z',
        ]);
        expect((await t.http().get(`/v1/id-verifications/${reference}`).set(json).expect(200)).body).toEqual(before);
      },
    );

    it('receivedAt has the range acquiredAt has: not before 2000, not more than 60 s ahead', async () => {
      const reference = await tracked();
      const report = (receivedAt: string) =>
        t
          .http()
          .post(`/v1/id-verifications/${reference}/callback`)
          .set(json)
          .send(JSON.stringify({ outcome: 'RECEIVED', receivedAt }));
      expectRefusal(await report('9999-01-01T00:00:00Z'), 400, [
        'receivedAt must not be more than 60 seconds in the future',
      ]);
      expectRefusal(await report('1970-01-01T00:00:00Z'), 400, [
        'receivedAt must be from 2000-01-01T00:00:00.000Z to 9999-12-31T23:59:59.999Z',
      ]);
      const ok = await report(new Date(t.clock.now().getTime() + 30_000).toISOString().replace('Z', '+00:00')).expect(
        200,
      );
      expect(ok.body.tracking.callbackReceivedAt).toBe(new Date(t.clock.now().getTime() + 30_000).toISOString());
    });

    it('an offset is applied, not dropped: 10:45+01:00 is 09:45Z', async () => {
      const reference = randomUUID();
      const res = await track({ reference, acquiredAt: '2026-11-26T10:45:00+01:00' }).expect(201);
      expect(res.body.acquiredAt).toBe('2026-11-26T09:45:00.000Z');
    });

    it('the admin search reads createdFrom and createdTo the same way', async () => {
      const list = (query: string) => t.http().get(`/v1/admin/transactions?${query}`).set(bearer(ADMIN_KEY));
      expectRefusal(await list('createdFrom=2026-W48-4'), 400, [
        'createdFrom must be an ISO-8601 timestamp with a zone (RFC 3339), such as 2026-11-26T10:15:00.000Z',
      ]);
      expectRefusal(await list('createdTo=0001-01-01T00:00:00Z'), 400, [
        'createdTo must be from 2000-01-01T00:00:00.000Z to 9999-12-31T23:59:59.999Z',
      ]);
      await list('createdFrom=2026-11-26T09:00:00%2B01:00').expect(200);
    });
  });

  describe('2. logs: no SQL parameters, no request values', () => {
    it('a statement PostgreSQL refuses is logged by its text and SQLSTATE, without the personal values it carried', async () => {
      const failure = await t.dataSource
        .query(`SELECT $1::timestamptz AS at, $2::text AS customer`, [`${CUSTOMER} garbage`, MERCHANT])
        .catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(Error);
      const before = t.logs().length;
      new Logger('HostileInputTest').error({ err: failure }, 'unhandled error');
      const line = t
        .logs()
        .slice(before)
        .find((l) => l.includes('HostileInputTest'));
      expect(line).toBeDefined();
      expect(JSON.parse(line!).err).toMatchObject({
        type: 'QueryFailedError',
        code: '22007',
        message: 'invalid input syntax for type timestamp with time zone: [value not logged]',
        query: 'SELECT $1::timestamptz AS at, $2::text AS customer',
      });
      expect(line).not.toContain(CUSTOMER);
      expect(line).not.toContain(MERCHANT);
    });
  });

  describe('3. nesting: too deep is a 400 at the door; a callback is stored and set aside where operators see it', () => {
    const deepObject = `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`;
    const deepArray = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;

    it('10,000 levels of objects or arrays on every JSON route: 400 before anything parses it', async () => {
      const reference = await tracked();
      const routes = [
        ...KINDS.map((kind) => ['POST', `/v1/${kind}`]),
        ...KINDS.map((kind) => ['POST', `/v1/${kind}/${reference}/callback`]),
        ['GET', `/v1/id-verifications/${reference}`],
        ['GET', '/v1/events'],
        ['POST', `/v1/admin/transactions/id-verifications/${reference}/reconcile`],
      ];
      for (const [method, path] of routes) {
        for (const body of [deepObject, deepArray]) {
          const request = method === 'GET' ? t.http().get(path) : t.http().post(path);
          const res = await request.set({ ...json, ...bearer(ADMIN_KEY) }).send(body);
          expectRefusal(res, 400, ['request body nests JSON deeper than 32 levels']);
        }
      }
      // 32 levels are read (and refused by the DTO as what they are: not the fields it wants).
      const res = await t
        .http()
        .post('/v1/id-verifications')
        .set(json)
        .send(`${'['.repeat(32)}${']'.repeat(32)}`);
      expect(res.status).toBe(400);
      expect(res.body.message).not.toEqual(['request body nests JSON deeper than 32 levels']);
    });

    it('200 deep bodies at once are all refused and the service stays live', async () => {
      const answers = await Promise.all(
        Array.from({ length: 200 }, () => t.http().post('/v1/id-verifications').set(json).send(deepObject)),
      );
      expect(new Set(answers.map((a) => a.status))).toEqual(new Set([400]));
      await t.http().get('/health/live').expect(200);
    });

    it('a callback whose idAddress is 12,000 levels deep: 200, stored, set aside as MALFORMED (gauge, admin stats), and reconciliation takes over', async () => {
      const reference = await tracked();
      t.simulator.script({ kind: 'scan', reference });
      const fields = fieldsOf('scan', reference);
      fields.idAddress = `${'{"a":'.repeat(12_000)}1${'}'.repeat(12_000)}`;
      await postCallback('id-verifications', fields).expect(200);
      await t.app.get(CallbackProcessor).drain();
      const [stored] = await t.dataSource.query(
        `SELECT outcome, error, failures, processed_at IS NOT NULL AS processed, body IS NOT NULL AS holds_body
           FROM jumio_callback WHERE reference = $1`,
        [reference],
      );
      expect(stored).toEqual({
        outcome: 'MALFORMED',
        error: 'ID verification callback: idAddress nests JSON deeper than 64 levels',
        failures: 0,
        processed: true,
        holds_body: true,
      });
      const view = (await t.http().get(`/v1/id-verifications/${reference}`).set(json).expect(200)).body;
      expect(view.tracking).toMatchObject({
        state: 'RECONCILING',
        lastError:
          "Jumio's callback could not be read: ID verification callback: idAddress nests JSON deeper than 64 levels",
      });
      const stats = (await t.http().get('/v1/admin/stats').set(bearer(ADMIN_KEY)).expect(200)).body;
      expect(stats.callbacks).toEqual({ malformed: 1, failing: 0, oldestFailingReceivedAt: null });
      const metrics = (await t.http().get('/metrics').expect(200)).text;
      expect(metrics).toContain('jumio_fallback_callbacks_set_aside{reason="MALFORMED"} 1');
      expect(metrics).toContain('jumio_fallback_callbacks_set_aside{reason="PROCESSING_FAILED"} 0');
      // The Retrieval API fills the view instead.
      t.clock.advanceSeconds(60);
      await t.scheduler.drain();
      expect((await t.http().get(`/v1/id-verifications/${reference}`).set(json).expect(200)).body.tracking.state).toBe(
        'RETRIEVED',
      );
    });

    it('a callback whose processing keeps failing for a reason of ours is counted, with since when', async () => {
      const reference = randomUUID();
      const fields = fieldsOf('authentication', reference);
      // Stored, then failing: the processor is kept from it by a lock held elsewhere, and a failure recorded as the
      // processor records one (CallbackInbox.recordFailure).
      await postCallback('authentications', fields).expect(200);
      await t.dataSource.query(
        `UPDATE jumio_callback SET processed_at = NULL, outcome = NULL, failures = 3, next_try_at = now() + interval '1 hour'
          WHERE reference = $1`,
        [reference],
      );
      const [{ received_at: receivedAt }] = await t.dataSource.query(
        `SELECT received_at FROM jumio_callback WHERE reference = $1`,
        [reference],
      );
      const stats = (await t.http().get('/v1/admin/stats').set(bearer(ADMIN_KEY)).expect(200)).body;
      expect(stats.callbacks).toEqual({
        malformed: 1,
        failing: 1,
        oldestFailingReceivedAt: new Date(receivedAt).toISOString(),
      });
      expect((await t.http().get('/metrics').expect(200)).text).toContain(
        'jumio_fallback_callbacks_set_aside{reason="PROCESSING_FAILED"} 1',
      );
      await t.dataSource.query(`DELETE FROM jumio_callback WHERE reference = $1`, [reference]);
    });

    it('NUL or a lone surrogate in what a callback names as its references leaves them out instead of failing the insert', async () => {
      const reference = randomUUID();
      t.simulator.script({ kind: 'scan', reference });
      const fields = fieldsOf('scan', reference);
      fields.merchantIdScanReference = 'order\u0000-1';
      fields.customerId = 'user-\ud800';
      await postCallback('id-verifications', fields).expect(200);
      await t.app.get(CallbackProcessor).drain();
      const [stored] = await t.dataSource.query(`SELECT outcome, failures FROM jumio_callback WHERE reference = $1`, [
        reference,
      ]);
      expect(stored).toEqual({ outcome: 'APPLIED', failures: 0 });
      const view = (await t.http().get(`/v1/id-verifications/${reference}`).set(json).expect(200)).body;
      expect(view).toMatchObject({ merchantReference: null, status: 'DONE', tracking: { state: 'CALLBACK_RECEIVED' } });
    });
  });

  describe('4. path parameters and query values are checked before any query', () => {
    it('a NUL in a medium name, a reference or a query value is a 400 naming it', async () => {
      const reference = await tracked();
      expectRefusal(await t.http().get(`/v1/id-verifications/${reference}/media/front%00`).set(json), 400, [
        'name must not contain NUL characters',
      ]);
      expectRefusal(await t.http().get(`/v1/events?after=%00`).set(json), 400, [
        'after must not contain NUL characters',
      ]);
      expectRefusal(await t.http().get(`/v1/admin/transactions?customerReference=a%00b`).set(bearer(ADMIN_KEY)), 400, [
        'customerReference must not contain NUL characters',
      ]);
      expectRefusal(await t.http().get(`/v1/admin/transactions?cursor=%00`).set(bearer(ADMIN_KEY)), 400, [
        'cursor must not contain NUL characters',
      ]);
    });

    it('a query string that is not percent-encoded UTF-8 is a 400, not a search for U+FFFD', async () => {
      for (const query of ['customerReference=%ff', 'customerReference=%e2%82', 'merchantReference=%zz', '%c0=1'])
        expectRefusal(await t.http().get(`/v1/admin/transactions?${query}`).set(bearer(ADMIN_KEY)), 400, [
          'the query string is not valid percent-encoded UTF-8',
        ]);
      await t.http().get(`/v1/admin/transactions?customerReference=caf%C3%A9+1`).set(bearer(ADMIN_KEY)).expect(200);
    });
  });

  describe('6. the lesser ones', () => {
    it.each(['toString', 'hasOwnProperty', 'valueOf', '__defineGetter__', 'prototype', 'isPrototypeOf', '__proto__'])(
      'a body key %s is an unknown field like any other: 400',
      async (key) => {
        const res = await t
          .http()
          .post('/v1/id-verifications')
          .set(json)
          .send(`{"reference":"${randomUUID()}","${key}":1}`);
        expectRefusal(res, 400, [`property ${key} should not exist`]);
      },
    );

    it('query keys toString and __proto__ are unknown parameters like any other: 400', async () => {
      expectRefusal(await t.http().get('/v1/events?toString=1').set(json), 400, ['property toString should not exist']);
      expectRefusal(await t.http().get('/v1/events?__proto__=x').set(json), 400, [
        'property __proto__ should not exist',
      ]);
      expectRefusal(await t.http().get('/v1/admin/transactions?valueOf=1').set(bearer(ADMIN_KEY)), 400, [
        'property valueOf should not exist',
      ]);
    });

    it('only UTF-8 JSON: another charset is 415, invalid UTF-8 and lone surrogates are 400, nothing is stored as U+FFFD', async () => {
      const reference = randomUUID();
      const body = `{"reference":"${reference}","merchantReference":"+ADw-img+AD4-"}`;
      for (const charset of ['utf-7', 'utf-16', 'utf-16le', 'latin1', 'us-ascii'])
        expectRefusal(
          await t
            .http()
            .post('/v1/id-verifications')
            .set({ ...json, 'Content-Type': `application/json; charset=${charset}` })
            .send(body),
          415,
          ['request body encoding is not supported; send UTF-8 JSON'],
        );
      const utf16 = Buffer.from(`\ufeff${body}`, 'utf16le');
      expectRefusal(await postBytes(utf16), 400, ['request body is not valid UTF-8']);
      const invalid = Buffer.concat([
        Buffer.from(`{"reference":"${reference}","merchantReference":"ab`),
        Buffer.from([0xff]),
        Buffer.from('c"}'),
      ]);
      expectRefusal(await postBytes(invalid), 400, ['request body is not valid UTF-8']);
      expectRefusal(
        await t
          .http()
          .post('/v1/id-verifications')
          .set(json)
          .send(`{"reference":"${reference}","customerReference":"ab\\ud800c"}`),
        400,
        [
          'customerReference holds an unpaired UTF-16 surrogate (a \\uD800-\\uDFFF escape without its pair); send valid Unicode',
        ],
      );
      await t.http().get(`/v1/id-verifications/${reference}`).set(json).expect(404);
      // A surrogate pair (an emoji) is valid Unicode.
      const emoji = await track({ reference, merchantReference: 'order-\ud83d\ude00' }).expect(201);
      expect(emoji.body.merchantReference).toBe('order-😀');
    });

    it('a body of another type is 415 before it is read', async () => {
      expectRefusal(
        await t
          .http()
          .post('/v1/id-verifications')
          .set({ ...bearer(BACKEND_KEY), 'Content-Type': 'text/plain' })
          .send(`{"reference":"${randomUUID()}"}`),
        415,
        ['the request body must be JSON: send Content-Type: application/json'],
      );
    });

    it('60 KB of unknown fields: the answer lists 20 messages, not thousands', async () => {
      const fields = Object.fromEntries(Array.from({ length: 6200 }, (_, i) => [`f${i}`, 1]));
      const body = JSON.stringify({ reference: randomUUID(), ...fields });
      expect(body.length).toBeGreaterThan(60_000);
      expect(body.length).toBeLessThan(64 * 1024);
      const res = await t.http().post('/v1/id-verifications').set(json).send(body).expect(400);
      expect(res.body.message).toHaveLength(20);
      expect(res.body.message[19]).toBe('... and 6181 more problems of the same request');
      expect(JSON.stringify(res.body).length).toBeLessThan(2_000);
    });

    it('an unknown field named by 60 KB of text is quoted in 300 characters at most', async () => {
      const res = await t
        .http()
        .post('/v1/id-verifications')
        .set(json)
        .send(JSON.stringify({ reference: randomUUID(), ['k'.repeat(60_000)]: 1 }))
        .expect(400);
      expect(res.body.message[0].length).toBeLessThanOrEqual(300);
      expect(res.body.message[0]).toMatch(/^property k+…$/);
    });

    it('connection-level errors, and a request without Host, are answered in the contract shape', async () => {
      const cases: [string, number, string][] = [
        ['GET /health/live HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n', 400, 'HPE_INVALID_CONTENT_LENGTH'],
        ['BLAH / HTTP/1.1\r\nHost: x\r\n\r\n', 400, 'HPE_INVALID_METHOD'],
        [`GET /health/live HTTP/1.1\r\nHost: x\r\nX: ${'a'.repeat(20_000)}\r\n\r\n`, 431, 'exceeds 16 KiB'],
        ['GET /health/live HTTP/1.1\r\n\r\n', 400, 'no Host header'],
        ['GET /v1/events HTTP/1.1\r\n\r\n', 400, 'no Host header'],
      ];
      for (const [request, status, fragment] of cases) {
        const { status: got, body, head } = statusAndBody(await rawExchange(port, request));
        expect({ request: request.slice(0, 40), got, body }).toEqual({
          request: request.slice(0, 40),
          got: status,
          body: { statusCode: status, error: expect.any(String), message: [expect.stringContaining(fragment)] },
        });
        expect(head.toLowerCase()).toContain('connection: close');
      }
    });
  });

  it('5. without a valid key, a /v1 request is answered 401 before its body is read, and its connection closed', async () => {
    // The head announces 60,000 bytes, one is sent: the answer comes at once; the server drops what else comes for
    // a moment (REFUSED_BODY_LINGER_MS), then closes the connection (rawExchange resolves on that close).
    const answer = await rawExchange(
      port,
      'POST /v1/id-verifications HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 60000\r\n\r\n{',
    );
    const { status, body } = statusAndBody(answer);
    expect({ status, body }).toEqual({
      status: 401,
      body: {
        statusCode: 401,
        error: 'Unauthorized',
        message: ['missing or unknown API key: send Authorization: Bearer <key>'],
      },
    });
    // A client that is still uploading when the 401 comes reads it (the rest is dropped, not answered with a reset).
    const uploads = await Promise.all(
      Array.from({ length: 100 }, () =>
        fetch(`${t.baseUrl}/v1/id-verifications`, {
          method: 'POST',
          headers: { Authorization: 'Bearer a-wrong-key', 'Content-Type': 'application/json' },
          body: JSON.stringify({ reference: randomUUID(), merchantReference: 'x'.repeat(60_000) }),
        }).then((r) => r.status),
      ),
    );
    expect(new Set(uploads)).toEqual(new Set([401]));
    // An unknown path under /v1 needs a key as well: a caller without one learns nothing of the routes.
    await t.http().get('/v1/no-such-route').expect(401);
    await t.http().get('/v1/no-such-route').set(json).expect(404);
  });

  it('no line the service logged holds a personal value sent or served (the check is shown to find one)', async () => {
    const personal = await personalValuesHeld(t.dataSource, t.simulator.url);
    const all = [...personal, CUSTOMER, MERCHANT];
    expect(all.some((v) => v.startsWith('JANE-'))).toBe(true);
    expect(t.logs().length).toBeGreaterThan(100);
    expect(linesWithPersonalValues(t.logs(), all)).toEqual([]);
    // Control: a line that does hold one is found.
    expect(linesWithPersonalValues([...t.logs(), `{"msg":"${MERCHANT}"}`], all)).toHaveLength(1);
  });
});
