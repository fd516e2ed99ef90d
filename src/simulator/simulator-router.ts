import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SimulatorAccounts } from './simulator-accounts.js';
import { serveFault, takeFault, type FaultedRequest } from './simulator-faults.js';
import { expectedMedium } from './simulator-media.js';
import {
  documentPages,
  hasAuthFace,
  hasFacemap,
  hasOriginal,
  livenessNumbers,
  scanImageClassifiers,
} from './simulator-payloads.js';
import type { HrefFault, PayloadContext } from './simulator-payloads.js';
import { authenticationStatus } from './simulator-payloads-authentication.js';
import { documentData, documentPageList, documentStatus } from './simulator-payloads-document.js';
import type { DocumentDataPart } from './simulator-payloads-document.js';
import { scanData, scanImages, scanStatus } from './simulator-payloads-scan.js';
import { deliver, jsonReply, mediumReply, notFoundReply, sendJson } from './simulator-replies.js';
import type { Reply } from './simulator-replies.js';
import type { RequestLog } from './simulator-request-log.js';
import { parseRoute } from './simulator-routes.js';
import type { Route } from './simulator-routes.js';
import type { TransactionRegistry, TransactionState } from './simulator-transactions.js';
import type { Timers } from './simulator-timers.js';
import type { SimulatorOptions, SimulatorRequest } from './simulator-types.js';

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

/** What the router works with: the credentials it checks, the transactions it answers for, where it logs. */
export interface RouterParts {
  options: SimulatorOptions;
  accounts: SimulatorAccounts;
  /** The origin of hrefs when a request has no Host header. */
  simulatorUrl: string;
  /** http, or https when the simulator serves TLS. */
  scheme: 'http' | 'https';
  registry: TransactionRegistry;
  log: RequestLog;
  timers: Timers;
}

/**
 * Jumio's Retrieval API paths: logs every request, applies Jumio's checks in the README's order, then answers
 * from the transaction's plan or from the scripted fault that takes the request.
 */
export class RetrievalRouter {
  constructor(private readonly parts: RouterParts) {}

  /** `at` is the request's arrival (Date.now()); `reused`: it came on a connection that served a request before. */
  handle(req: IncomingMessage, res: ServerResponse, url: URL, at: number, reused = false): void {
    const { accounts, log } = this.parts;
    const route = routeOf(req.method, url.pathname);
    const auth = parseBasic(req.headers.authorization);
    const account = auth ? accounts.authorize(auth.user, auth.password) : null;
    const entry: SimulatorRequest = {
      seq: log.nextSeq(),
      at,
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      kind: route.kind,
      reference: route.reference,
      endpoint: route.endpoint,
      mediumName: route.mediumName,
      basicUser: auth?.user ?? null,
      authorized: account !== null,
      account,
      userAgent: headerValue(req.headers['user-agent']),
      accept: headerValue(req.headers.accept),
      httpStatus: null,
      fault: null,
      jumioStatus: null,
      durationMs: null,
    };
    log.record(entry);
    // A request the simulator never answered still gets a duration: when its socket went away.
    res.on('close', () => {
      if (entry.durationMs === null) entry.durationMs = Date.now() - entry.at;
    });
    req.resume();
    this.serve(req, res, url, route, entry, reused);
  }

  private serve(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    route: Route,
    entry: SimulatorRequest,
    reused: boolean,
  ): void {
    if (!entry.authorized) {
      return sendJson(res, entry, 401, { httpStatus: '401', message: 'Unauthorized' }, { 'WWW-Authenticate': 'Basic' });
    }
    if (!entry.userAgent || entry.userAgent.trim() === '') {
      return sendJson(res, entry, 403, {
        httpStatus: '403',
        message: 'Forbidden: a User-Agent naming your business is required',
      });
    }
    if (!entry.accept || entry.accept.trim() === '') {
      return sendJson(res, entry, 403, { httpStatus: '403', message: 'Forbidden: an Accept header is required' });
    }
    if (entry.method !== 'GET' && entry.method !== 'DELETE') {
      return sendJson(res, entry, 405, { httpStatus: '405', message: 'Method Not Allowed' }, { Allow: 'GET, DELETE' });
    }
    if (entry.method === 'DELETE' && route.endpoint !== 'delete' && route.endpoint !== 'unknown') {
      return sendJson(res, entry, 405, { httpStatus: '405', message: 'Method Not Allowed' }, { Allow: 'GET' });
    }
    const origin = req.headers.host ? `${this.parts.scheme}://${req.headers.host}` : this.parts.simulatorUrl;
    const notFound = () => deliver(res, entry, notFoundReply(entry.reference, origin, url));
    if (route.endpoint === 'unknown' || !route.kind || !route.reference) return notFound();
    const state = this.parts.registry.lookup(route.kind, route.reference);
    if (!state || state.deleted) return notFound();
    if (route.endpoint === 'delete')
      return serveDelete({ req, res, entry, route, timers: this.parts.timers }, state, notFound);

    const answer = (hrefFault: HrefFault, consume: boolean) =>
      transactionReply(url, origin, state, route, { hrefFault, consume });
    const fault = takeFault(state, route, () => answer(null, false), reused);
    entry.fault = fault?.type ?? null;
    if (!fault) return deliver(res, entry, answer(null, true));
    serveFault(fault, { req, res, entry, route, answer, timers: this.parts.timers });
  }
}

/** A request's route; `DELETE` on a transaction's own path is the Delete API. */
function routeOf(method: string | undefined, pathname: string): Route {
  const route = parseRoute(pathname);
  if (method !== 'DELETE') return route;
  return route.endpoint === 'status' ? { ...route, endpoint: 'delete' } : route;
}

/**
 * Jumio's Delete API on a transaction not deleted yet: its images and data are gone at once, so a fault that
 * still answers (slow) deletes it before answering, and one that fails the call (500, timeout, reset...) does not.
 */
function serveDelete(
  { req, res, entry, route, timers }: Omit<FaultedRequest, 'answer'>,
  state: TransactionState,
  notFound: () => void,
): void {
  const reference = route.reference!;
  if (state.settled && state.plan.final === 'NOT_FOUND') return notFound();
  const reply = jsonReply(200, { timestamp: new Date().toISOString(), transactionReference: reference });
  const fault = takeFault(state, route, () => reply);
  entry.fault = fault?.type ?? null;
  if (!fault || fault.type === 'slow') state.deleted = true;
  if (!fault) return deliver(res, entry, reply);
  serveFault(fault, { req, res, entry, route, answer: () => reply, timers });
}

/**
 * What the simulator answers to a request on a known transaction (before any corrupting fault). `consume`: a
 * status answer given while pending uses up one pending poll; a preview (for a fault to corrupt, or to decide
 * whether it applies) does not.
 */
function transactionReply(
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
