import type { FastifyRequest } from 'fastify';
import { KINDS, type Kind } from '../common/kinds.js';

/**
 * Whether a request is for /callbacks (Jumio's callbacks: the sender gate of src/api/callbacks, raw bodies). A request the router
 * matched to a route is judged by that route, so no spelling of the path that the router accepts (case, a
 * trailing slash, percent-encoding) reaches a callback route around the gate; any other request by its path,
 * case-insensitively, as express matched the /callbacks mount: an unknown path under it is gated too (an
 * absolute-form target, `POST http://host/callbacks/x`, matches no route and is answered 404 before this hook).
 */
export function isCallbackRequest(request: FastifyRequest): boolean {
  const path = matchedRoute(request) ?? pathOf(request).toLowerCase();
  return path === '/callbacks' || path.startsWith('/callbacks/');
}

/** The route the router matched the request to (whatever the spelling of its path), if any. */
export function matchedRoute(request: FastifyRequest): string | undefined {
  return request.is404 ? undefined : request.routeOptions.url;
}

/** The request's path as sent (no query string, not decoded). */
export function pathOf(request: FastifyRequest): string {
  const url = request.raw.url ?? '';
  const end = url.indexOf('?');
  return end === -1 ? url : url.slice(0, end);
}

/**
 * The kind a callback request is for, for metrics: the matched route's last segment when a route matched (any
 * spelling of its path), else the path's as sent.
 */
export function callbackKindOf(request: FastifyRequest): Kind | 'unknown' {
  const segment = (matchedRoute(request) ?? pathOf(request)).split('/').filter(Boolean).pop() ?? '';
  return (KINDS as readonly string[]).includes(segment) ? (segment as Kind) : 'unknown';
}

/** Jumio's callbacks are small; this leaves room for long addresses and many liveness links. */
export const MAX_CALLBACK_BODY_BYTES = 256 * 1024;

/** Why a body is not a callback at all (answered 400; the message never repeats the body). */
export class CallbackBodyError extends Error {}

export const NOT_A_FORM = 'a Jumio callback is sent as application/x-www-form-urlencoded';

/** Decodes a raw form body as UTF-8; anything that is not one is refused with CallbackBodyError. */
export function decodeCallbackBody(raw: unknown, contentType: string | undefined): string {
  if (!/^application\/x-www-form-urlencoded\s*(;|$)/i.test(contentType ?? '')) {
    throw new CallbackBodyError(NOT_A_FORM);
  }
  if (!Buffer.isBuffer(raw) || raw.length === 0) throw new CallbackBodyError('the callback body is empty');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch {
    throw new CallbackBodyError('the callback body is not valid UTF-8');
  }
}
