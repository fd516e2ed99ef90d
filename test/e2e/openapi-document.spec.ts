import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { OpenApiContract, type OpenApiDocument } from '../support/openapi-contract';
import { ADMIN_KEY, BACKEND_KEY, bearer, binaryParser, startTestApp, type TestApp } from '../support/test-app';

type Operation = { summary?: string; responses: Record<string, any>; parameters?: { in: string }[] };

/**
 * The served document is one a generated client can trust: every answer these tests receive through t.http() is
 * checked against it (test/support/openapi-contract.ts), and here each kind of answer is received at least once.
 */
describe('the OpenAPI document', () => {
  let t: TestApp;
  let doc: OpenApiDocument & { components: any; paths: Record<string, Record<string, Operation>> };
  let approved: string;
  beforeAll(async () => {
    t = await startTestApp();
    doc = (await t.http().get('/docs/openapi.json').expect(200)).body;
    approved = randomUUID();
    t.simulator.script({ kind: 'scan', reference: approved });
    await track(approved, { callbackGraceSeconds: 0 }).expect(201);
    t.clock.advanceSeconds(60);
    await t.scheduler.drain();
  });
  afterAll(() => t.close());

  const track = (reference: string, extra: Record<string, unknown> = {}) =>
    t
      .http()
      .post('/v1/id-verifications')
      .set(bearer(BACKEND_KEY))
      .send({ reference, acquiredAt: t.clock.now().toISOString(), ...extra });

  const operations = () =>
    Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({ path, method, operation })),
    );
  const errorRef = { $ref: '#/components/schemas/ErrorBody' };

  describe('declares', () => {
    it('an opaque bearer key, not a JWT', () => {
      expect(doc.components.securitySchemes).toEqual({
        bearer: { type: 'http', scheme: 'bearer', description: expect.stringContaining('API_KEYS') },
      });
    });

    it("each product's routes by its name, and /metrics as text", () => {
      expect(doc.paths['/v1/id-verifications'].post.summary).toBe('Track an ID Verification transaction');
      expect(doc.paths['/v1/document-verifications'].post.summary).toBe('Track a Document Verification transaction');
      expect(doc.paths['/v1/authentications'].post.summary).toBe('Track an Authentication transaction');
      expect(Object.keys(doc.paths['/metrics'].get.responses['200'].content)).toEqual([
        'text/plain; version=0.0.4; charset=utf-8',
      ]);
      expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/health/live', '/health/ready']));
    });

    it('every error with the error body; 401 and 503 on every /v1 route, 403 on the admin ones, 400/413/415 where a body is read', () => {
      for (const { path, method, operation } of operations()) {
        const statuses = Object.keys(operation.responses);
        const where = `${method.toUpperCase()} ${path}`;
        for (const status of statuses.filter((s) => Number(s) >= 400)) {
          expect({ where, status, schema: operation.responses[status].content['application/json'].schema }).toEqual({
            where,
            status,
            schema: errorRef,
          });
        }
        const expected = [
          ...(path.startsWith('/v1/') ? ['401', '503'] : []),
          ...(path.startsWith('/v1/admin/') ? ['403'] : []),
          ...(operation.parameters?.some((p) => p.in === 'path') ? ['400'] : []),
          // POST .../reconcile and .../delete-at-jumio take no body.
          ...(method === 'post' && path.startsWith('/v1/') && !/\/(reconcile|delete-at-jumio)$/.test(path)
            ? ['400', '413', '415']
            : []),
        ];
        expect({ where, statuses }).toEqual({ where, statuses: expect.arrayContaining(expected) });
      }
    });

    it('a schema for every JSON answer', () => {
      for (const { path, method, operation } of operations()) {
        for (const [status, response] of Object.entries(operation.responses)) {
          for (const [type, media] of Object.entries<any>(response.content ?? {})) {
            expect({ at: `${method} ${path} ${status} ${type}`, schema: media.schema !== undefined }).toEqual({
              at: `${method} ${path} ${status} ${type}`,
              schema: true,
            });
          }
          if (status.startsWith('2') && !response.content) throw new Error(`${method} ${path} ${status} has no body`);
        }
      }
    });
  });

  describe('matches the answers (each checked by t.http())', () => {
    it('the view of an approved scan: no reject reason (null), and its media', async () => {
      const view = (await t.http().get(`/v1/id-verifications/${approved}`).set(bearer(BACKEND_KEY)).expect(200)).body;
      expect(view.tracking.state).toBe('RETRIEVED');
      expect(view.result.verification.rejectReason).toBeNull();
      const front = await t
        .http()
        .get(`/v1/id-verifications/${approved}/media/front`)
        .set(bearer(BACKEND_KEY))
        .buffer(true)
        .parse(binaryParser as never)
        .expect(200);
      expect(front.headers['content-type']).toBe('image/jpeg');
    });

    it('the answers of the admin routes and the feed', async () => {
      await t.http().get('/v1/events?limit=5').set(bearer(BACKEND_KEY)).expect(200);
      await t.http().get('/v1/admin/stats').set(bearer(ADMIN_KEY)).expect(200);
      await t.http().get('/v1/admin/transactions?limit=2').set(bearer(ADMIN_KEY)).expect(200);
      await t
        .http()
        .get(`/v1/admin/transactions/id-verifications/${approved}/attempts`)
        .set(bearer(ADMIN_KEY))
        .expect(200);
      await t
        .http()
        .post(`/v1/admin/transactions/id-verifications/${approved}/reconcile`)
        .set(bearer(ADMIN_KEY))
        .expect(409);
      const purged = randomUUID();
      await track(purged).expect(201);
      await t
        .http()
        .delete(`/v1/admin/transactions/id-verifications/${purged}/personal-data`)
        .set(bearer(ADMIN_KEY))
        .expect(200);
    });

    it('401, 403, 400, 404, 409, 413 and 415', async () => {
      await t.http().get('/v1/events').expect(401);
      await t.http().get('/v1/admin/stats').set(bearer(BACKEND_KEY)).expect(403);
      await t.http().get('/v1/id-verifications/not-a-uuid').set(bearer(BACKEND_KEY)).expect(400);
      await t.http().get(`/v1/id-verifications/${randomUUID()}`).set(bearer(BACKEND_KEY)).expect(404);
      await track(approved, { merchantReference: 'another' }).expect(409);
      const post = (type: string, body: string) =>
        t.http().post('/v1/id-verifications').set(bearer(BACKEND_KEY)).set('Content-Type', type).send(body);
      await post('application/json', `{"reference":"${'x'.repeat(64 * 1024)}"}`).expect(413);
      await post('application/json; charset=latin1', `{"reference":"${randomUUID()}"}`).expect(415);
      await t.http().get('/nowhere').expect(404);
    });

    it('health, readiness (also when migrations are missing: 503 with the error body) and metrics', async () => {
      await t.http().get('/health/live').expect(200);
      await t.http().get('/health/ready').expect(200);
      await t.dataSource.query('ALTER TABLE typeorm_migrations RENAME TO typeorm_migrations_away');
      try {
        await t.http().get('/health/ready').expect(503);
      } finally {
        await t.dataSource.query('ALTER TABLE typeorm_migrations_away RENAME TO typeorm_migrations');
      }
      await t.http().get('/metrics').expect(200);
    });
  });

  describe('the check', () => {
    it('fails an answer that does not match, naming the route, the status and what is wrong', () => {
      const contract = new OpenApiContract(doc);
      const json = { 'content-type': 'application/json; charset=utf-8' };
      const path = `/v1/id-verifications/${approved}`;
      expect(contract.problem('GET', path, { status: 200, headers: json, body: { kind: 'id-verifications' } })).toMatch(
        /^GET \/v1\/id-verifications\/\{reference\} answered 200: body must have required property 'reference'/,
      );
      expect(contract.problem('GET', path, { status: 418, headers: json, body: {} })).toMatch(
        /^GET \/v1\/id-verifications\/\{reference\} answered 418, which the document does not declare/,
      );
      expect(contract.problem('GET', `${path}/media/front`, { status: 200, headers: json, body: {} })).toMatch(
        /answered 200 with application\/json; the document declares image\/jpeg/,
      );
      expect(contract.problem('GET', '/undocumented', { status: 200, headers: json, body: {} })).toMatch(
        /has no such route/,
      );
    });

    it('fails the request that got an answer its document does not describe', async () => {
      const wrong = structuredClone(doc);
      wrong.components.schemas.TrackingBlockDto.properties.attempts = { type: 'string' };
      const contract = new OpenApiContract(wrong);
      const answer = contract
        .watch(request(t.app.getHttpServer()).get(`/v1/id-verifications/${approved}`))
        .set(bearer(BACKEND_KEY));
      await expect(answer).rejects.toThrow(
        /^OpenAPI: GET \/v1\/id-verifications\/\{reference\} answered 200: body\/tracking\/attempts must be string/,
      );
    });
  });
});
