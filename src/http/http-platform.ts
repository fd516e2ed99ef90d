import { FastifyAdapter } from '@nestjs/platform-fastify';
import etag from 'etag';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fresh from 'fresh';
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import { parse as parseQueryString } from 'node:querystring';
import { Readable, type Duplex } from 'node:stream';
import type { AppConfig } from '../config/app-config.js';
import { errorBody } from './http-exception.filter.js';

/**
 * Nest's Fastify adapter, configured so that what callers see is what they saw when the service ran on express 5
 * (the API contract is silent on these, but clients may rely on them):
 * - routes match case-insensitively and with or without a trailing slash (express's defaults);
 * - query strings are parsed by node:querystring, express 5's "simple" parser (`a=1&a=2` is an array, `a[b]=1`
 *   a key named `a[b]`);
 * - a route parameter may be as long as the request line allows (find-my-way's default of 100 characters would
 *   answer 414 before validation could name the field);
 * - keep-alive 5 s, as express had (Node's default, which Fastify overrides);
 * - what a connection may hold (HTTP_HEADERS_TIMEOUT_MS, HTTP_REQUEST_TIMEOUT_MS, HTTP_MAX_CONNECTIONS): Node checks
 *   the timeouts every second (its default, 30 s, would let a stalled client stay up to 30 s longer), and a
 *   connection past the cap is closed as soon as it is accepted;
 * - errors on the connection itself (a request Node's parser refuses, a timeout, a head over 16 KiB) are answered
 *   in the contract's shape before the connection closes, and a request without Host reaches the service (Node
 *   would answer it an empty 400), which refuses it in the contract's shape (request-checks.ts);
 * - a closing server routes the requests it still gets, as express did, rather than answering 503;
 * - a path with a malformed percent-encoding, which the router refuses before any hook runs, is answered 400 in
 *   the contract's shape with express's message, after `beforeRefusal` (the request id and the log line).
 * Fastify's own request logging stays off: nestjs-pino / leanRequestLogging log requests. Request ids are the
 * service's own (`genReqId`).
 */
export function createHttpAdapter(options: {
  genReqId: (req: IncomingMessage) => string;
  beforeRefusal: (request: FastifyRequest, reply: FastifyReply) => void;
  limits: Pick<AppConfig['server'], 'headersTimeoutMs' | 'requestTimeoutMs' | 'maxConnections'>;
}): FastifyAdapter {
  const adapter = new FastifyAdapter({
    logger: false,
    genReqId: options.genReqId,
    trustProxy: false,
    keepAliveTimeout: 5_000,
    requestTimeout: options.limits.requestTimeoutMs,
    http: {
      headersTimeout: options.limits.headersTimeoutMs,
      connectionsCheckingInterval: 1_000,
      requireHostHeader: false,
    },
    clientErrorHandler: answerConnectionError,
    return503OnClosing: false,
    routerOptions: {
      caseSensitive: false,
      ignoreTrailingSlash: true,
      // Node refuses request heads over 16 KiB (--max-http-header-size), so no parameter is ever longer.
      maxParamLength: 16 * 1024,
      querystringParser,
    },
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      options.beforeRefusal(request, reply);
      const status = error.statusCode ?? 400;
      const message =
        error.code === 'FST_ERR_BAD_URL'
          ? `Failed to decode param '${undecodableSegment(request.raw.url ?? '')}'`
          : error.message;
      // This reply runs no hooks (no route was found): the ETag and Content-Type are set as onSend would.
      const body = JSON.stringify(errorBody(status, message));
      reply
        .code(status)
        .header('Content-Type', 'application/json; charset=utf-8')
        .header('ETag', etag(body, { weak: true }))
        .send(body);
    },
  });
  adapter.getInstance().server.maxConnections = options.limits.maxConnections;
  return adapter;
}

/**
 * Node's 'clientError': the connection failed before a request could be routed (Node's parser refused it, the head
 * or the request took too long, the head was over 16 KiB). The answer is written on the socket, in the contract's
 * shape, unless a response has started already, and the connection is closed.
 */
