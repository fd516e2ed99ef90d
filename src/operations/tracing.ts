import FastifyOtelInstrumentation from '@fastify/otel';
import type { Span } from '@opentelemetry/api';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { NodeSDK, type tracing } from '@opentelemetry/sdk-node';

/** Requests that are not traced: probes and scrapes, many a minute, say nothing about the work. */
const UNTRACED_PATHS = new Set(['/health/live', '/health/ready', '/metrics']);

/** URL attributes of the HTTP instrumentation (old and stable semantic conventions) that may carry a query. */
const URL_ATTRIBUTES = ['http.url', 'http.target', 'url.full', 'url.path'] as const;

/**
 * The OpenTelemetry SDK with the instrumentations of HTTP (incoming requests and the calls to Jumio), pg and
 * Fastify (the route template, e.g. `/v1/id-verifications/:reference`, names the request's span). Its exporter is
 * the one the standard OTEL_* variables describe (OTLP to OTEL_EXPORTER_OTLP_ENDPOINT), unless `spanProcessors`
 * are given (tests: an in-memory exporter). Only traces: metrics stay Prometheus's and logs stay on stdout.
 *
 * No personal data: query strings are cut from every URL attribute (they can carry `customerReference=`),
 * statements are recorded without their parameters, and headers are not recorded.
 */
export function createTracingSdk(
  options: { spanProcessors?: tracing.SpanProcessor[]; instrumentations?: Instrumentation[] } = {},
): NodeSDK {
  return new NodeSDK({
    serviceName: process.env.OTEL_SERVICE_NAME ?? 'jumio-fallback',
    ...(options.spanProcessors ? { spanProcessors: options.spanProcessors } : {}),
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: options.instrumentations ?? tracingInstrumentations(),
  });
}

export function tracingInstrumentations(): Instrumentation[] {
  return [
    new HttpInstrumentation({
      ignoreIncomingRequestHook: (req) => UNTRACED_PATHS.has((req.url ?? '').split('?')[0]),
      requireParentforOutgoingSpans: true,
      requestHook: (span: Span) => withoutQueries(span),
    }),
    // Only statements made for a traced request or step: the reconciler's idle polls and the feed's readers'
    // empty pages would otherwise each be a trace of their own.
    // Statements only: a span per pool checkout and connection would double their number for little.
    new PgInstrumentation({ requireParentSpan: true, enhancedDatabaseReporting: false, ignoreConnectSpans: true }),
    new FastifyOtelInstrumentation({
      registerOnInitialization: true,
      // The request span alone (it names the route): a span per hook (a dozen per request) or for the handler
      // would only add cost.
      instrumentHooks: false,
      instrumentHandler: false,
      ignorePaths: (route: { url: string }) => UNTRACED_PATHS.has(route.url),
      requestHook: (span: Span) => cutQuery(span, 'url.path'),
    }),
  ];
}

/** The request's URL attributes without their query string (the instrumentation set them as the span began). */
function withoutQueries(span: Span): void {
  for (const name of URL_ATTRIBUTES) cutQuery(span, name);
  if (attributesOf(span)['url.query'] !== undefined) span.setAttribute('url.query', '');
}

function cutQuery(span: Span, name: string): void {
  const value = attributesOf(span)[name];
  if (typeof value === 'string' && value.includes('?')) span.setAttribute(name, value.split('?')[0]);
}

/** The attributes a recording span holds so far (the SDK's span is a ReadableSpan); none for another. */
function attributesOf(span: Span): Record<string, unknown> {
  return (span as Partial<tracing.ReadableSpan>).attributes ?? {};
}
