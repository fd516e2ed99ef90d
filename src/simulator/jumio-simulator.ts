import { randomUUID, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { CALLBACK_PATHS, callbackFields } from './simulator-callbacks.js';
import { expectedMedium, makeOversize } from './simulator-media.js';
import type { Medium } from './simulator-media.js';
import {
  API_PREFIX,
  authenticationStatus,
  documentData,
  documentPageList,
  documentPages,
  documentStatus,
  hasAuthFace,
  hasFacemap,
  hasOriginal,
  livenessNumbers,
  scanData,
  scanImageClassifiers,
  scanImages,
  scanStatus,
} from './simulator-payloads.js';
import type { DocumentDataPart, HrefFault, Json, PayloadContext, ScanDataPart } from './simulator-payloads.js';
import {
  DEFAULT_SIZE_BYTES,
  DEFAULT_TIMEOUT_HOLD_MS,
  ENDPOINTS,
  KINDS,
  ScriptError,
  TransactionRegistry,
} from './simulator-scripts.js';
import type { ActiveFault, TransactionState } from './simulator-scripts.js';
import type {
  RequestFilter,
  SentCallback,
  SimulatorEndpoint,
  SimulatorKind,
  SimulatorOptions,
  SimulatorRequest,
  TransactionScript,
} from './simulator-types.js';

export { expectedMedium } from './simulator-media.js';
export type { Medium, MediumOptions } from './simulator-media.js';
export {
  DEFAULT_SIZE_BYTES,
  derivePlan,
  ENDPOINTS,
  FAULT_TYPES,
  KINDS,
  ScriptError,
  validateScript,
} from './simulator-scripts.js';
export { CALLBACK_PATHS, callbackFields } from './simulator-callbacks.js';
export type {
  CallbackScript,
  SentCallback,
  FaultScript,
  FaultType,
  RequestFilter,
  ScriptFinal,
  ScriptVariant,
  SimulatorEndpoint,
  SimulatorKind,
  SimulatorOptions,
  SimulatorRequest,
  TransactionScript,
} from './simulator-types.js';
export { API_PREFIX, FOREIGN_ORIGIN, PRIVATE_ORIGIN, loopbackOrigin } from './simulator-payloads.js';

/** The log keeps this many newest requests by default; a long soak must not grow the rig's memory without bound. */
export const MAX_LOGGED_REQUESTS = 200_000;
const CONTROL_PREFIX = '/__simulator';
const MAX_CONTROL_BODY = 1024 * 1024;
const JSON_TYPE = 'application/json;charset=UTF-8';
const HTML_TYPE = 'text/html; charset=utf-8';
/** deep-json: how deeply the unknown field's arrays nest. */
export const DEEP_JSON_LEVELS = 100_000;

/** What the simulator answers to one request; corrupting faults rewrite it before it is sent. */
interface Reply {
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

function jsonReply(status: number, body: Json): Reply {
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

function mediumReply(m: Medium): Reply {
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

function notFoundReply(reference: string | null, origin: string, url: URL): Reply {
  const message = reference ? `Not found: Scan not found for ${reference}` : `Not found: ${url.pathname}`;
  return jsonReply(404, { httpStatus: '404', message, requestURI: `${origin}${url.pathname}` });
}

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

const HTML_PAGE =
  '<!DOCTYPE html>\n<html><head><title>Service Temporarily Unavailable</title></head>' +
  '<body><h1>Please wait</h1><p>Your request is being checked (jumio-simulator wrong-content-type).</p></body></html>\n';

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

interface Route {
  kind: SimulatorKind | null;
  reference: string | null;
  endpoint: SimulatorEndpoint | 'unknown';
  mediumName: string | null;
  dataPart?: ScanDataPart;
  classifier?: string;
  number?: number;
}

const COLLECTIONS: Record<string, SimulatorKind> = {
  scans: 'scan',
  documents: 'document',
  authentications: 'authentication',
};
const NUMBER_SEGMENT = /^\d{1,6}$/;

function decodeSegment(s: string): string | null {
  try {
    return decodeURIComponent(s);
  } catch {
    return null;
  }
}

/** Maps a request path onto Jumio's Retrieval API v2 routes; anything else is `unknown` (404). */
export function parseRoute(pathname: string): Route {
  const unknown: Route = { kind: null, reference: null, endpoint: 'unknown', mediumName: null };
  if (!pathname.startsWith(`${API_PREFIX}/`)) return unknown;
  const raw = pathname.slice(API_PREFIX.length + 1).split('/');
  const segs = raw.map(decodeSegment);
  if (segs.some((s) => s === null || s === '')) return unknown;
  const [collection, reference, ...rest] = segs as string[];
  const kind = COLLECTIONS[collection];
  if (!kind || !reference) return unknown;
  const base = { kind, reference };
  const r = (endpoint: SimulatorEndpoint, extra: Partial<Route> = {}): Route => ({
    ...base,
    endpoint,
    mediumName: null,
    ...extra,
  });
  const [a, b, c, ...more] = rest;
  if (more.length > 0) return { ...base, endpoint: 'unknown', mediumName: null };
  if (a === undefined) return r('status');

  if (kind === 'scan') {
    if (a === 'data') {
      if (b === undefined) return r('data', { dataPart: 'all' });
      if (c !== undefined) return { ...r('data'), endpoint: 'unknown' };
      if (b === 'document' || b === 'transaction' || b === 'verification') return r('data', { dataPart: b });
      if (b === 'facemap') return r('facemap', { mediumName: 'facemap' });
    } else if (a === 'images') {
      if (b === undefined) return r('images');
      if (b === 'liveness' && c !== undefined && NUMBER_SEGMENT.test(c))
        return r('liveness', { number: Number(c), mediumName: `liveness-${Number(c)}` });
      if (b !== 'liveness' && c === undefined) return r('image', { classifier: b, mediumName: b });
    }
  } else if (kind === 'document') {
    if (a === 'data') {
      if (b === undefined) return r('data', { dataPart: 'all' });
      if (c === undefined && (b === 'document' || b === 'transaction')) return r('data', { dataPart: b });
    } else if (a === 'pages') {
      if (b === undefined) return r('pages');
      if (c === undefined && NUMBER_SEGMENT.test(b))
        return r('page', { number: Number(b), mediumName: `page-${Number(b)}` });
    } else if (a === 'original' && b === undefined) {
      return r('original', { mediumName: 'original' });
    }
  } else if (a === 'images') {
    if (b === 'liveness' && c !== undefined && NUMBER_SEGMENT.test(c))
      return r('liveness', { number: Number(c), mediumName: `liveness-${Number(c)}` });
    if (b !== undefined && b !== 'liveness' && c === undefined) return r('image', { classifier: b, mediumName: b });
  }
  return { ...base, endpoint: 'unknown', mediumName: null };
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

function parseBasic(header: string | undefined): { user: string; password: string } | null {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!m) return null;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function headerValue(v: string | string[] | undefined): string | null {
  if (v === undefined) return null;
  return Array.isArray(v) ? v.join(', ') : v;
}

/** Whether an answer on this route would carry hrefs, i.e. whether a foreign-href fault can show on it. */
function carriesHrefs(state: TransactionState, route: Route): boolean {
  const { plan } = state;
  if (!state.settled || plan.final === 'NOT_FOUND') return false;
  switch (plan.kind) {
    case 'scan':
      if (route.endpoint === 'images') return scanImageClassifiers(plan).length + livenessNumbers(plan).length > 0;
      return route.endpoint === 'data' && route.dataPart === 'all' && hasFacemap(plan);
    case 'document':
      if (route.endpoint === 'pages') return documentPages(plan).length > 0;
      return (
        route.endpoint === 'data' && (route.dataPart === 'all' || route.dataPart === 'document') && hasOriginal(plan)
      );
    case 'authentication':
      return route.endpoint === 'status' && hasAuthFace(plan);
  }
}

/**
 * A stand-in for Jumio's Retrieval API v2 (ID Verification, Document Verification, Authentication) on a real
 * socket, for tests and the sandbox. Behaviour per transaction comes from scripts (see `script`) or, for
 * unscripted UUIDs, from the reference's last hex digit (see `derivePlan`). Every Jumio call is logged.
 */
export class JumioSimulator {
  readonly url: string;
  private readonly registry = new TransactionRegistry();
  private log: SimulatorRequest[] = [];
  private seq = 0;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly held = new Set<Socket>();
  private callbackBaseUrl: string | null;
  private sent: SentCallback[] = [];
  private callbackSeq = 0;
  private readonly maxLogged: number;
  /** Trimming in batches keeps appends O(1) amortised instead of shifting 200k entries per request. */
  private readonly trimSlack: number;

  private constructor(
    private readonly server: http.Server,
    private readonly options: SimulatorOptions,
    host: string,
    port: number,
  ) {
    this.url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
    this.callbackBaseUrl = options.callbackBaseUrl ?? null;
    this.maxLogged = options.maxLoggedRequests ?? MAX_LOGGED_REQUESTS;
    this.trimSlack = Math.max(1, Math.floor(this.maxLogged / 20));
  }

  static async start(options: SimulatorOptions): Promise<JumioSimulator> {
    if (!options || typeof options.apiToken !== 'string' || typeof options.apiSecret !== 'string') {
      throw new Error('JumioSimulator.start needs apiToken and apiSecret');
    }
    const max = options.maxLoggedRequests;
    if (max !== undefined && (!Number.isInteger(max) || max < 1))
      throw new Error('maxLoggedRequests must be a positive integer');
    const host = options.host ?? '127.0.0.1';
    const server = http.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const port = (server.address() as AddressInfo).port;
    const sim = new JumioSimulator(server, options, host, port);
    server.on('request', (req, res) => sim.onRequest(req, res));
    return sim;
  }

  /** Replaces any earlier script for that reference (and its pending counter and faults). Throws ScriptError. */
  script(s: TransactionScript): void {
    this.scheduleScriptedCallback(this.registry.script(s));
  }

  /** Where callbacks are posted: `<base>/id-verifications`, `/document-verifications`, `/authentications`. */
  setCallbackBaseUrl(url: string | null): void {
    if (url !== null) new URL(url); // throws on a malformed URL
    this.callbackBaseUrl = url === null ? null : url.replace(/\/+$/, '');
  }

  /**
   * Sends the callback of a final transaction (scripted, or derived from its reference) after `delayMs`,
   * `deliveries` times. Throws ScriptError when there is no such transaction, it has no callback (NOT_FOUND), or no
   * callback URL is configured.
   */
  sendCallback(kind: SimulatorKind, reference: string, opts: { delayMs?: number; deliveries?: number } = {}): void {
    const state = this.registry.lookup(kind, reference);
    if (!state) throw new ScriptError('reference', `no ${kind} transaction ${reference} is known`);
    if (state.plan.final === 'NOT_FOUND')
      throw new ScriptError(
        'reference',
        'Jumio sends no callback for a transaction it does not have (final NOT_FOUND)',
      );
    if (this.callbackBaseUrl === null)
      throw new ScriptError(
        'callbackBaseUrl',
        'no callback URL is configured (POST /__simulator/config { "callbackBaseUrl": ... })',
      );
    this.later(opts.delayMs ?? 0, () => void this.postCallback(state, opts.deliveries ?? 1));
  }

  /** The callbacks sent so far (optionally of one reference), oldest first. */
  sentCallbacks(reference?: string): SentCallback[] {
    return this.sent.filter((c) => reference === undefined || c.reference === reference).map((c) => ({ ...c }));
  }

  private scheduleScriptedCallback(state: TransactionState): void {
    if (!state.callback) return;
    const { afterMs, deliveries } = state.callback;
    this.later(afterMs, () => void this.postCallback(state, deliveries));
  }

  private async postCallback(state: TransactionState, deliveries: number): Promise<void> {
    state.settle();
    const { plan } = state;
    const body = new URLSearchParams(callbackFields(plan, this.url, new Date())).toString();
    for (let i = 0; i < deliveries; i++) {
      const url = `${this.callbackBaseUrl ?? ''}/${CALLBACK_PATHS[plan.kind]}`;
      const entry: SentCallback = {
        seq: ++this.callbackSeq,
        at: Date.now(),
        kind: plan.kind,
        reference: plan.reference,
        url,
        httpStatus: null,
        error: null,
      };
      this.sent.push(entry);
      if (this.sent.length > this.maxLogged) this.sent.splice(0, this.sent.length - this.maxLogged);
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            'user-agent': 'Jumio Callback (jumio-simulator)',
          },
          body,
          signal: AbortSignal.timeout(10_000),
        });
        entry.httpStatus = res.status;
        await res.arrayBuffer().catch(() => undefined);
      } catch (e) {
        entry.error = e instanceof Error ? e.message : String(e);
      }
    }
  }

  requests(filter: RequestFilter = {}): SimulatorRequest[] {
    const start = Math.max(0, this.log.length - this.maxLogged);
    const out: SimulatorRequest[] = [];
    for (let i = start; i < this.log.length; i++) {
      const e = this.log[i];
      if (filter.reference !== undefined && e.reference !== filter.reference) continue;
      if (filter.since !== undefined && e.at < filter.since) continue;
      if (filter.endpoint !== undefined && filter.endpoint !== 'any' && e.endpoint !== filter.endpoint) continue;
      out.push({ ...e, query: { ...e.query } });
    }
    return out;
  }

  clearRequests(): void {
    this.log = [];
  }

  /** Clears scripts, pending counters of derived references, and the log. */
  reset(): void {
    this.registry.reset();
    this.clearRequests();
    this.sent = [];
  }

  /** Stops listening and destroys every open socket, held (timeout) ones included. */
  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const s of this.held) s.destroy();
    this.held.clear();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  // ----------------------------------------------------------------------------------------------

  private later(ms: number, fn: () => void): NodeJS.Timeout {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
    return t;
  }

  private record(entry: SimulatorRequest): void {
    this.log.push(entry);
    if (this.log.length > this.maxLogged + this.trimSlack) this.log.splice(0, this.log.length - this.maxLogged);
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const at = Date.now();
    const url = new URL(req.url ?? '/', 'http://simulator.invalid');
    if (url.pathname === CONTROL_PREFIX || url.pathname.startsWith(`${CONTROL_PREFIX}/`)) {
      this.onControl(req, res, url).catch((err: unknown) => {
        if (!res.headersSent) this.sendJson(res, null, 500, { error: 'simulator error', message: String(err) });
      });
      return;
    }
    const route = parseRoute(url.pathname);
    const auth = parseBasic(req.headers.authorization);
    const entry: SimulatorRequest = {
      seq: ++this.seq,
      at,
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      kind: route.kind,
      reference: route.reference,
      endpoint: route.endpoint,
      mediumName: route.mediumName,
      basicUser: auth?.user ?? null,
      authorized:
        auth !== null &&
        safeEqual(auth.user, this.options.apiToken) &&
        safeEqual(auth.password, this.options.apiSecret),
      userAgent: headerValue(req.headers['user-agent']),
      accept: headerValue(req.headers.accept),
      httpStatus: null,
      fault: null,
      jumioStatus: null,
      durationMs: null,
    };
    this.record(entry);
    // A request the simulator never answered still gets a duration: when its socket went away.
    res.on('close', () => {
      if (entry.durationMs === null) entry.durationMs = Date.now() - entry.at;
    });
    req.resume();
    this.onJumio(req, res, url, route, entry);
  }

  private onJumio(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    url: URL,
    route: Route,
    entry: SimulatorRequest,
  ): void {
    if (!entry.authorized) {
      return this.sendJson(
        res,
        entry,
        401,
        { httpStatus: '401', message: 'Unauthorized' },
        { 'WWW-Authenticate': 'Basic' },
      );
    }
    if (!entry.userAgent || entry.userAgent.trim() === '') {
      return this.sendJson(res, entry, 403, {
        httpStatus: '403',
        message: 'Forbidden: a User-Agent naming your business is required',
      });
    }
    if (!entry.accept || entry.accept.trim() === '') {
      return this.sendJson(res, entry, 403, { httpStatus: '403', message: 'Forbidden: an Accept header is required' });
    }
    if (entry.method !== 'GET') {
      return this.sendJson(res, entry, 405, { httpStatus: '405', message: 'Method Not Allowed' }, { Allow: 'GET' });
    }
    const origin = req.headers.host ? `http://${req.headers.host}` : this.url;
    if (route.endpoint === 'unknown' || !route.kind || !route.reference) return this.notFound(res, entry, origin, url);
    const state = this.registry.lookup(route.kind, route.reference);
    if (!state) return this.notFound(res, entry, origin, url);

    const preview = () => this.reply(url, origin, state, route, { hrefFault: null, consume: false });
    const fault = this.takeFault(state, route, preview);
    entry.fault = fault?.type ?? null;
    switch (fault?.type) {
      case undefined:
        return this.deliver(res, entry, this.reply(url, origin, state, route, { hrefFault: null, consume: true }));
      case 'http500':
        return this.sendJson(res, entry, 500, { httpStatus: '500', message: 'Internal Server Error' });
      case 'http429':
        return this.sendJson(
          res,
          entry,
          429,
          { title: 'Too Many Requests', status: 429, detail: 'Request limit exceeded' },
          fault.retryAfterSeconds !== null ? { 'Retry-After': String(fault.retryAfterSeconds) } : {},
        );
      case 'http403':
        return this.sendJson(res, entry, 403, { httpStatus: '403', message: 'Forbidden' });
      case 'timeout':
        return this.hold(req, fault.delayMs ?? DEFAULT_TIMEOUT_HOLD_MS);
      case 'reset':
        // RST rather than FIN: the client sees ECONNRESET, as with a dropped connection upstream.
        req.socket.resetAndDestroy();
        return;
      case 'malformed': {
        const cut = `{"timestamp":"${new Date().toISOString()}","scanReference":"${route.reference}","status":"DO`;
        return this.send(res, entry, 200, JSON_TYPE, Buffer.from(cut, 'utf8'));
      }
      case 'slow':
        this.later(fault.delayMs ?? 0, () => {
          if (!res.destroyed)
            this.deliver(res, entry, this.reply(url, origin, state, route, { hrefFault: null, consume: true }));
        });
        return;
      case 'foreign-href':
        return this.deliver(res, entry, this.reply(url, origin, state, route, { hrefFault: 'foreign', consume: true }));
      case 'loopback-href':
        return this.deliver(
          res,
          entry,
          this.reply(url, origin, state, route, { hrefFault: 'loopback', consume: true }),
        );
      // The answers below are corrupted: no client can read a status from them, so they use up no pending poll
      // and the log records no jumioStatus.
      case 'truncated':
        return this.sendTruncated(res, entry, preview());
      case 'huge-json':
        return this.deliver(res, entry, hugeJson(preview(), fault.sizeBytes ?? DEFAULT_SIZE_BYTES['huge-json']!));
      case 'deep-json':
        return this.deliver(res, entry, deepJson(preview()));
      case 'wrong-content-type':
        return this.deliver(res, entry, wrongContentType(preview(), route));
      case 'oversize': {
        const normal = preview();
        return this.deliver(res, entry, {
          ...normal,
          body: makeOversize(normal.contentType, fault.sizeBytes ?? DEFAULT_SIZE_BYTES.oversize!),
          jumioStatus: null,
        });
      }
    }
  }

  /**
   * The first fault (in script order) that still has hits left and applies to this route. Faults that corrupt
   * a particular kind of answer wait for one: foreign-href and loopback-href for an answer with hrefs,
   * huge-json and deep-json for a 200 JSON answer, oversize for a 200 medium, wrong-content-type for any 200.
   */
  private takeFault(state: TransactionState, route: Route, preview: () => Reply): ActiveFault | null {
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
      f.remaining--;
      return f;
    }
    return null;
  }

  private hold(req: http.IncomingMessage, ms: number): void {
    const socket = req.socket;
    this.held.add(socket);
    const timer = this.later(ms, () => socket.destroy());
    socket.once('close', () => {
      clearTimeout(timer);
      this.timers.delete(timer);
      this.held.delete(socket);
    });
  }

  /**
   * What the simulator answers to a request (before any corrupting fault). `consume`: a status answer given
   * while pending uses up one pending poll; a preview (for a fault to corrupt, or to decide whether it applies)
   * does not.
   */
  private reply(
    url: URL,
    origin: string,
    state: TransactionState,
    route: Route,
    opts: { hrefFault: HrefFault; consume: boolean },
  ): Reply {
    const { plan } = state;
    const ctx: PayloadContext = { plan, origin, now: new Date(), hrefFault: opts.hrefFault };
    const notFound = () => notFoundReply(route.reference, origin, url);
    if (route.endpoint === 'status') {
      if (state.settled && plan.final === 'NOT_FOUND') return notFound();
      const settled = state.settled;
      if (!settled && opts.consume) state.pendingServed++;
      const answer =
        plan.kind === 'scan'
          ? scanStatus(ctx, settled)
          : plan.kind === 'document'
            ? documentStatus(ctx, settled)
            : authenticationStatus(ctx, settled);
      return { ...jsonReply(200, answer.body), jumioStatus: answer.jumioStatus };
    }
    // Sub-resources of a transaction that is still pending are 404, as Jumio's pre-2019 guide describes.
    if (!state.settled || plan.final === 'NOT_FOUND') return notFound();

    const medium = (name: string, opts?: { masked?: boolean }) =>
      mediumReply(expectedMedium(plan.kind, plan.reference, name, opts));
    const n = route.number ?? -1;
    switch (route.endpoint) {
      case 'data':
        return jsonReply(
          200,
          plan.kind === 'scan'
            ? scanData(ctx, route.dataPart ?? 'all')
            : documentData(ctx, (route.dataPart ?? 'all') as DocumentDataPart),
        );
      case 'facemap':
        return hasFacemap(plan) ? medium('facemap') : notFound();
      case 'images':
        return jsonReply(200, scanImages(ctx));
      case 'image': {
        const exists =
          plan.kind === 'scan'
            ? scanImageClassifiers(plan).includes(route.classifier ?? '')
            : route.classifier === 'face' && hasAuthFace(plan);
        return exists ? medium(route.classifier as string) : notFound();
      }
      case 'liveness':
        return livenessNumbers(plan).includes(n) ? medium(`liveness-${n}`) : notFound();
      case 'pages':
        return jsonReply(200, documentPageList(ctx));
      case 'page': {
        if (!documentPages(plan).includes(n)) return notFound();
        const hint = url.searchParams.get('maskhint');
        if (hint === null || hint === 'masked') return medium(`page-${n}`, { masked: true });
        if (hint !== 'unmasked')
          return jsonReply(400, { httpStatus: '400', message: 'Bad Request: maskhint must be masked or unmasked' });
        if (!plan.allowUnmasked)
          return jsonReply(403, {
            httpStatus: '403',
            message: 'Forbidden: retrieval of unmasked images is not enabled',
          });
        return medium(`page-${n}`, { masked: false });
      }
      case 'original':
        return hasOriginal(plan) ? medium('original') : notFound();
      default:
        return notFound();
    }
  }

  private deliver(res: http.ServerResponse, entry: SimulatorRequest, reply: Reply): void {
    entry.jumioStatus = reply.jumioStatus;
    this.send(res, entry, reply.status, reply.contentType, reply.body, reply.headers);
  }

  /** The truncated fault: headers declaring the whole body, half of it, then the connection is closed. */
  private sendTruncated(res: http.ServerResponse, entry: SimulatorRequest, reply: Reply): void {
    if (res.headersSent || res.destroyed) return;
    entry.httpStatus = reply.status;
    entry.durationMs = Date.now() - entry.at;
    const sent = reply.body.subarray(0, Math.floor(reply.body.length / 2));
    res.writeHead(reply.status, {
      'Content-Type': reply.contentType,
      'Content-Length': String(Math.max(reply.body.length, sent.length + 1)),
      'X-Trackingid': randomUUID(),
      ...reply.headers,
    });
    res.flushHeaders();
    const socket = res.socket;
    // FIN once the part is on its way: the client sees the connection end before the declared length.
    res.write(sent, () => socket?.destroy());
  }

  private notFound(res: http.ServerResponse, entry: SimulatorRequest, origin: string, url: URL): void {
    this.deliver(res, entry, notFoundReply(entry.reference, origin, url));
  }

  private sendJson(
    res: http.ServerResponse,
    entry: SimulatorRequest | null,
    status: number,
    body: Json | unknown[],
    headers: Record<string, string> = {},
  ): void {
    this.send(res, entry, status, JSON_TYPE, Buffer.from(JSON.stringify(body), 'utf8'), headers);
  }

  private send(
    res: http.ServerResponse,
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
    res.writeHead(status, {
      'Content-Type': contentType,
      'Content-Length': String(body.length),
      'X-Trackingid': randomUUID(),
      ...headers,
    });
    res.end(body);
  }

  // ----------------------------------------------------------------------------------------------
  // Control API: no authentication, it is a test rig on loopback.

  private async onControl(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    const path = url.pathname.slice(CONTROL_PREFIX.length);
    const method = req.method ?? 'GET';
    const allow = (methods: string) =>
      this.sendJson(res, null, 405, { error: 'method not allowed', allow: methods }, { Allow: methods });

    if (path === '/health') {
      if (method !== 'GET') return allow('GET');
      req.resume();
      return this.sendJson(res, null, 200, { status: 'ok', url: this.url });
    }
    if (path === '/transactions') {
      if (method !== 'POST') return allow('POST');
      let parsed: unknown;
      try {
        parsed = JSON.parse(await readBody(req, MAX_CONTROL_BODY));
      } catch (err) {
        return this.sendJson(res, null, 400, {
          error: 'invalid script',
          field: 'body',
          message: err instanceof Error ? err.message : String(err),
        });
      }
      try {
        const state = this.registry.script(parsed as TransactionScript);
        this.scheduleScriptedCallback(state);
        return this.sendJson(res, null, 201, {
          kind: state.plan.kind,
          reference: state.plan.reference,
          plan: state.plan,
        });
      } catch (err) {
        if (err instanceof ScriptError)
          return this.sendJson(res, null, 400, { error: 'invalid script', field: err.field, message: err.message });
        throw err;
      }
    }
    if (path === '/requests') {
      req.resume();
      if (method === 'DELETE') {
        this.clearRequests();
        return this.send(res, null, 204, JSON_TYPE, Buffer.alloc(0));
      }
      if (method !== 'GET') return allow('GET, DELETE');
      const filter: RequestFilter = {};
      const reference = url.searchParams.get('reference');
      if (reference) filter.reference = reference;
      const since = url.searchParams.get('since');
      if (since) {
        if (!/^\d+$/.test(since))
          return this.sendJson(res, null, 400, {
            error: 'invalid query',
            field: 'since',
            message: 'must be a Date.now() value',
          });
        filter.since = Number(since);
      }
      const endpoint = url.searchParams.get('endpoint');
      if (endpoint) {
        if (!(ENDPOINTS as readonly string[]).includes(endpoint)) {
          return this.sendJson(res, null, 400, {
            error: 'invalid query',
            field: 'endpoint',
            message: `must be one of ${ENDPOINTS.join(', ')}`,
          });
        }
        filter.endpoint = endpoint as SimulatorEndpoint;
      }
      return this.sendJson(res, null, 200, { requests: this.requests(filter) });
    }
    if (path === '/config') {
      if (method !== 'POST') return allow('POST');
      try {
        const parsed = JSON.parse(await readBody(req, MAX_CONTROL_BODY)) as { callbackBaseUrl?: unknown };
        const url = parsed.callbackBaseUrl;
        if (url !== null && typeof url !== 'string') throw new Error('callbackBaseUrl must be a URL string or null');
        this.setCallbackBaseUrl(url);
      } catch (err) {
        return this.sendJson(res, null, 400, {
          error: 'invalid config',
          field: 'callbackBaseUrl',
          message: err instanceof Error ? err.message : String(err),
        });
      }
      return this.sendJson(res, null, 200, { callbackBaseUrl: this.callbackBaseUrl });
    }
    if (path === '/callbacks') {
      if (method === 'GET') {
        req.resume();
        return this.sendJson(res, null, 200, {
          callbacks: this.sentCallbacks(url.searchParams.get('reference') ?? undefined),
        });
      }
      if (method !== 'POST') return allow('GET, POST');
      let parsed: { kind?: unknown; reference?: unknown; delayMs?: unknown; deliveries?: unknown };
      try {
        parsed = JSON.parse(await readBody(req, MAX_CONTROL_BODY)) as typeof parsed;
      } catch (err) {
        return this.sendJson(res, null, 400, {
          error: 'invalid request',
          field: 'body',
          message: err instanceof Error ? err.message : String(err),
        });
      }
      const kind = parsed.kind as SimulatorKind;
      if (!KINDS.includes(kind))
        return this.sendJson(res, null, 400, {
          error: 'invalid request',
          field: 'kind',
          message: `must be one of ${KINDS.join(', ')}`,
        });
      if (typeof parsed.reference !== 'string')
        return this.sendJson(res, null, 400, { error: 'invalid request', field: 'reference', message: 'is required' });
      const int = (v: unknown, max: number) =>
        v === undefined || (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max);
      if (!int(parsed.delayMs, 600_000))
        return this.sendJson(res, null, 400, {
          error: 'invalid request',
          field: 'delayMs',
          message: 'must be an integer from 0 to 600000',
        });
      if (!int(parsed.deliveries, 5) || parsed.deliveries === 0)
        return this.sendJson(res, null, 400, {
          error: 'invalid request',
          field: 'deliveries',
          message: 'must be an integer from 1 to 5',
        });
      try {
        this.sendCallback(kind, parsed.reference, {
          delayMs: parsed.delayMs as number | undefined,
          deliveries: parsed.deliveries as number | undefined,
        });
      } catch (err) {
        if (err instanceof ScriptError)
          return this.sendJson(res, null, err.field === 'callbackBaseUrl' ? 409 : 404, {
            error: 'cannot send',
            field: err.field,
            message: err.message,
          });
        throw err;
      }
      return this.sendJson(res, null, 202, { scheduled: true, kind, reference: parsed.reference });
    }
    if (path === '/reset') {
      if (method !== 'POST') return allow('POST');
      req.resume();
      this.reset();
      return this.send(res, null, 204, JSON_TYPE, Buffer.alloc(0));
    }
    req.resume();
    return this.sendJson(res, null, 404, { error: 'not found', path: url.pathname });
  }
}

/** Reads the whole body; an oversized one is drained (so the 400 can still be sent) and refused. */
function readBody(req: http.IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.on('end', () =>
      size > limit ? reject(new Error(`body exceeds ${limit} bytes`)) : resolve(Buffer.concat(chunks).toString('utf8')),
    );
    req.on('error', reject);
  });
}
