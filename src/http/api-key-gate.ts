import { Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ApiKey } from '../config/app-config.js';
import { ApiKeys, MISSING_KEY_MESSAGE } from './api-keys.js';
import { matchedRoute, pathOf } from './callback-requests.js';
import { errorBody } from './http-exception.filter.js';
import { dropRestOfBody } from './refused-body.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The API key the request presented, once ApiKeyGate has found it valid (only /v1 requests are checked). */
    apiKey: ApiKey | null;
  }
}

/**
 * Whether a request is for /v1: by the route the router matched (any spelling of its path), else by its path as
 * sent, case-insensitively (an unknown path under /v1 needs a key too, so a caller without one learns nothing).
 */
export function isApiRequest(request: FastifyRequest): boolean {
  const path = matchedRoute(request) ?? pathOf(request).toLowerCase();
  return path === '/v1' || path.startsWith('/v1/');
}

/**
 * Authentication before anything else of a /v1 request is read: a Fastify onRequest hook, so a caller without a
 * valid key is answered 401 before its body is read (body-parsing.ts reads it later, in preValidation); the rest of
 * its body is dropped as it comes for REFUSED_BODY_LINGER_MS at most, then the connection is closed, so whatever
 * it still sends holds nothing. ApiKeyGuard checks the scope.
 */
@Injectable()
export class ApiKeyGate {
  constructor(private readonly keys: ApiKeys) {}

  readonly onRequest = (request: FastifyRequest, reply: FastifyReply, done: () => void): void => {
    if (!isApiRequest(request)) return done();
    const key = this.keys.authenticate(request.headers.authorization);
    if (!key) {
      reply.code(401).send(errorBody(401, MISSING_KEY_MESSAGE));
      dropRestOfBody(request);
      return;
    }
    request.apiKey = key;
    done();
  };
}
