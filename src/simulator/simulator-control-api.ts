import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SimulatorAccounts } from './simulator-accounts.js';
import type { CallbackSender } from './simulator-callback-sender.js';
import type { Json } from './simulator-payloads.js';
import { JSON_TYPE, send, sendJson } from './simulator-replies.js';
import type { RequestLog } from './simulator-request-log.js';
import { ENDPOINTS, KINDS, ScriptError } from './simulator-scripts.js';
import type { TransactionRegistry } from './simulator-transactions.js';
import type { RequestFilter, SimulatorEndpoint, SimulatorKind, TransactionScript } from './simulator-types.js';

const CONTROL_PREFIX = '/__simulator';
const MAX_CONTROL_BODY = 1024 * 1024;

export function isControlPath(pathname: string): boolean {
  return pathname === CONTROL_PREFIX || pathname.startsWith(`${CONTROL_PREFIX}/`);
}

/** What the control routes act on. */
export interface ControlledParts {
  url: string;
  registry: TransactionRegistry;
  log: RequestLog;
  callbacks: CallbackSender;
  accounts: SimulatorAccounts;
  /** Clears scripts, pending counters, the request log and the sent callbacks. */
  reset: () => void;
  setStaleConnectionMs: (ms: number | null) => void;
}

/** Control answers are not logged: they go out without a log entry. */
function answer(res: ServerResponse, status: number, body: Json, headers: Record<string, string> = {}): void {
  sendJson(res, null, status, body, headers);
}

