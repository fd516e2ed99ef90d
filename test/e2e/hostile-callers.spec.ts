import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { ADMIN_KEY, BACKEND_KEY, bearer, startTestApp, type TestApp } from '../support/test-app';

const KINDS = ['id-verifications', 'document-verifications', 'authentications'] as const;
const SIM_KIND = {
  'id-verifications': 'scan',
  'document-verifications': 'document',
  authentications: 'authentication',
} as const;
const FIRST_MEDIUM = {
  'id-verifications': 'front',
  'document-verifications': 'page-1',
  authentications: 'face',
} as const;

interface Route {
  method: 'get' | 'post' | 'delete';
  path: string;
  admin: boolean;
}

/**
 * Every /v1 route, read from the service's own OpenAPI document (so a new route is covered the day it is added),
 * called by callers who should not get in and by callers who send garbage.
 */
describe('hostile callers', () => {
  let t: TestApp;
  let routes: Route[];
  const fixture: Record<string, { retrieved: string; awaiting: string }> = {};

  beforeAll(async () => {
    t = await startTestApp();
    const doc = (await t.http().get('/docs/openapi.json').expect(200)).body as {
      paths: Record<string, Record<string, unknown>>;
    };
    routes = Object.entries(doc.paths)
      .filter(([path]) => path.startsWith('/v1/'))
      .flatMap(([path, ops]) =>
        Object.keys(ops).map((method) => ({
          method: method as Route['method'],
          path,
          admin: path.startsWith('/v1/admin'),
        })),
      );
    for (const kind of KINDS) {
      const retrieved = randomUUID();
      const awaiting = randomUUID();
      t.simulator.script({ kind: SIM_KIND[kind], reference: retrieved, pages: [1] });
      for (const reference of [retrieved, awaiting]) {
        await t
          .http()
          .post(`/v1/${kind}`)
          .set(bearer(BACKEND_KEY))
          .send({
            reference,
            acquiredAt: t.clock.now().toISOString(),
            callbackGraceSeconds: reference === retrieved ? 0 : 86400,
          })
          .expect(201);
      }
      fixture[kind] = { retrieved, awaiting };
    }
    t.clock.advanceSeconds(60);
    await t.scheduler.drain();
  });
  afterAll(() => t.close());

  /** A concrete request for a route, built so that the right key gets a 2xx. */
  function concrete(route: Route, kind: (typeof KINDS)[number]) {
    const f = fixture[kind];
    // Routes that change the transaction work on the one still waiting, so the retrieved one keeps its media.
    const usesAwaiting =
      /reconcile$/.test(route.path) ||
      /personal-data$/.test(route.path) ||
      (/\{reference\}$/.test(route.path) && route.method === 'post');
    const path = route.path
      .replace('{kind}', kind)
      .replace(/^\/v1\/(id-verifications|document-verifications|authentications)/, `/v1/${kind}`)
      .replace('{reference}', usesAwaiting ? f.awaiting : f.retrieved)
      .replace('{name}', FIRST_MEDIUM[kind]);
    let body: unknown;
    if (route.method === 'post' && path === `/v1/${kind}`) body = { reference: randomUUID() };
    if (route.path.endsWith('/callback')) body = { outcome: 'RECEIVED' };
    if (route.path.endsWith('/batch')) body = { items: [{ reference: randomUUID() }] };
    return { path, body };
  }

  function call(method: Route['method'], path: string, headers: Record<string, string>, body?: unknown) {
    const req = t.http()[method](path).set(headers);
    return body === undefined ? req : req.send(body as object);
  }

  it('finds every route of the contract in the OpenAPI document', () => {
    const paths = routes.map((r) => `${r.method.toUpperCase()} ${r.path}`);
    for (const kind of KINDS) {
      expect(paths).toEqual(
        expect.arrayContaining([
          `POST /v1/${kind}`,
          `POST /v1/${kind}/batch`,
          `GET /v1/${kind}/{reference}`,
          `POST /v1/${kind}/{reference}/callback`,
          `GET /v1/${kind}/{reference}/media/{name}`,
        ]),
      );
    }
    expect(paths).toEqual(expect.arrayContaining(['GET /v1/events', 'GET /v1/admin/stats']));
  });

  it('authorization matrix: no key 401, wrong key 401, a key without the scope 403, the right key 2xx', async () => {
    const outcomes: string[] = [];
    for (const route of routes) {
      const { path, body } = concrete(route, 'id-verifications');
      const label = `${route.method.toUpperCase()} ${route.path}`;
      const noKey = await call(route.method, path, {}, body);
      const wrongKey = await call(route.method, path, bearer('not-a-configured-key'), body);
      outcomes.push(`${label} none:${noKey.status} wrong:${wrongKey.status}`);
      expect({ label, status: noKey.status }).toEqual({ label, status: 401 });
      expect({ label, status: wrongKey.status }).toEqual({ label, status: 401 });
      if (route.admin) {
        const tooWeak = await call(route.method, path, bearer(BACKEND_KEY), body);
        expect({ label, status: tooWeak.status, shape: tooWeak.body.statusCode }).toEqual({
          label,
          status: 403,
          shape: 403,
        });
      }
      const right = await call(route.method, path, bearer(route.admin ? ADMIN_KEY : BACKEND_KEY), body);
      expect({ label, ok: right.status >= 200 && right.status < 300 }).toEqual({ label, ok: true });
      if (!route.admin) {
        const admin = await call(
          route.method,
          path.replace(/\/callback$/, '/callback'),
          bearer(ADMIN_KEY),
          route.method === 'post' && path === '/v1/id-verifications' ? { reference: randomUUID() } : body,
        );
        expect({ label, adminOk: admin.status < 300 }).toEqual({ label, adminOk: true });
      }
    }
    expect(outcomes.length).toBeGreaterThanOrEqual(14);
  });

  async function snapshot(): Promise<string> {
    const rows = await t.dataSource.query(
      `SELECT (SELECT md5(string_agg(t::text, '|' ORDER BY id)) FROM tracked_transaction t) AS transactions,
              (SELECT count(*) FROM change_event) AS events,
              (SELECT count(*) FROM stored_medium) AS media,
              (SELECT count(*) FROM jumio_call) AS calls`,
    );
    return JSON.stringify(rows[0]);
  }

  const injection = fc.constantFrom(
    "' OR 1=1 --",
    '"; DROP TABLE tracked_transaction; --',
    '${jndi:ldap://x}',
    '<script>alert(1)</script>',
    '../../etc/passwd',
    '%00',
    '\u0000',
    '{{7*7}}',
    'NaN',
    '-1',
  );
  const junkString = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.string({ minLength: 300, maxLength: 3000 }),
    injection,
    fc.string({ unit: 'binary', maxLength: 30 }),
  );
  const junkValue = fc.oneof(
    junkString,
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(fc.string(), { maxLength: 3 }),
    fc.object({ maxDepth: 2 }),
  );
  const notUuid = fc.oneof(
    junkString.filter((s) => !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s)),
    fc.constant('8f0c5e5a-7a1e-4c1b-9a59-3f7a2b1d0c1'),
    fc.constant('8f0c5e5a7a1e4c1b9a593f7a2b1d0c11x'),
  );

  /** Bodies that must be refused: every one breaks at least one rule of the DTO. */
  const badTrackBody = fc.oneof(
    fc.record({ reference: notUuid }),
    fc.record({
      reference: fc.uuid(),
      datacenter: junkValue.filter((v) => !['US', 'EU', 'SGP'].includes(v as string)),
    }),
    fc.record({
      reference: fc.uuid(),
      callbackGraceSeconds: fc.oneof(
        fc.integer({ min: 86401 }),
        fc.integer({ max: -1 }),
        fc.double({ noInteger: true }),
        junkString,
      ),
    }),
    fc.record({
      reference: fc.uuid(),
      merchantReference: fc.oneof(fc.string({ minLength: 256, maxLength: 2000 }), fc.integer(), fc.object()),
    }),
    fc.record({
      reference: fc.uuid(),
      customerReference: fc
        .tuple(fc.string({ maxLength: 10 }), fc.string({ maxLength: 10 }))
        .map(([a, b]) => `${a}\u0000${b}`),
    }),
    fc.record({
      reference: fc.uuid(),
      acquiredAt: fc.oneof(junkString, fc.integer(), fc.constant('2999-01-01T00:00:00Z')),
    }),
    fc.record({ reference: fc.uuid(), [`x${Math.random().toString(36).slice(2, 6)}`]: junkValue }),
    fc
      .tuple(
        fc.uuid(),
        fc
          .string({ minLength: 1, maxLength: 20 })
          .filter(
            (k) =>
              ![
                'reference',
                'acquiredAt',
                'datacenter',
                'merchantReference',
                'customerReference',
                'callbackGraceSeconds',
                '__proto__',
              ].includes(k),
          ),
        junkValue,
      )
      .map(([reference, key, value]) => ({ reference, [key]: value })),
    junkValue.filter((v) => typeof v !== 'object' || v === null || Array.isArray(v)),
  );
  const badCallbackBody = fc.oneof(
    fc.record({ outcome: junkValue.filter((v) => v !== 'RECEIVED' && v !== 'FAILED') }),
    fc.record({ outcome: fc.constantFrom('RECEIVED', 'FAILED'), receivedAt: junkString }),
    fc.record({ outcome: fc.constantFrom('RECEIVED', 'FAILED'), extra: junkValue }),
  );
  const brokenJson = fc.oneof(
    fc.constant('{"reference": '),
    fc.constant('{'),
    fc.constant('[1,2'),
    fc.string({ maxLength: 50 }).map((s) => `{${s}`),
    fc.constant('{"a":'.repeat(200)),
  );

  it('fuzz: garbage on every /v1 route gets a 4xx in the contract shape, never a 5xx, and changes nothing', async () => {
    const before = await snapshot();
    const kind = fc.constantFrom(...KINDS);
    const request = fc.oneof(
      fc.record({ kind, body: badTrackBody }).map(({ kind: k, body }) => ({
        method: 'post' as const,
        path: `/v1/${k}`,
        body,
        raw: undefined as string | undefined,
      })),
      fc
        .record({ kind, body: badCallbackBody, ref: fc.constantFrom('retrieved', 'awaiting') })
        .map(({ kind: k, body, ref }) => ({
          method: 'post' as const,
          path: `/v1/${k}/${fixture[k][ref as 'retrieved']}/callback`,
          body,
          raw: undefined,
        })),
      fc.record({ kind, ref: notUuid }).map(({ kind: k, ref }) => ({
        method: 'get' as const,
        path: `/v1/${k}/${encodeURIComponent(ref)}`,
        body: undefined,
        raw: undefined,
      })),
      fc.record({ kind, ref: notUuid, name: junkString }).map(({ kind: k, ref, name }) => ({
        method: 'get' as const,
        path: `/v1/${k}/${encodeURIComponent(ref)}/media/${encodeURIComponent(name || 'x')}`,
        body: undefined,
        raw: undefined,
      })),
      fc
        .record({ kind, json: brokenJson })
        .map(({ kind: k, json }) => ({ method: 'post' as const, path: `/v1/${k}`, body: undefined, raw: json })),
      fc.record({ after: junkString, limit: junkValue }).map(({ after, limit }) => ({
        method: 'get' as const,
        path: `/v1/events?after=${encodeURIComponent(after || '!')}&limit=${encodeURIComponent(String(limit))}`,
        body: undefined,
        raw: undefined,
      })),
      fc.record({ kind, size: fc.integer({ min: 65 * 1024, max: 300 * 1024 }) }).map(({ kind: k, size }) => ({
        method: 'post' as const,
        path: `/v1/${k}`,
        body: undefined,
        raw: JSON.stringify({ reference: randomUUID(), merchantReference: 'x'.repeat(size) }),
      })),
    );
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        let req = t.http()[r.method](r.path).set(bearer(ADMIN_KEY));
        if (r.raw !== undefined) req = req.set('Content-Type', 'application/json').send(r.raw);
        else if (r.body !== undefined) req = req.set('Content-Type', 'application/json').send(JSON.stringify(r.body));
        const res = await req;
        if (res.status < 400 || res.status >= 500)
          throw new Error(
            `${r.method} ${r.path.slice(0, 120)} answered ${res.status}: ${JSON.stringify(res.body).slice(0, 200)}`,
          );
        if (
          typeof res.body?.statusCode !== 'number' ||
          !Array.isArray(res.body?.message) ||
          typeof res.body?.error !== 'string'
        ) {
          throw new Error(
            `${r.method} ${r.path.slice(0, 80)}: error body not in the contract shape: ${JSON.stringify(res.body).slice(0, 200)}`,
          );
        }
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 400), seed: Number(process.env.FUZZ_SEED ?? 20261126) },
    );
    expect(await snapshot()).toBe(before);
  }, 120_000);
});
