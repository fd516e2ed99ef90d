import type { IncomingMessage, ServerResponse } from 'node:http';
import { makeOversize } from './simulator-media.js';
import { finalAnswerHasHrefs } from './simulator-payloads.js';
import type { HrefFault, Json } from './simulator-payloads.js';
import { deliver, JSON_TYPE, replyHeaders, send, sendJson } from './simulator-replies.js';
import type { Reply } from './simulator-replies.js';
import type { Route } from './simulator-routes.js';
import { DEFAULT_SIZE_BYTES, DEFAULT_TIMEOUT_HOLD_MS } from './simulator-scripts.js';
import type { ActiveFault } from './simulator-scripts.js';
import type { TransactionState } from './simulator-transactions.js';
import type { Timers } from './simulator-timers.js';
import type { SimulatorRequest } from './simulator-types.js';

/** deep-json: how deeply the unknown field's arrays nest. */
export const DEEP_JSON_LEVELS = 100_000;
const HTML_TYPE = 'text/html; charset=utf-8';
const HTML_PAGE =
  '<!DOCTYPE html>\n<html><head><title>Service Temporarily Unavailable</title></head>' +
  '<body><h1>Please wait</h1><p>Your request is being checked (jumio-simulator wrong-content-type).</p></body></html>\n';

/** A JSON answer's fields followed by `"name": <raw JSON text>`, as bytes (the raw text is never parsed here). */
function withRawField(json: Json, name: string, raw: Buffer[]): Buffer {
  const inner = JSON.stringify(json).slice(1, -1);
  return Buffer.concat([
    Buffer.from(`{${inner}${inner ? ',' : ''}${JSON.stringify(name)}:`, 'utf8'),
    ...raw,
    Buffer.from('}', 'utf8'),
  ]);
}

/** huge-json: the normal fields plus one unknown string field, `sizeBytes` bytes in all. */
function hugeJson(normal: Reply, sizeBytes: number): Reply {
  const json = normal.json ?? {};
  const overhead = withRawField(json, 'hugeUnknownField', [Buffer.from('""')]).length;
  const filler = Buffer.alloc(Math.max(0, sizeBytes - overhead), 'x');
  return {
    ...normal,
    body: withRawField(json, 'hugeUnknownField', [Buffer.from('"'), filler, Buffer.from('"')]),
    jumioStatus: null,
  };
}

/** deep-json: the normal fields plus an unknown field of arrays nested DEEP_JSON_LEVELS deep (built flat, never parsed). */
function deepJson(normal: Reply): Reply {
  const raw = [Buffer.alloc(DEEP_JSON_LEVELS, '['), Buffer.alloc(DEEP_JSON_LEVELS, ']')];
  return { ...normal, body: withRawField(normal.json ?? {}, 'deepUnknownField', raw), jumioStatus: null };
}

/**
 * wrong-content-type: JSON endpoints and images (image, liveness, page) answer 200 `text/html` with an HTML
 * page; the facemap and the original PDF answer 200 `application/json` with a JSON body.
 */
function wrongContentType(normal: Reply, route: Route): Reply {
  if (route.endpoint === 'facemap' || route.endpoint === 'original') {
    const body = { message: 'OK', note: 'jumio-simulator wrong-content-type' };
    return {
      ...normal,
      status: 200,
      contentType: JSON_TYPE,
      body: Buffer.from(JSON.stringify(body), 'utf8'),
      json: body,
      medium: false,
      jumioStatus: null,
    };
  }
  return {
    ...normal,
    status: 200,
    contentType: HTML_TYPE,
    body: Buffer.from(HTML_PAGE, 'utf8'),
    json: null,
    medium: false,
    jumioStatus: null,
  };
}

/** Whether an answer on this route would carry hrefs, i.e. whether a foreign-href fault can show on it. */
function carriesHrefs(state: TransactionState, route: Route): boolean {
  return state.settled && finalAnswerHasHrefs(state.plan, route.endpoint, route.dataPart);
}

/**
 * The first fault (in script order) that still has hits left and applies to this route, with one hit used up.
 * Faults that corrupt a particular kind of answer wait for one: foreign-href and loopback-href for an answer with
 * hrefs, huge-json and deep-json for a 200 JSON answer, oversize for a 200 medium, wrong-content-type for any 200.
 * `preview` is the normal answer, computed at most once and only when a fault needs it. A reset on a reused
 * connection uses no hit: the client's one retry on a fresh connection is reset too, so that every hit is one
 * failed call whatever the connection reuse.
 */
