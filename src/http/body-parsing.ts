import { HttpException } from '@nestjs/common';
import bodyParser from 'body-parser';
import { parse as parseContentType } from 'content-type';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isUtf8 } from 'node:buffer';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { hasUnpairedSurrogate, jsonNestingExceeds } from '../engine/normalization/json-budget.js';
import { isApiRequest } from './api-key-gate.js';
import { isCallbackRequest, MAX_CALLBACK_BODY_BYTES } from './callback-requests.js';
import { errorBody } from './http-exception.filter.js';
import { dropRestOfBody } from './refused-body.js';

export const MAX_BODY_BYTES = 64 * 1024;
/**
 * Deeper than this, a request body is refused before it is parsed: every body the API takes is a flat object, and
 * class-transformer and class-validator recurse into whatever they are given (10,000 levels overflow the stack).
 */
export const MAX_BODY_JSON_DEPTH = 32;

const UTF8_ONLY = 'request body encoding is not supported; send UTF-8 JSON';

type RawParser = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;

/**
 * Request bodies. A body is read only where a route takes one, once the caller may send it:
 * - /v1 routes (the API key was checked in onRequest, before this hook, so a caller without a valid key never gets
 *   a byte of its body read): JSON only, UTF-8 only, up to 64 KiB (contract, "Errors"; a route may allow more with
 *   largerBody) and MAX_BODY_JSON_DEPTH levels, read by body-parser (Content-Encoding, a BOM, an empty body as `{}`)
 *   and checked before it is parsed; a body of any other type or charset is 415;
 * - Jumio's callbacks (/callbacks): the raw bytes whatever the content type, up to MAX_CALLBACK_BODY_BYTES, so the
 *   exact body can be stored before anything is read from it; CallbackReceiver checks the type and decodes the form.
 *   CallbackSourceGate has already refused a sender that is not allowed, before a byte of its body was read;
 * - anywhere else (health, metrics, docs, an unknown path) a body is never read.
 * A body that is refused or not read is dropped as it comes, for a moment only (refused-body.ts).
 *
 * Fastify's own content-type parsers are replaced by one that reads nothing (Fastify would answer 415 to a type
 * it has no parser for, and reads no body on GET); the body is read in a preValidation hook instead. Failures are
 * answered in the contract's shape; the message never repeats the body, which may hold personal data.
 */
export function registerBodyParsing(instance: FastifyInstance): void {
  const jsonParsers = new Map<number, RawParser>();
  const jsonUpTo = (limit: number) => {
    let parser = jsonParsers.get(limit);
    if (!parser) {
      parser = bodyParser.json({ limit, type: () => true, verify: checkJsonBytes }) as RawParser;
      jsonParsers.set(limit, parser);
    }
    return parser;
  };
  const raw = bodyParser.raw({ limit: MAX_CALLBACK_BODY_BYTES, type: () => true }) as RawParser;
  instance.removeAllContentTypeParsers();
  instance.addContentTypeParser(
    '*',
    (_request: FastifyRequest, _payload: unknown, done: (err: Error | null, body?: unknown) => void) =>
      done(null, undefined),
  );
  instance.addHook('preValidation', (request, reply, done) => {
    if (!hasBody(request.raw)) return done();
    const callback = isCallbackRequest(request);
    if (!callback && !isApiRequest(request)) {
      dropRestOfBody(request);
      return done();
    }
    if (!callback) {
      const refused = jsonTypeProblem(request);
      if (refused) {
        dropRestOfBody(request);
        return done(refused);
      }
    }
    const jsonLimit = jsonBodyLimitOf(request);
    (callback ? raw : jsonUpTo(jsonLimit))(request.raw, reply.raw, (err?: unknown) => {
      if (err) {
        dropRestOfBody(request);
        return done(
          contractError(
            err as BodyParserError,
            callback ? MAX_CALLBACK_BODY_BYTES : jsonLimit,
            callback ? 'request body could not be read' : 'request body is not valid JSON',
          ),
        );
      }
      const body = (request.raw as IncomingMessage & { body?: unknown }).body;
      const unpaired = callback ? null : unpairedSurrogateField(body);
      if (unpaired !== null)
        return done(
          refusal(
            400,
            `${unpaired} holds an unpaired UTF-16 surrogate (a \\uD800-\\uDFFF escape without its pair); send valid Unicode`,
          ),
        );
      request.body = body;
      done();
    });
  });
}