function noContent(res: ServerResponse): void {
  send(res, null, 204, JSON_TYPE, Buffer.alloc(0));
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * The `/__simulator/...` routes on the simulator's own port: scripts, the request log, callbacks, reset, health.
 * No authentication: it is a test rig on loopback.
 */
export class ControlApi {
  constructor(private readonly sim: ControlledParts) {}

  handle(req: IncomingMessage, res: ServerResponse, url: URL): void {
    this.route(req, res, url).catch((err: unknown) => {
      if (!res.headersSent) answer(res, 500, { error: 'simulator error', message: String(err) });
    });
  }

  private async route(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const path = url.pathname.slice(CONTROL_PREFIX.length);
    const method = req.method ?? 'GET';
    const allow = (methods: string) =>
      answer(res, 405, { error: 'method not allowed', allow: methods }, { Allow: methods });

    if (path === '/health') {
      if (method !== 'GET') return allow('GET');
      req.resume();
      return answer(res, 200, { status: 'ok', url: this.sim.url });
    }
    if (path === '/transactions') {
      if (method !== 'POST') return allow('POST');
      return this.script(req, res);
    }
    if (path === '/requests') {
      req.resume();
      if (method === 'DELETE') {
        this.sim.log.clear();
        return noContent(res);
      }
      if (method !== 'GET') return allow('GET, DELETE');
      return this.listRequests(res, url);
    }
    const rotation = /^\/accounts\/([^/]+)\/secret$/.exec(path);
    if (rotation) {
      if (method !== 'POST') return allow('POST');
      return this.rotate(req, res, decodeURIComponent(rotation[1]));
    }
    if (path === '/config') {
      if (method !== 'POST') return allow('POST');
      return this.configure(req, res);
    }
    if (path === '/callbacks') {
      if (method === 'GET') {
        req.resume();
        return answer(res, 200, { callbacks: this.sim.callbacks.list(url.searchParams.get('reference') ?? undefined) });
      }
      if (method !== 'POST') return allow('GET, POST');
      return this.sendCallback(req, res);
    }
    if (path === '/reset') {
      if (method !== 'POST') return allow('POST');
      req.resume();
      this.sim.reset();
      return noContent(res);
    }
    req.resume();
    return answer(res, 404, { error: 'not found', path: url.pathname });
  }

  /** POST /transactions: a TransactionScript, answered with the plan it makes. */
  private async script(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readBody(req, MAX_CONTROL_BODY));
    } catch (err) {
      return answer(res, 400, { error: 'invalid script', field: 'body', message: errorMessage(err) });
    }
    try {
      const state = this.sim.registry.script(parsed as TransactionScript);
      this.sim.callbacks.scheduleScripted(state);
      return answer(res, 201, { kind: state.plan.kind, reference: state.plan.reference, plan: state.plan });
    } catch (err) {
      if (err instanceof ScriptError)
        return answer(res, 400, { error: 'invalid script', field: err.field, message: err.message });
      throw err;
    }
  }

  /** GET /requests?reference=&since=&endpoint= */
  private listRequests(res: ServerResponse, url: URL): void {
    const filter: RequestFilter = {};
    const reference = url.searchParams.get('reference');
    if (reference) filter.reference = reference;
    const since = url.searchParams.get('since');
    if (since) {
      if (!/^\d+$/.test(since))
        return answer(res, 400, { error: 'invalid query', field: 'since', message: 'must be a Date.now() value' });
      filter.since = Number(since);
    }
    const endpoint = url.searchParams.get('endpoint');
    if (endpoint) {
      if (!(ENDPOINTS as readonly string[]).includes(endpoint)) {
        return answer(res, 400, {
          error: 'invalid query',
          field: 'endpoint',
          message: `must be one of ${ENDPOINTS.join(', ')}`,
        });
      }
      filter.endpoint = endpoint as SimulatorEndpoint;
    }
    return answer(res, 200, { requests: this.sim.log.query(filter) });
  }

  /** POST /accounts/{name}/secret { secret }: the account's secret changes (its old one gets 401 from now on). */
  private async rotate(req: IncomingMessage, res: ServerResponse, name: string): Promise<void> {
    let secret: unknown;
    try {
      secret = (JSON.parse(await readBody(req, MAX_CONTROL_BODY)) as { secret?: unknown }).secret;
    } catch (err) {
      return answer(res, 400, { error: 'invalid request', field: 'body', message: errorMessage(err) });
    }
    if (typeof secret !== 'string' || secret === '')
      return answer(res, 400, { error: 'invalid request', field: 'secret', message: 'must be a non-empty string' });
    if (!this.sim.accounts.rotate(name, secret))
      return answer(res, 404, { error: 'no such account', accounts: this.sim.accounts.names() });
    return answer(res, 200, { account: name, rotated: true });
  }

  /** POST /config { callbackBaseUrl?, staleConnectionMs? } */
  private async configure(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let parsed: { callbackBaseUrl?: unknown; staleConnectionMs?: unknown };
    try {
      parsed = JSON.parse(await readBody(req, MAX_CONTROL_BODY)) as typeof parsed;
    } catch (err) {
      return answer(res, 400, { error: 'invalid config', field: 'body', message: errorMessage(err) });
    }
    const stale = parsed.staleConnectionMs;
    if (stale !== undefined && stale !== null && !(typeof stale === 'number' && Number.isInteger(stale) && stale >= 0))
      return answer(res, 400, {
        error: 'invalid config',
        field: 'staleConnectionMs',
        message: 'must be a whole number of milliseconds or null',
      });
    if ('callbackBaseUrl' in parsed) {
      const url = parsed.callbackBaseUrl;
      if (url !== null && typeof url !== 'string')
        return answer(res, 400, {
          error: 'invalid config',
          field: 'callbackBaseUrl',
          message: 'callbackBaseUrl must be a URL string or null',
        });
      try {
        this.sim.callbacks.setBaseUrl(url);
      } catch (err) {
        return answer(res, 400, { error: 'invalid config', field: 'callbackBaseUrl', message: errorMessage(err) });
      }
    }
    if (stale !== undefined) this.sim.setStaleConnectionMs(stale as number | null);
    return answer(res, 200, { callbackBaseUrl: this.sim.callbacks.baseUrl });
  }

  /** POST /callbacks { kind, reference, delayMs?, deliveries? } */
  private async sendCallback(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let parsed: { kind?: unknown; reference?: unknown; delayMs?: unknown; deliveries?: unknown };
    try {
      parsed = JSON.parse(await readBody(req, MAX_CONTROL_BODY)) as typeof parsed;
    } catch (err) {
      return answer(res, 400, { error: 'invalid request', field: 'body', message: errorMessage(err) });
    }
    const invalid = (field: string, message: string) => answer(res, 400, { error: 'invalid request', field, message });
    const kind = parsed.kind as SimulatorKind;
    if (!KINDS.includes(kind)) return invalid('kind', `must be one of ${KINDS.join(', ')}`);
    if (typeof parsed.reference !== 'string') return invalid('reference', 'is required');
    const int = (v: unknown, max: number) =>
      v === undefined || (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max);
    if (!int(parsed.delayMs, 600_000)) return invalid('delayMs', 'must be an integer from 0 to 600000');
    if (!int(parsed.deliveries, 5) || parsed.deliveries === 0)
      return invalid('deliveries', 'must be an integer from 1 to 5');
    try {
      this.sim.callbacks.send(kind, parsed.reference, {
        delayMs: parsed.delayMs as number | undefined,
        deliveries: parsed.deliveries as number | undefined,
      });
    } catch (err) {
      if (err instanceof ScriptError)
        return answer(res, err.field === 'callbackBaseUrl' ? 409 : 404, {
          error: 'cannot send',
          field: err.field,
          message: err.message,
        });
      throw err;
    }
    return answer(res, 202, { scheduled: true, kind, reference: parsed.reference });
  }
}

/** Reads the whole body; an oversized one is drained (so the 400 can still be sent) and refused. */
function readBody(req: IncomingMessage, limit: number): Promise<string> {
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
