import { context, propagation, trace } from '@opentelemetry/api';
import { node, tracing } from '@opentelemetry/sdk-node';
import { loadConfig, ConfigError } from '../../../src/config/app-config';
import { EngineTracing } from '../../../src/engine/tracing/engine-tracing';
import { loggerParams } from '../../../src/operations/logging';

const exporter = new tracing.InMemorySpanExporter();
const provider = new node.NodeTracerProvider({ spanProcessors: [new tracing.SimpleSpanProcessor(exporter)] });
const tracingWith = (on: boolean) => new EngineTracing({ server: { tracing: on } } as never);

describe('EngineTracing (the engine port for its own spans)', () => {
  beforeAll(() => {
    provider.register();
  });
  afterAll(() => {
    trace.disable();
    context.disable();
    propagation.disable();
  });
  beforeEach(() => exporter.reset());

  it('off: runs the work and makes no span, even with an SDK registered', async () => {
    const off = tracingWith(false);
    expect(off.enabled).toBe(false);
    expect(await off.inSpan('x', {}, async () => 42)).toBe(42);
    await trace.getTracer('t').startActiveSpan('outer', async (outer) => {
      expect(off.activeTraceParent()).toBeNull();
      outer.end();
    });
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(['outer']);
  });

  it('on: a child of the active span, linked to the traceparents given (bad ones skipped), ERROR with the class name only', async () => {
    const on = tracingWith(true);
    let parent = '';
    await trace.getTracer('t').startActiveSpan('request', async (request) => {
      parent = on.activeTraceParent()!;
      request.end();
    });
    expect(parent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    await on.inSpan('step', { 'jumio_fallback.kind': 'id-verifications' }, async () => undefined, {
      links: [parent, null, 'not-a-traceparent', `00-${'0'.repeat(32)}-${'0'.repeat(16)}-01`],
      newTrace: true,
    });
    await expect(
      on.inSpan('failing', {}, async () => {
        throw new TypeError('personal value 1990-01-01');
      }),
    ).rejects.toThrow(TypeError);
    const [, step, failing] = exporter.getFinishedSpans();
    expect(step.links.map((l) => `00-${l.context.traceId}-${l.context.spanId}-01`)).toEqual([parent]);
    expect(step.parentSpanContext).toBeUndefined();
    expect(step.attributes).toEqual({ 'jumio_fallback.kind': 'id-verifications' });
    expect(failing.status).toEqual({ code: 2, message: 'TypeError' });
    const { name, attributes, events, status } = failing;
    expect(JSON.stringify({ name, attributes, events, status })).not.toContain('1990-01-01');
  });
});

describe('log lines and traces', () => {
  beforeAll(() => provider.register());
  afterAll(() => {
    trace.disable();
    context.disable();
    propagation.disable();
  });

  it('with tracing on, a line written inside a span carries its trace and span ids; off, no mixin at all', async () => {
    const on = loggerParams(loadConfig({ SANDBOX: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }));
    const off = loggerParams(loadConfig({ SANDBOX: 'true' }));
    const mixinOf = (p: typeof on) => (p.pinoHttp as { mixin?: () => Record<string, string> }).mixin;
    expect(mixinOf(off)).toBeUndefined();
    const mixin = mixinOf(on)!;
    expect(mixin()).toEqual({});
    await trace.getTracer('t').startActiveSpan('request', async (span) => {
      expect(mixin()).toEqual({
        trace_id: span.spanContext().traceId,
        span_id: span.spanContext().spanId,
        trace_flags: '01',
      });
      span.end();
    });
  });
});

describe('tracing configuration (OTEL_EXPORTER_OTLP_ENDPOINT)', () => {
  const base = { SANDBOX: 'true' };
  it('is off without an endpoint, on with one, off again with OTEL_SDK_DISABLED=true', () => {
    expect(loadConfig(base).server.tracing).toBe(false);
    expect(loadConfig({ ...base, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }).server.tracing).toBe(true);
    expect(loadConfig({ ...base, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://c/v1/traces' }).server.tracing).toBe(
      true,
    );
    expect(
      loadConfig({ ...base, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'true' }).server
        .tracing,
    ).toBe(false);
  });

  it('refuses an endpoint that is not an http(s) URL, naming the variable', () => {
    expect(() => loadConfig({ ...base, OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4317' })).toThrow(ConfigError);
    try {
      loadConfig({ ...base, OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4317' });
    } catch (e) {
      expect((e as ConfigError).problems).toEqual([
        'OTEL_EXPORTER_OTLP_ENDPOINT: accepts an http:// or https:// URL (the OTLP collector)',
      ]);
    }
  });
});
