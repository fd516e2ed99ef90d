import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { SimulatorAccounts } from './simulator-accounts.js';
import { CallbackSender } from './simulator-callback-sender.js';
import { ControlApi, isControlPath } from './simulator-control-api.js';
import { MAX_LOGGED_REQUESTS, RequestLog } from './simulator-request-log.js';
import { RetrievalRouter } from './simulator-router.js';
import { TransactionRegistry } from './simulator-transactions.js';
import { Timers } from './simulator-timers.js';
import type {
  RequestFilter,
  SentCallback,
  SimulatorKind,
  SimulatorOptions,
  SimulatorRequest,
  TransactionScript,
} from './simulator-types.js';

// The public API, re-exported so that the service and most tests need only this one import path.
export type * from './simulator-types.js';
export { expectedMedium } from './simulator-media.js';
export type { Medium, MediumOptions } from './simulator-media.js';
export { DEFAULT_SIZE_BYTES, ENDPOINTS, FAULT_TYPES, KINDS, ScriptError, validateScript } from './simulator-scripts.js';
export { derivePlan } from './simulator-derived-plans.js';
export { CALLBACK_PATHS, callbackFields } from './simulator-callbacks.js';
export { API_PREFIX, FOREIGN_ORIGIN, PRIVATE_ORIGIN, loopbackOrigin } from './simulator-payloads.js';
export { MAX_LOGGED_REQUESTS } from './simulator-request-log.js';
export { DEEP_JSON_LEVELS } from './simulator-faults.js';
export { parseRoute } from './simulator-routes.js';

/**
 * A stand-in for Jumio's Retrieval API v2 (ID Verification, Document Verification, Authentication) on a real
 * socket, for tests and the sandbox. Behaviour per transaction comes from scripts (see `script`) or, for
 * unscripted UUIDs, from the reference's last hex digit (see `derivePlan`). Every Jumio call is logged.
 */
export class JumioSimulator {
  readonly url: string;
  private readonly registry = new TransactionRegistry();
  private readonly timers = new Timers();
  private readonly log: RequestLog;
  private readonly callbacks: CallbackSender;
  private readonly router: RetrievalRouter;
  private readonly control: ControlApi;
  private readonly accounts: SimulatorAccounts;
  /** Per connection: requests served, and when the last answer finished (for staleConnectionMs). */
  private readonly connections = new WeakMap<Socket, { served: number; idleSince: number }>();
  private staleConnectionMs: number | null;

  private constructor(
    private readonly server: http.Server,
    options: SimulatorOptions,
    host: string,
    port: number,
  ) {
    const scheme = options.tls ? 'https' : 'http';
    this.url = `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}`;
    const maxLogged = options.maxLoggedRequests ?? MAX_LOGGED_REQUESTS;
    this.log = new RequestLog(maxLogged);
    const callbackBaseUrl = options.callbackBaseUrl ?? null;
    this.callbacks = new CallbackSender(this.url, callbackBaseUrl, this.registry, this.timers, maxLogged);
    this.accounts = new SimulatorAccounts(options, options.accounts ?? [], options.datacenter ?? null);
    this.staleConnectionMs = options.staleConnectionMs ?? null;
    const { registry, log, timers, callbacks, accounts } = this;
    this.router = new RetrievalRouter({ options, accounts, simulatorUrl: this.url, scheme, registry, log, timers });
    this.control = new ControlApi({
      url: this.url,
      registry,
      log,
      callbacks,
      accounts,
      reset: () => this.reset(),
      setStaleConnectionMs: (ms) => (this.staleConnectionMs = ms),
    });
  }

  static async start(options: SimulatorOptions): Promise<JumioSimulator> {
    if (!options || typeof options.apiToken !== 'string' || typeof options.apiSecret !== 'string') {
      throw new Error('JumioSimulator.start needs apiToken and apiSecret');
    }
    const max = options.maxLoggedRequests;
    if (max !== undefined && (!Number.isInteger(max) || max < 1))
      throw new Error('maxLoggedRequests must be a positive integer');
    const host = options.host ?? '127.0.0.1';
    // Over TLS when given a key and certificate (a test of TLS through an egress proxy), else plain HTTP.
    const server = options.tls
      ? https.createServer({ key: options.tls.key, cert: options.tls.cert })
      : http.createServer();
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
    this.callbacks.scheduleScripted(this.registry.script(s));
  }

  /** Where callbacks are posted: `<base>/id-verifications`, `/document-verifications`, `/authentications`. */
  setCallbackBaseUrl(url: string | null): void {
    this.callbacks.setBaseUrl(url);
  }

  /**
   * Sends the callback of a final transaction (scripted, or derived from its reference) after `delayMs`,
   * `deliveries` times. Throws ScriptError when there is no such transaction, it has no callback (NOT_FOUND), or no
   * callback URL is configured.
   */
  sendCallback(kind: SimulatorKind, reference: string, opts: { delayMs?: number; deliveries?: number } = {}): void {
    this.callbacks.send(kind, reference, opts);
  }

  /** The callbacks sent so far (optionally of one reference), oldest first. */
  sentCallbacks(reference?: string): SentCallback[] {
    return this.callbacks.list(reference);
  }

  /** Gives an account a new secret (as when it is rotated in Jumio's portal); false when there is no such account. */
  rotateSecret(account: string, secret: string): boolean {
    return this.accounts.rotate(account, secret);
  }

  /** See SimulatorOptions.staleConnectionMs; null turns it off. */
  setStaleConnectionMs(ms: number | null): void {
    this.staleConnectionMs = ms;
  }

  requests(filter: RequestFilter = {}): SimulatorRequest[] {
    return this.log.query(filter);
  }

  clearRequests(): void {
    this.log.clear();
  }

  /** Clears scripts, pending counters of derived references, the log and the sent callbacks. */
  reset(): void {
    this.registry.reset();
    this.log.clear();
    this.callbacks.clear();
  }

  /** Stops listening and destroys every open socket, held (timeout) ones included. */
  async close(): Promise<void> {
    this.timers.cancelAll();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const at = Date.now();
    const url = new URL(req.url ?? '/', 'http://simulator.invalid');
    if (isControlPath(url.pathname)) return this.control.handle(req, res, url);
    const connection = this.connections.get(req.socket) ?? { served: 0, idleSince: at };
    this.connections.set(req.socket, connection);
    const reused = connection.served > 0;
    if (reused && this.staleConnectionMs !== null && at - connection.idleSince >= this.staleConnectionMs) {
      // The connection was dropped as idle upstream: the request goes nowhere and is not logged.
      req.socket.resetAndDestroy();
      return;
    }
    connection.served++;
    res.on('finish', () => (connection.idleSince = Date.now()));
    this.router.handle(req, res, url, at, reused);
  }
}
