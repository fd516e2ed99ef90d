// First: the instrumentations are registered before http, pg and Fastify load (as main.ts does).
import { exporter, sdk } from '../support/in-memory-tracing';
import { randomUUID } from 'node:crypto';
import type { tracing } from '@opentelemetry/sdk-node';
import { ADMIN_KEY, BACKEND_KEY, bearer, startTestApp, type TestApp } from '../support/test-app';

const KIND = 'id-verifications';

type Span = tracing.ReadableSpan;
const idOf = (s: Span) => s.spanContext().spanId;
const parentOf = (s: Span) => s.parentSpanContext?.spanId;

/** The span and every span below it. */
function subtree(root: Span, all: Span[]): Span[] {
  const below = all.filter((s) => parentOf(s) === idOf(root));
  return [root, ...below.flatMap((s) => subtree(s, all))];
}

/** Every string a span carries: its name, attribute values, events, links and status. */
function textOf(s: Span): string {
  return JSON.stringify({
    name: s.name,
    attributes: s.attributes,
    events: s.events,
    links: s.links,
    status: s.status,
    resource: s.resource.attributes,
  });
}

/** Leaf strings and numbers of a JSON value, as text. */
function leaves(value: unknown): string[] {
  if (value === null || value === undefined) return [];
  if (typeof value === 'object') return Object.values(value).flatMap(leaves);
  return [String(value)];
}

describe('OpenTelemetry traces (in-memory exporter, the service instrumentations, a missed callback)', () => {
  let t: TestApp;
  beforeAll(async () => {
    // Tracing on, as OTEL_EXPORTER_OTLP_ENDPOINT would set it (the spans go to the in-memory exporter above).
    t = await startTestApp({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' } });
  });
  afterAll(async () => {
    await t.close();
    await sdk.shutdown();
  });

  it('one missed callback: claim, status, details, media list, each medium and the stores, linked to the track request, with no personal value', async () => {
    const reference = randomUUID();
    t.simulator.script({ kind: 'scan', reference, pendingPolls: 0, final: 'DONE' });
    const customerReference = `customer-${randomUUID()}`;
    const merchantReference = `order-${randomUUID()}`;
    await t
      .http()
      .post(`/v1/${KIND}`)
      .set(bearer(BACKEND_KEY))
      .send({ reference, acquiredAt: t.clock.now().toISOString(), customerReference, merchantReference })
      .expect(201);
    // An admin search by customerReference: a query string that no span may keep.
    await t
      .http()
      .get(`/v1/admin/transactions?customerReference=${customerReference}`)
      .set(bearer(ADMIN_KEY))
      .expect(200);

    t.clock.advanceSeconds(301); // past the 300 s grace: missed, and the first attempt is overdue
    await t.scheduler.drain();
    const view = (await t.http().get(`/v1/${KIND}/${reference}`).set(bearer(BACKEND_KEY)).expect(200)).body;
    expect(view.tracking.state).toBe('RETRIEVED');
    // (The exporter's own shutdown would empty it: the spans are read first.)
    const spans = exporter.getFinishedSpans();

    // The track request: the HTTP server span named by its route template, the Fastify route below it.
    const track = spans.find((s) => s.name === `POST /v1/${KIND}`);
    expect(track).toBeDefined();
    expect(track!.attributes['http.route']).toBe(`/v1/${KIND}`);
    const search = spans.find((s) => s.name === 'GET /v1/admin/transactions');
    expect(search).toBeDefined();

    // The claims that took the transaction, the decision's then the media's (retrieval-rules.md, "Order of work"):
    // each the root of its trace, linked to the track request (the span active in its handler, inside its trace).
    const trackTrace = spans.filter((s) => s.spanContext().traceId === track!.spanContext().traceId).map(idOf);
    const startOf = (s: Span) => s.startTime[0] * 1e9 + s.startTime[1];
    const linked = spans
      .filter((s) => s.name === 'reconciliation.claim')
      .filter((c) => c.links.some((l) => trackTrace.includes(l.context.spanId)))
      .sort((a, b) => startOf(a) - startOf(b));
    expect(linked).toHaveLength(2);
    for (const claim of linked) expect(parentOf(claim)).toBeUndefined();
    const trace = linked.flatMap((claim) => subtree(claim, spans));
    const step = trace.find((s) => s.name === 'reconciliation.step')!;
    expect(step.links.map((l) => l.context.traceId)).toEqual([track!.spanContext().traceId]);
    expect(step.attributes).toMatchObject({
      'jumio_fallback.kind': KIND,
      'jumio_fallback.account': 'default',
      'jumio_fallback.datacenter': 'US',
    });

    const calls = trace.filter((s) => s.name.startsWith('jumio.'));
    expect(calls.map((s) => s.name)).toEqual([
      'jumio.status',
      'jumio.details',
      'jumio.media-list',
      ...view.media.map(() => 'jumio.medium'),
    ]);
    for (const call of calls) {
      expect(call.attributes).toMatchObject({
        'jumio_fallback.kind': KIND,
        'jumio_fallback.account': 'default',
        'jumio_fallback.endpoint': call.name.slice('jumio.'.length),
        'jumio_fallback.outcome': 'OK',
        'http.response.status_code': 200,
      });
    }
    expect(calls.filter((s) => s.name === 'jumio.medium').map((s) => s.attributes['jumio_fallback.medium'])).toEqual(
      expect.arrayContaining(view.media.map((m: { name: string }) => m.name)),
    );

    // The stores: one per saved step, the last one writing RETRIEVED; each with its SQL below it (pg).
    const stores = trace.filter((s) => s.name === 'reconciliation.store');
    expect(stores.length).toBeGreaterThanOrEqual(calls.length);
    expect(stores.flatMap((s) => s.attributes['jumio_fallback.events'] as string[])).toEqual(
      expect.arrayContaining(['CALLBACK_MISSED', 'RESULT_STORED', 'RETRIEVED']),
    );
    const below = (s: Span) => subtree(s, spans).slice(1);
    expect(stores.every((s) => below(s).some((q) => q.name.startsWith('pg.query')))).toBe(true);
    // Each call to Jumio is an HTTP client span in the same trace, and the claim statement is traced too.
    const clientCalls = trace.filter((s) => s.instrumentationScope.name.endsWith('instrumentation-http'));
    expect(clientCalls.length).toBeGreaterThanOrEqual(calls.length);

    // No personal value from the simulator (the document's fields), nor the backend's references, in any span.
    const personal = leaves(view.result.document).filter((v) => v.length >= 4 && !/^[A-Z_]+$/.test(v));
    personal.push(customerReference, merchantReference);
    expect(personal.length).toBeGreaterThan(5);
    const everything = spans.map(textOf).join('\n');
    for (const value of personal) expect(everything).not.toContain(value);
    // Query strings are cut from every URL attribute; SQL is recorded without its parameters.
    for (const s of spans)
      for (const [name, value] of Object.entries(s.attributes))
        if (/^(http\.(url|target)|url\.)/.test(name)) expect(String(value)).not.toContain('?');
  });
});
