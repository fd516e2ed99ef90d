import { LOG_LEVELS, type AppConfig } from './config.types.js';
import type { EnvReader } from './env-reader.js';

/** Where traces go (the standard OpenTelemetry variables); the SDK reads them itself, this only validates. */
const OTLP_ENDPOINTS = ['OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'] as const;

/**
 * PORT, LOG_LEVEL, SHUTDOWN_TIMEOUT_MS, and what a connection may hold: the time to send a request's head and the
 * whole request, and how many connections are open at once (a client that sends slowly, or not at all, is
 * disconnected; one past the cap is refused at once).
 */
export function readServerConfig(reader: EnvReader): AppConfig['server'] {
  const headersTimeoutMs = reader.integer('HTTP_HEADERS_TIMEOUT_MS', 10000, 500, 300000);
  const requestTimeoutMs = reader.integer('HTTP_REQUEST_TIMEOUT_MS', 30000, 500, 3600000);
  if (headersTimeoutMs > requestTimeoutMs)
    reader.problem('HTTP_HEADERS_TIMEOUT_MS', 'must not be more than HTTP_REQUEST_TIMEOUT_MS');
  return {
    port: reader.integer('PORT', 3000, 0, 65535),
    logLevel: reader.oneOf('LOG_LEVEL', LOG_LEVELS, 'info'),
    shutdownTimeoutMs: reader.integer('SHUTDOWN_TIMEOUT_MS', 15000, 0, 600000),
    tracing: readTracing(reader),
    headersTimeoutMs,
    requestTimeoutMs,
    maxConnections: reader.integer('HTTP_MAX_CONNECTIONS', 1000, 1, 1000000),
  };
}

/** Traces are on when an OTLP endpoint is set (an http(s) URL) and OTEL_SDK_DISABLED is not true. */
function readTracing(reader: EnvReader): boolean {
  for (const name of OTLP_ENDPOINTS) {
    const value = reader.raw(name);
    if (value !== undefined && !/^https?:\/\/[^\s/]+/i.test(value))
      reader.problem(name, 'accepts an http:// or https:// URL (the OTLP collector)');
  }
  reader.boolean('OTEL_SDK_DISABLED', false);
  return tracingRequested(reader);
}

/** Whether the environment asks for traces (read before the configuration is, see operations/start-tracing.ts). */
export function tracingRequested(env: { raw(name: string): string | undefined }): boolean {
  const disabled = /^(true|1|yes)$/i.test(env.raw('OTEL_SDK_DISABLED') ?? '');
  return !disabled && OTLP_ENDPOINTS.some((name) => env.raw(name) !== undefined);
}
