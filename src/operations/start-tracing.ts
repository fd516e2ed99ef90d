import { tracingRequested } from '../config/server.config.js';
import { EnvReader } from '../config/env-reader.js';
import type { NodeSDK } from '@opentelemetry/sdk-node';

/**
 * Starts OpenTelemetry when OTEL_EXPORTER_OTLP_ENDPOINT asks for it. main.ts imports this module first: the
 * instrumentations patch http, pg and Fastify as they load, so they must be registered before anything loads
 * them. Without the variable nothing of the SDK is even loaded (it takes time and memory at start-up).
 */
function startTracing(): NodeSDK | null {
  if (!tracingRequested(new EnvReader(process.env))) return null;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when traces are asked for
  const { createTracingSdk } = require('./tracing.js') as typeof import('./tracing.js');
  const sdk = createTracingSdk();
  sdk.start();
  return sdk;
}

/** The running SDK (its shutdown flushes the spans not exported yet), or null with tracing off. */
export const tracingSdk = startTracing();