/**
 * A route that takes larger bodies says so with `@RouteConfig(largerBody(bytes))` (the batch route); every other
 * /v1 route reads up to MAX_BODY_BYTES.
 */
export const largerBody = (maxBodyBytes: number) => ({ maxBodyBytes });

function jsonBodyLimitOf(request: FastifyRequest): number {
  if (request.is404) return MAX_BODY_BYTES;
  const config = request.routeOptions.config as { maxBodyBytes?: number } | undefined;
  return config?.maxBodyBytes ?? MAX_BODY_BYTES;
}

/**
 * type-is's hasBody, which body-parser checks first: a Transfer-Encoding, or a numeric Content-Length (0 included:
 * an empty JSON body is `{}`). Checked here so that a request without a body (every GET) costs nothing more.
 */
function hasBody(req: IncomingMessage): boolean {
  return req.headers['transfer-encoding'] !== undefined || !Number.isNaN(Number(req.headers['content-length']));
}

/** Whether the body is known to be empty (then its type does not matter, as it never did). */
function emptyBody(req: IncomingMessage): boolean {
  return req.headers['transfer-encoding'] === undefined && Number(req.headers['content-length']) === 0;
}

/** A /v1 body that is not JSON (application/json or application/*+json) in UTF-8: 415 before a byte is read. */
function jsonTypeProblem(request: FastifyRequest): Error | null {
  if (emptyBody(request.raw)) return null;
  const { type, parameters } = parseContentType(request.headers['content-type'] ?? '');
  if (type !== 'application/json' && !/^application\/[^/]+\+json$/.test(type))
    return refusal(415, 'the request body must be JSON: send Content-Type: application/json');
  const charset = parameters.charset?.toLowerCase();
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') return refusal(415, UTF8_ONLY);
  return null;
}

/** body-parser's verify hook, on the bytes (inflated) before they are decoded and parsed. */
function checkJsonBytes(_req: IncomingMessage, _res: ServerResponse, bytes: Buffer): void {
  if (!isUtf8(bytes)) throw Object.assign(new Error('not UTF-8'), { type: 'encoding.invalid' });
  if (jsonNestingExceeds(bytes, MAX_BODY_JSON_DEPTH))
    throw Object.assign(new Error('too deep'), { type: 'entity.too.deep' });
}

/**
 * The field (`customerReference`, `items[3].reference`, or `a field name` for a key) of a parsed body that holds an
 * unpaired surrogate, which no UTF-8 text can carry (PostgreSQL would get U+FFFD instead); null when none does.
 * Iterative; the body's depth is bounded already.
 */
function unpairedSurrogateField(body: unknown): string | null {
  const stack: { value: unknown; path: string }[] = [{ value: body, path: 'the body' }];
  while (stack.length > 0) {
    const { value, path } = stack.pop()!;
    if (typeof value === 'string') {
      if (hasUnpairedSurrogate(value)) return path;
    } else if (Array.isArray(value)) {
      value.forEach((item, i) => stack.push({ value: item, path: `${path}[${i}]` }));
    } else if (value !== null && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) {
        if (hasUnpairedSurrogate(key)) return 'a field name';
        stack.push({ value: item, path: path === 'the body' ? key : `${path}.${key}` });
      }
    }
  }
  return null;
}

type BodyParserError = Error & { type?: string; status?: number };

/** body-parser's errors (http-errors with a type) in the contract's shape. */
function contractError(err: BodyParserError, limit: number, parseFailed: string): Error {
  if (err.type === 'entity.too.large') return refusal(413, `request body exceeds ${limit} bytes (${limit / 1024} KiB)`);
  if (err.type === 'entity.parse.failed') return refusal(400, parseFailed);
  if (err.type === 'entity.too.deep')
    return refusal(400, `request body nests JSON deeper than ${MAX_BODY_JSON_DEPTH} levels`);
  if (err.type === 'encoding.invalid') return refusal(400, 'request body is not valid UTF-8');
  if (err.type === 'encoding.unsupported' || err.type === 'charset.unsupported') return refusal(415, UTF8_ONLY);
  if (typeof err.status === 'number' && err.status >= 400 && err.status < 500)
    return refusal(err.status, 'request body could not be read');
  return err;
}

const refusal = (status: number, message: string) => new HttpException(errorBody(status, message), status);
