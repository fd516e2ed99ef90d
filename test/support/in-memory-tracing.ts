import type { InstrumentationBase } from '@opentelemetry/instrumentation';
import { tracing } from '@opentelemetry/sdk-node';
import { createTracingSdk, tracingInstrumentations } from '../../src/operations/tracing';

/**
 * The service's tracing SDK (the instrumentations of `npm start` with OTEL_EXPORTER_OTLP_ENDPOINT) with an
 * in-memory exporter instead of OTLP, started as this module loads: import it first, before anything loads http,
 * pg or Fastify (as main.ts imports operations/start-tracing.ts first).
 */
export const exporter = new tracing.InMemorySpanExporter();
const instrumentations = tracingInstrumentations();
export const sdk = createTracingSdk({ spanProcessors: [new tracing.SimpleSpanProcessor(exporter)], instrumentations });
sdk.start();

/**
 * Jest loads modules through a registry of its own and hands require-in-the-middle a stand-in for Node's
 * `module`, so the instrumentations' require hooks never fire here (Fastify's, on a diagnostics channel, does):
 * the modules the service loads (http, https, pg, pg-pool, as this registry loads them) get each
 * instrumentation's own patch by hand, the one its hook applies under `node dist/src/main.js`.
 */
/* eslint-disable @typescript-eslint/no-require-imports -- jest's require: the instances the service gets here */
const LOADED_BY_JEST: Record<string, () => unknown> = {
  http: () => require('node:http'),
  https: () => require('node:https'),
  pg: () => require('pg'),
  'pg-pool': () => require('pg-pool'),
};
/* eslint-enable @typescript-eslint/no-require-imports */
for (const instrumentation of instrumentations as InstrumentationBase[])
  for (const definition of instrumentation.getModuleDefinitions()) {
    const load = LOADED_BY_JEST[definition.name];
    if (load && definition.patch) definition.patch(load(), undefined);
  }
