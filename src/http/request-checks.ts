import { HttpException } from '@nestjs/common';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { errorBody } from './http-exception.filter.js';
import { dropRestOfBody } from './refused-body.js';

/**
 * A request without Host (HTTP/1.1 requires one; Node would answer an empty 400 itself) is answered 400 in the
 * contract's shape, in the first onRequest hook after the request id.
 *
 * What every routed request's path parameters and query string must be before any validator, service or SQL sees
 * them (a preValidation hook, before the body is read): text PostgreSQL can hold, decoded exactly as sent.
 * - No NUL character in a path parameter, a query parameter's name or value (PostgreSQL's text cannot hold one:
 *   the statement would fail, a 500).
 * - A query string whose percent-encoding is valid UTF-8: node:querystring would turn `%ff` or a malformed escape
 *   into U+FFFD or keep it as it is without a word, and the service would search for something the caller never
 *   asked for. (Path parameters are decoded strictly by the router already: 400 "Failed to decode param".)
 */
export function registerRequestChecks(instance: FastifyInstance): void {
  instance.addHook('onRequest', (request, reply, done) => {
    if (request.raw.headers.host !== undefined || request.raw.httpVersion !== '1.1') return done();
    reply
      .header('Connection', 'close')
      .code(400)
      .send(errorBody(400, 'the request has no Host header, which HTTP/1.1 requires'));
  });
  instance.addHook('preValidation', (request, _reply, done) => {
    const problem = paramProblem(request) ?? queryProblem(request);
    if (!problem) return done();
    dropRestOfBody(request);
    done(new HttpException(errorBody(400, problem), 400));
  });
}

function paramProblem(request: FastifyRequest): string | null {
  const params = (request.params ?? {}) as Record<string, unknown>;
  for (const [name, value] of Object.entries(params)) {
    if (typeof value === 'string' && value.includes('\u0000')) return `${name} must not contain NUL characters`;
  }
  return null;
}

function queryProblem(request: FastifyRequest): string | null {
  const url = request.raw.url ?? '';
  const start = url.indexOf('?');
  if (start === -1) return null;
  const fragment = url.indexOf('#', start);
  const query = url.slice(start + 1, fragment === -1 ? undefined : fragment);
  for (const pair of query.split('&')) {
    const eq = pair.indexOf('=');
    let name: string;
    let value: string;
    try {
      name = decodeURIComponent((eq === -1 ? pair : pair.slice(0, eq)).replace(/\+/g, ' '));
      value = eq === -1 ? '' : decodeURIComponent(pair.slice(eq + 1).replace(/\+/g, ' '));
    } catch {
      return 'the query string is not valid percent-encoded UTF-8';
    }
    if (name.includes('\u0000')) return 'a query parameter name must not contain NUL characters';
    if (value.includes('\u0000')) return `${name.slice(0, 64)} must not contain NUL characters`;
  }
  return null;
}
