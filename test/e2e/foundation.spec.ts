import { HttpService } from '@nestjs/axios';
import axios from 'axios';
import { ADMIN_KEY, BACKEND_KEY, bearer, startTestApp, type TestApp } from '../support/test-app';

describe('request pipeline and operations', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('answers /health/live and /health/ready without a key', async () => {
    await t.http().get('/health/live').expect(200);
    const ready = await t.http().get('/health/ready').expect(200);
    expect(ready.body.info).toMatchObject({ database: { status: 'up' }, migrations: { status: 'up' } });
  });

  it("calls Jumio through an axios instance of the engine's own: axios's global defaults stay as they were", () => {
    const engineAxios = t.app.get(HttpService, { strict: false }).axiosRef;
    expect(engineAxios).not.toBe(axios);
    expect(axios.defaults.headers.common).toBeDefined();
    expect(axios.defaults.headers.post).toBeDefined();
  });

  it('serves Prometheus metrics with the engine gauges', async () => {
    const res = await t.http().get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.text).toContain('jumio_fallback_due_now');
    expect(res.text).toContain('jumio_fallback_attempts_total');
    expect(res.text).toContain('jumio_fallback_jumio_call_duration_seconds');
  });

  it('serves the OpenAPI document with the contract paths', async () => {
    await t.http().get('/docs').expect(200);
    const doc = await t.http().get('/docs/openapi.json').expect(200);
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining([
        '/v1/id-verifications',
        '/v1/id-verifications/{reference}',
        '/v1/id-verifications/{reference}/callback',
        '/v1/events',
        '/health/ready',
      ]),
    );
  });

  it('answers 401 in the contract shape without a key or with an unknown one', async () => {
    for (const headers of [{}, bearer('not-a-key'), { Authorization: 'Basic abc' }]) {
      const res = await t.http().get('/v1/events').set(headers).expect(401);
      expect(res.body).toEqual({
        statusCode: 401,
        error: 'Unauthorized',
        message: [expect.stringContaining('API key')],
      });
    }
  });

  it('accepts both scopes on transaction routes', async () => {
    await t.http().get('/v1/events').set(bearer(BACKEND_KEY)).expect(200);
    await t.http().get('/v1/events').set(bearer(ADMIN_KEY)).expect(200);
  });

  it('rejects unknown body fields, naming them', async () => {
    const res = await t
      .http()
      .post('/v1/id-verifications')
      .set(bearer(BACKEND_KEY))
      .send({ reference: '8f0c5e5a-7a1e-4c1b-9a59-3f7a2b1d0c11', surprise: 1 })
      .expect(400);
    expect(res.body.statusCode).toBe(400);
    expect(res.body.error).toBe('Bad Request');
    expect(res.body.message.join(' ')).toContain('surprise');
  });

  it('answers malformed JSON with 400 and never repeats the body', async () => {
    const res = await t
      .http()
      .post('/v1/id-verifications')
      .set(bearer(BACKEND_KEY))
      .set('Content-Type', 'application/json')
      .send('{"reference": "SECRET-VALUE", ')
      .expect(400);
    expect(res.body).toEqual({ statusCode: 400, error: 'Bad Request', message: ['request body is not valid JSON'] });
    expect(JSON.stringify(res.body)).not.toContain('SECRET-VALUE');
  });

  it('answers 413 over 64 KiB', async () => {
    const res = await t
      .http()
      .post('/v1/id-verifications')
      .set(bearer(BACKEND_KEY))
      .send({ reference: '8f0c5e5a-7a1e-4c1b-9a59-3f7a2b1d0c11', merchantReference: 'x'.repeat(70 * 1024) })
      .expect(413);
    expect(res.body.statusCode).toBe(413);
  });

  it('rejects a reference that is not a UUID without calling Jumio', async () => {
    const before = t.simulator.requests().length;
    await t.http().get('/v1/id-verifications/not-a-uuid').set(bearer(BACKEND_KEY)).expect(400);
    await t
      .http()
      .post('/v1/id-verifications/not-a-uuid/callback')
      .set(bearer(BACKEND_KEY))
      .send({ outcome: 'FAILED' })
      .expect(400);
    expect(t.simulator.requests().length).toBe(before);
  });

  it('answers 404 for an unknown kind segment', async () => {
    await t.http().post('/v1/passports').set(bearer(BACKEND_KEY)).send({}).expect(404);
  });

  it('echoes a request id', async () => {
    const res = await t.http().get('/health/live').set('X-Request-Id', 'abc-123').expect(200);
    expect(res.headers['x-request-id']).toBe('abc-123');
  });
});
