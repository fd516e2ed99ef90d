import { HttpException } from '@nestjs/common';
import bodyParser from 'body-parser';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isCallbackRequest, MAX_CALLBACK_BODY_BYTES } from './callback-requests.js';
import { errorBody } from './http-exception.filter.js';

export const MAX_BODY_BYTES = 64 * 1024;

type RawParser = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;

/**
 * Request bodies, read the way the service has always read them (body-parser, which the service used under
 * express, so charsets, Content-Encoding, a BOM, an empty body and the 64 KiB limit behave as before):
 * - JSON bodies up to 64 KiB (contract, "Errors") for application/json and application/*+json, on every route
 *   and method, before the route's guards; any other content type is not read (the DTO then names what is missing);
 * - Jumio's callbacks (/callbacks): the raw bytes whatever the content type, up to MAX_CALLBACK_BODY_BYTES, so the
 *   exact body can be stored before anything is read from it; CallbackReceiver checks the type and decodes the form.
 *   CallbackSourceGate has already refused a sender that is not allowed, before a byte of its body was read.
 *
 * Fastify's own content-type parsers are replaced by one that reads nothing (Fastify would answer 415 to a type
 * it has no parser for, and reads no body on GET); the body is read in a preValidation hook instead. Failures are
 * answered in the contract's shape; the message never repeats the body, which may hold personal data.
 */
export function registerBodyParsing(instance: FastifyInstance): void {
  const json = bodyParser.json({
    limit: MAX_BODY_BYTES,
    type: ['application/json', 'application/*+json'],
  }) as RawParser;
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
    (callback ? raw : json)(request.raw, reply.raw, (err?: unknown) => {
      if (err)
        return done(
          contractError(
            err as BodyParserError,
            callback ? MAX_CALLBACK_BODY_BYTES : MAX_BODY_BYTES,
            callback ? 'request body could not be read' : 'request body is not valid JSON',
          ),
        );
      request.body = (request.raw as IncomingMessage & { body?: unknown }).body;
      done();
    });
  });
}

/**
 * type-is's hasBody, which body-parser checks first: a Transfer-Encoding, or a numeric Content-Length (0 included:
 * an empty JSON body is `{}`). Checked here so that a request without a body (every GET) costs nothing more.
 */
function hasBody(req: IncomingMessage): boolean {
  return req.headers['transfer-encoding'] !== undefined || !Number.isNaN(Number(req.headers['content-length']));
}

type BodyParserError = Error & { type?: string; status?: number };

/** body-parser's errors (http-errors with a type) in the contract's shape. */
function contractError(err: BodyParserError, limit: number, parseFailed: string): Error {
  if (err.type === 'entity.too.large') return refusal(413, `request body exceeds ${limit} bytes (${limit / 1024} KiB)`);
  if (err.type === 'entity.parse.failed') return refusal(400, parseFailed);
  if (err.type === 'encoding.unsupported' || err.type === 'charset.unsupported')
    return refusal(415, 'request body encoding is not supported; send UTF-8 JSON');
  if (typeof err.status === 'number' && err.status >= 400 && err.status < 500)
    return refusal(err.status, 'request body could not be read');
  return err;
}

const refusal = (status: number, message: string) => new HttpException(errorBody(status, message), status);
