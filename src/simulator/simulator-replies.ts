import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { Medium } from './simulator-media.js';
import type { Json } from './simulator-payloads.js';
import type { SimulatorRequest } from './simulator-types.js';

export const JSON_TYPE = 'application/json;charset=UTF-8';

/** What the simulator answers to one request; corrupting faults rewrite it before it is sent. */
export interface Reply {
  status: number;
  contentType: string;
  body: Buffer;
  /** The object of a JSON answer (null for media). */
  json: Json | null;
  /** An image, facemap or PDF. */
  medium: boolean;
  headers: Record<string, string>;
  /** The status / transactionResult a status answer gives (null otherwise, and for corrupted answers). */
  jumioStatus: string | null;
}

export function jsonReply(status: number, body: Json): Reply {
  return {
    status,
    contentType: JSON_TYPE,
    body: Buffer.from(JSON.stringify(body), 'utf8'),
    json: body,
    medium: false,
    headers: {},
    jumioStatus: null,
  };
}

export function mediumReply(m: Medium): Reply {
  return {
    status: 200,
    contentType: m.contentType,
    body: m.bytes,
    json: null,
    medium: true,
    headers: {},
    jumioStatus: null,
  };
}

export function notFoundReply(reference: string | null, origin: string, url: URL): Reply {
  const message = reference ? `Not found: Scan not found for ${reference}` : `Not found: ${url.pathname}`;
  return jsonReply(404, { httpStatus: '404', message, requestURI: `${origin}${url.pathname}` });
}

/** The headers of every answer; `Content-Length` is given apart because the truncated fault declares more than it sends. */
export function replyHeaders(
  contentType: string,
  contentLength: number,
  headers: Record<string, string>,
): Record<string, string> {
  return {
    'Content-Type': contentType,
    'Content-Length': String(contentLength),
    'X-Trackingid': randomUUID(),
    ...headers,
  };
}

/**
 * Writes a whole answer, unless one was already sent or the client is gone. `entry` is the request's log line
 * (null for control calls, which are not logged): it gets the status and the duration.
 */
export function send(
  res: ServerResponse,
  entry: SimulatorRequest | null,
  status: number,
  contentType: string,
  body: Buffer,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent || res.destroyed) return;
  if (entry) {
    entry.httpStatus = status;
    entry.durationMs = Date.now() - entry.at;
  }
  res.writeHead(status, replyHeaders(contentType, body.length, headers));
  res.end(body);
}

export function sendJson(
  res: ServerResponse,
  entry: SimulatorRequest | null,
  status: number,
  body: Json | unknown[],
  headers: Record<string, string> = {},
): void {
  send(res, entry, status, JSON_TYPE, Buffer.from(JSON.stringify(body), 'utf8'), headers);
}

/** Sends a Reply and records the Jumio status it gives in the log entry. */
export function deliver(res: ServerResponse, entry: SimulatorRequest, reply: Reply): void {
  entry.jumioStatus = reply.jumioStatus;
  send(res, entry, reply.status, reply.contentType, reply.body, reply.headers);
}
