import { Inject, Injectable } from '@nestjs/common';
import {
  SpanStatusCode,
  TraceFlags,
  context,
  isSpanContextValid,
  trace,
  type Attributes,
  type Link,
  type SpanContext,
} from '@opentelemetry/api';
import type { AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';

/** The instrumentation scope of the engine's own spans. */
export const ENGINE_TRACER = 'jumio-fallback';

/** What a span of the engine may be given once it runs: attributes only (bounded values, never personal data). */
export interface EngineSpan {
  setAttributes(attributes: Attributes): void;
}

const NOT_RECORDING: EngineSpan = { setAttributes: () => undefined };

/** Span attribute names of the contract's "Traces" (kind, account, endpoint, outcome, HTTP status). */
export const SPAN_ATTRIBUTES = {
  kind: 'jumio_fallback.kind',
  account: 'jumio_fallback.account',
  datacenter: 'jumio_fallback.datacenter',
  endpoint: 'jumio_fallback.endpoint',
  medium: 'jumio_fallback.medium',
  outcome: 'jumio_fallback.outcome',
  httpStatus: 'http.response.status_code',
} as const;

/**
 * The engine's own spans (a claim, each call to Jumio, each store), on the OpenTelemetry API alone: the SDK, its
 * exporter and the instrumentations of HTTP, pg and Fastify are started by main.ts (operations/tracing.ts). With
 * tracing off (no OTEL_EXPORTER_OTLP_ENDPOINT) every method runs the work and nothing else.
 */
@Injectable()
export class EngineTracing {
  readonly enabled: boolean;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.enabled = config.server.tracing;
  }

  /**
   * The W3C traceparent of the span active now (say, the request that tracks a transaction), to be linked from
   * the spans of later work on it; null with tracing off or no span.
   */
  activeTraceParent(): string | null {
    if (!this.enabled) return null;
    const span = trace.getSpanContext(context.active());
    return span && isSpanContextValid(span) ? toTraceParent(span) : null;
  }

  /**
   * Runs `work` in a span, a child of the active one (`newTrace`: the root of a trace of its own), linked to the
   * spans named by `links` (traceparents; null ones are skipped); `startTime` (epoch ms) when the work began before
   * the span could be (a claim is traced only once it claimed something). A failure marks the span ERROR with the
   * error's class name only: messages may quote what Jumio or a caller sent.
   */
  async inSpan<T>(
    name: string,
    attributes: Attributes,
    work: (span: EngineSpan) => Promise<T>,
    options: { links?: (string | null)[]; newTrace?: boolean; startTime?: number } = {},
  ): Promise<T> {
    if (!this.enabled) return work(NOT_RECORDING);
    const links: Link[] = [];
    for (const parent of options.links ?? []) {
      const linked = parent ? fromTraceParent(parent) : null;
      if (linked) links.push({ context: linked });
    }
    const tracer = trace.getTracer(ENGINE_TRACER);
    return tracer.startActiveSpan(
      name,
      { attributes, links, root: options.newTrace ?? false, startTime: options.startTime },
      async (span) => {
        try {
          return await work(span);
        } catch (e) {
          span.setStatus({ code: SpanStatusCode.ERROR, message: e instanceof Error ? e.name : 'error' });
          throw e;
        } finally {
          span.end();
        }
      },
    );
  }
}

function toTraceParent(span: SpanContext): string {
  return `00-${span.traceId}-${span.spanId}-${(span.traceFlags & 0xff).toString(16).padStart(2, '0')}`;
}

function fromTraceParent(value: string): SpanContext | null {
  const match = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/.exec(value);
  if (!match) return null;
  const span: SpanContext = {
    traceId: match[1],
    spanId: match[2],
    traceFlags: parseInt(match[3], 16) & TraceFlags.SAMPLED,
    isRemote: true,
  };
  return isSpanContextValid(span) ? span : null;
}
