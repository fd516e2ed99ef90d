import { randomUUID } from 'node:crypto';
import { context, trace } from '@opentelemetry/api';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Params } from 'nestjs-pino';
import type { DestinationStream, Logger } from 'pino';
import type { Options } from 'pino-http';
import type { AppConfig } from '../config/app-config.js';
import { loggablePath, serializeError } from './log-serializers.js';

/**
 * Paths pino removes from every log line. Authorization carries API keys and Jumio's Basic credentials;
 * bodies and Jumio payloads carry personal data and are never logged at all (pino-http logs no bodies).
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'config.headers.Authorization',
  'config.auth',
  // An axios error carries its request's config, the Basic credentials in its headers (none is logged today).
  'err.config.headers.Authorization',
  'err.config.auth',
  '*.config.headers.Authorization',
  '*.password',
  '*.secret',
  '*.apiSecret',
  '*.apiToken',
];

/**
 * The request id: the caller's X-Request-Id when it is a sane token, else a new UUID. Fastify's genReqId (so it is
 * `request.id`, which @fastify/middie hands to pino-http as `req.id`); echoRequestId puts it in the response.
 */
export function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
}

/** The request's id on the raw request (what the log serializers read) and in the X-Request-Id response header. */
export function echoRequestId(req: IncomingMessage, res: ServerResponse, id: string): void {
  (req as IncomingMessage & { id: string }).id = id;
  res.setHeader('X-Request-Id', id);
}

/** Probes and scrapes are not logged. */
const notLogged = (req: IncomingMessage) =>
  req.url === '/health/live' || req.url === '/health/ready' || req.url === '/metrics';

/** The level of a request's line: a failure is an error, a refusal a warning, anything else info. */
const requestLevel = (res: ServerResponse, err?: Error) =>
  err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info';

/**
 * Whether the level logs every request (a request that succeeds logs at info). Above it (warn, error, fatal,
 * silent) pino-http would still build a child logger per request and nestjs-pino would run every request in an
 * AsyncLocalStorage context (which turns on promise hooks for every promise of the process) to log nothing for
 * most requests: leanRequestLogging takes their place.
 */
export function logsEveryRequest(config: AppConfig): boolean {
  return ['info', 'debug', 'trace'].includes(config.server.logLevel);
}

/** The logger's options; `destination` (tests) takes the place of stdout. */
export function loggerParams(config: AppConfig, destination?: DestinationStream): Params {
  const options: Options = {
    level: config.server.logLevel,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    base: { service: 'jumio-fallback', sandbox: config.sandbox },
    // Fastify has given every request its id already (requestIdOf): pino-http takes `req.id` as it is.
    genReqId: requestIdOf,
    // Only method and path (without what a caller put in it): query strings carry customer references, headers
    // credentials. Errors without SQL parameters or the values a database or parser quotes (log-serializers.ts).
    serializers: {
      req: (req: { id: string; method: string; url: string }) => ({
        id: req.id,
        method: req.method,
        path: loggablePath(req.url),
      }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      err: serializeError,
    },
    autoLogging: { ignore: notLogged },
    customLogLevel: (_req: IncomingMessage, res: ServerResponse, err?: Error) => requestLevel(res, err),
    // With traces on, each line written inside a span carries its trace and span ids.
    ...(config.server.tracing ? { mixin: traceIdsOfTheActiveSpan } : {}),
  };
  return {
    pinoHttp: destination ? [options, destination] : options,
    // Above info, no route gets pino-http's middleware (leanRequestLogging runs as a hook instead); the logger it
    // builds is still the application's root logger.
    ...(logsEveryRequest(config) ? {} : { forRoutes: [] }),
  };
}

/** The active span's ids as log fields (the names OpenTelemetry's log correlation uses), or none. */
export function traceIdsOfTheActiveSpan(): Record<string, string> {
  const span = trace.getSpanContext(context.active());
  if (!span) return {};
  return { trace_id: span.traceId, span_id: span.spanId, trace_flags: `0${span.traceFlags.toString(16)}`.slice(-2) };
}

/**
 * The request hook (on the raw request and response, after echoRequestId; app.factory runs it as a Fastify
 * onRequest hook) when the level does not log every request (see logsEveryRequest); null when it does (pino-http's,
 * through nestjs-pino, is mounted then). It keeps what pino-http gave at these levels: one line for each refused or
 * failed request whose level is enabled, the same line pino-http writes (through the same root logger, so the
 * same serializers and redaction). What it leaves out: logs written while a request is handled no longer carry
 * the request's fields; the request's own line carries its id.
 */
export function leanRequestLogging(config: AppConfig, root: Logger): RawRequestHook | null {
  return logsEveryRequest(config) ? null : refusalLogging(root);
}

export type RawRequestHook = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;

/**
 * leanRequestLogging's hook at any level. Also run on its own for a request the router refuses before any hook or
 * middleware (a malformed percent-encoding in the path): pino-http's middleware never sees such a request.
 */
export function refusalLogging(root: Logger): RawRequestHook {
  const logsRefusals = root.isLevelEnabled('warn') || root.isLevelEnabled('error');
  return (req, res, next) => {
    if (logsRefusals && !notLogged(req)) {
      const started = Date.now();
      res.once('close', () => {
        if (res.statusCode < 400) return;
        const level = requestLevel(res);
        if (!root.isLevelEnabled(level)) return;
        const responseTime = Date.now() - started;
        if (level === 'error')
          root.error(
            { req, res, err: new Error(`failed with status code ${res.statusCode}`), responseTime },
            'request errored',
          );
        else
          root[level](
            { req, res, responseTime },
            !req.readableAborted && res.writableEnded ? 'request completed' : 'request aborted',
          );
      });
    }
    next();
  };
}