export function takeFault(
  state: TransactionState,
  route: Route,
  preview: () => Reply,
  reusedConnection = false,
): ActiveFault | null {
  let normal: Reply | undefined;
  const look = () => (normal ??= preview());
  for (const f of state.faults) {
    if (f.remaining <= 0) continue;
    if (f.endpoint !== 'any' && f.endpoint !== route.endpoint) continue;
    if ((f.type === 'foreign-href' || f.type === 'loopback-href') && !carriesHrefs(state, route)) continue;
    if ((f.type === 'huge-json' || f.type === 'deep-json') && !(look().status === 200 && look().json !== null))
      continue;
    if (f.type === 'oversize' && !(look().status === 200 && look().medium)) continue;
    if (f.type === 'wrong-content-type' && look().status !== 200) continue;
    // A client retries a request reset on a reused connection once, on a fresh one: that retry meets the same hit.
    if (f.type === 'reset' && reusedConnection) return f;
    f.remaining--;
    return f;
  }
  return null;
}

/** The truncated fault: headers declaring the whole body, half of it, then the connection is closed. */
function sendTruncated(res: ServerResponse, entry: SimulatorRequest, reply: Reply): void {
  if (res.headersSent || res.destroyed) return;
  entry.httpStatus = reply.status;
  entry.durationMs = Date.now() - entry.at;
  const sent = reply.body.subarray(0, Math.floor(reply.body.length / 2));
  res.writeHead(
    reply.status,
    replyHeaders(reply.contentType, Math.max(reply.body.length, sent.length + 1), reply.headers),
  );
  res.flushHeaders();
  const socket = res.socket;
  // FIN once the part is on its way: the client sees the connection end before the declared length.
  res.write(sent, () => socket?.destroy());
}

/** A Jumio request that a fault hit, with what serving it needs. */
export interface FaultedRequest {
  req: IncomingMessage;
  res: ServerResponse;
  entry: SimulatorRequest;
  route: Route;
  /** The transaction's answer to the request; `consume`: a status answer given while pending uses up a poll. */
  answer: (hrefFault: HrefFault, consume: boolean) => Reply;
  timers: Timers;
}

/** Serves a request the way its fault says, instead of the normal answer. */
export function serveFault(fault: ActiveFault, { req, res, entry, route, answer, timers }: FaultedRequest): void {
  const preview = () => answer(null, false);
  switch (fault.type) {
    case 'http500':
      return sendJson(res, entry, 500, { httpStatus: '500', message: 'Internal Server Error' });
    case 'http429':
      return sendJson(
        res,
        entry,
        429,
        { title: 'Too Many Requests', status: 429, detail: 'Request limit exceeded' },
        fault.retryAfterSeconds !== null ? { 'Retry-After': String(fault.retryAfterSeconds) } : {},
      );
    case 'http403':
      return sendJson(res, entry, 403, { httpStatus: '403', message: 'Forbidden' });
    case 'timeout':
      return timers.hold(req.socket, fault.delayMs ?? DEFAULT_TIMEOUT_HOLD_MS);
    case 'reset':
      // RST rather than FIN: the client sees ECONNRESET, as with a dropped connection upstream.
      req.socket.resetAndDestroy();
      return;
    case 'malformed': {
      const cut = `{"timestamp":"${new Date().toISOString()}","scanReference":"${route.reference}","status":"DO`;
      return send(res, entry, 200, JSON_TYPE, Buffer.from(cut, 'utf8'));
    }
    case 'slow':
      timers.later(fault.delayMs ?? 0, () => {
        if (!res.destroyed) deliver(res, entry, answer(null, true));
      });
      return;
    case 'foreign-href':
      return deliver(res, entry, answer('foreign', true));
    case 'loopback-href':
      return deliver(res, entry, answer('loopback', true));
    // The answers below are corrupted: no client can read a status from them, so they use up no pending poll
    // and the log records no jumioStatus.
    case 'truncated':
      return sendTruncated(res, entry, preview());
    case 'huge-json':
      return deliver(res, entry, hugeJson(preview(), fault.sizeBytes ?? DEFAULT_SIZE_BYTES['huge-json']!));
    case 'deep-json':
      return deliver(res, entry, deepJson(preview()));
    case 'wrong-content-type':
      return deliver(res, entry, wrongContentType(preview(), route));
    case 'oversize': {
      const normal = preview();
      return deliver(res, entry, {
        ...normal,
        body: makeOversize(normal.contentType, fault.sizeBytes ?? DEFAULT_SIZE_BYTES.oversize!),
        jumioStatus: null,
      });
    }
  }
}