function answerConnectionError(err: Error & { code?: string }, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (socket.writable && !inFlight?.headersSent) {
    const [status, message] =
      err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'the request was not received in time (HTTP_HEADERS_TIMEOUT_MS, HTTP_REQUEST_TIMEOUT_MS)']
        : err.code === 'HPE_HEADER_OVERFLOW'
          ? [431, 'the request head exceeds 16 KiB']
          : [400, `the request is not valid HTTP/1.1 (${String(err.code ?? 'unreadable')})`];
    const body = JSON.stringify(errorBody(status, message));
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

/**
 * express 5's "simple" query parser (node:querystring), on the query without a fragment (a request target should
 * carry none; express's URL parser dropped it).
 */
function querystringParser(query: string): Record<string, unknown> {
  const fragment = query.indexOf('#');
  return parseQueryString(fragment === -1 ? query : query.slice(0, fragment));
}

/** The first path segment that does not decode (express named the route parameter that did not). */
function undecodableSegment(url: string): string {
  const end = url.search(/[?#]/);
  for (const segment of (end === -1 ? url : url.slice(0, end)).split('/')) {
    try {
      decodeURIComponent(segment);
    } catch {
      return segment;
    }
  }
  return url;
}

/**
 * What express's res.send did to every response with a body, which Fastify does not:
 * - a text body's Content-Type says `charset=utf-8` (Fastify sends `text/html` for the Swagger UI page);
 * - weak ETags and conditional GETs (the same `etag` and `fresh` packages, so the same tags): a GET or HEAD whose
 *   If-None-Match names the current tag of a 2xx response is answered 304 without a body.
 * Streams (media, static Swagger UI files, which carry their own tags) are left alone.
 */
export function registerResponseConventions(instance: FastifyInstance): void {
  instance.addHook(
    'onSend',
    (
      request: FastifyRequest,
      reply: FastifyReply,
      payload: unknown,
      done: (err: Error | null, payload?: unknown) => void,
    ) => {
      if (typeof payload !== 'string' && !Buffer.isBuffer(payload)) return done(null, payload);
      if (typeof payload === 'string') {
        const type = reply.getHeader('content-type');
        if (typeof type === 'string' && !UTF8_CHARSET.test(type)) reply.header('Content-Type', withUtf8Charset(type));
      }
      if (!reply.hasHeader('etag')) reply.header('ETag', etag(payload, { weak: true }));
      if (!isFresh(request, reply)) return done(null, payload);
      reply.code(304);
      reply.removeHeader('content-type');
      reply.removeHeader('content-length');
      reply.removeHeader('transfer-encoding');
      // No body. Fastify's HEAD handler, the last onSend hook, would fail on a null payload and give an empty string
      // a Content-Length: it gets an empty stream, which it drains to null.
      done(null, request.raw.method === 'HEAD' ? Readable.from([]) : null);
    },
  );
}

const UTF8_CHARSET = /;\s*charset=("?)utf-8\1\s*(;|$)/i;

function withUtf8Charset(type: string): string {
  return /;\s*charset=/i.test(type)
    ? type.replace(/(;\s*charset=)("[^"]*"|[^;]*)/i, '$1utf-8')
    : `${type}; charset=utf-8`;
}

/** express's req.fresh: GET or HEAD, a 2xx or 304 status, and the request's validators match the response's. */
function isFresh(request: FastifyRequest, reply: FastifyReply): boolean {
  const method = request.raw.method;
  if (method !== 'GET' && method !== 'HEAD') return false;
  const status = reply.statusCode;
  if ((status < 200 || status >= 300) && status !== 304) return false;
  const headers = request.headers;
  if (headers['if-none-match'] === undefined && headers['if-modified-since'] === undefined) return false;
  return fresh(headers, {
    etag: reply.getHeader('etag') as string | undefined,
    'last-modified': reply.getHeader('last-modified') as string | undefined,
  });
}
