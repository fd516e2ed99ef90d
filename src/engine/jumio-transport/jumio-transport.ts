import { HttpService } from '@nestjs/axios';
import { Inject, Injectable, Logger, Optional, type OnApplicationShutdown } from '@nestjs/common';
import type { AxiosRequestConfig, AxiosResponse } from 'axios';
import type { AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import type { Datacenter } from '../../common/kinds.js';
import { AccountStates } from '../accounts/account-states.js';
import { JumioAccounts, pairKey } from '../accounts/jumio-accounts.js';
import { accountCall, type AccountCall, type JumioCallTarget } from './jumio-call-target.js';
import { Clock } from '../clock/clock.js';
import type { MediumClass } from '../domain/product-contracts.js';
import { mediumSignatureProblem } from './body-checks.js';
import { MAX_JSON_DEPTH, readJsonBody } from '../normalization/json-budget.js';
import { ACCEPT_BY_CLASS, CONTENT_TYPES_BY_CLASS, contentTypeOf, truncation } from './jumio-answers.js';
import { InFlightLimiter } from './in-flight-limiter.js';
import { API_BASE_PATH, checkHref, type JumioHost } from './jumio-href.js';
import { JUMIO_TLS_CA, JumioAgents, type JumioTlsCa } from './jumio-agents.js';
import {
  closedOnReuse,
  describeTransportError,
  fail,
  parseRetryAfter,
  sanitize,
  unexpected,
  unreached,
  type JumioCallBase,
  type JumioCallFailure,
  type JumioDeleteResult,
  type JumioJsonResult,
  type JumioMediumResult,
} from './jumio-call-result.js';
import { OutboundRateLimiter, SlotAbandoned } from './outbound-rate-limiter.js';

export type { JumioCallTarget } from './jumio-call-target.js';

export { API_BASE_PATH };
/** JSON answers are small; anything bigger than this is not what the guide promises. */
export const MAX_JSON_BYTES = 2 * 1024 * 1024;
export { MAX_JSON_DEPTH };

export type { JumioHost };

/**
 * Every call to Jumio goes through here, whatever the product: the transaction's account's Basic credentials, the
 * configured User-Agent, an Accept header, the per-call timeout, the per-replica in-flight ceiling and the global
 * rate ceiling of the account in its data center, no redirects, TLS 1.2+ (through the egress proxy's CONNECT
 * tunnel where configured), size limits, and the rule that hrefs from Jumio are only followed to the configured
 * host of the transaction's data center. Product gateways only say which path to call.
 *
 * Jumio's rejection of the credentials (401; 403 on a status call) pauses the account (AccountStates) and is a
 * CREDENTIALS_REJECTED failure; while it is paused, only its probe is sent. A reused keep-alive connection that
 * closes before any byte of the answer is retried once, at once, on a fresh connection; a call that never reached
 * Jumio (DNS, refused, TLS, proxy) is an UNREACHED failure.
 *
 * Whatever Jumio (or anything in between) answers, the result is a value, never an exception: a body cut short,
 * over its limit (MAX_JSON_BYTES, JUMIO_MAX_MEDIA_BYTES), of the wrong content type, JSON that does not parse,
 * nests deeper than MAX_JSON_DEPTH or holds strings jsonb cannot store, or a medium whose bytes are not of its
 * declared type, each ends as a JumioCallFailure whose `error` says which (body-checks.ts). Only a rate slot
 * that cannot be reserved (the database is away) rejects, and then no call was made.
 */
@Injectable()
export class JumioTransport implements OnApplicationShutdown {
  private readonly logger = new Logger(JumioTransport.name);
  private readonly inFlight: InFlightLimiter;
  private readonly agents: JumioAgents;
  private readonly accountCalls = new Map<string, AccountCall>();

  /**
   * What every call sends the same, built once: axios's config merge walks every key of the defaults and of the
   * call's config, so each account's Basic credentials are one prepared header rather than `auth` (which axios
   * encodes again on each call), and each call passes only what differs.
   */
  private readonly callDefaults: AxiosRequestConfig;

  constructor(
    private readonly http: HttpService,
    private readonly rateLimiter: OutboundRateLimiter,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly accounts: JumioAccounts,
    private readonly accountStates: AccountStates,
    private readonly clock: Clock,
    @Optional() @Inject(JUMIO_TLS_CA) tlsCa: JumioTlsCa = null,
  ) {
    this.inFlight = new InFlightLimiter(config.jumio.maxInFlight);
    this.agents = new JumioAgents(config.jumio.proxy, tlsCa);
    for (const account of config.jumio.accounts) {
      const pair = { account: account.name, datacenter: account.datacenter };
      this.accountCalls.set(pairKey(pair), accountCall(pair, account));
    }
    // A paused account's calls waiting for a rate slot give their in-flight places back at once (to other accounts).
    accountStates.onPaused((pair) => rateLimiter.abandon(pairKey(pair)));
    this.callDefaults = {
      method: 'GET',
      responseType: 'arraybuffer',
      timeout: config.jumio.timeoutMs,
      maxRedirects: 0,
      validateStatus: () => true,
      // Agents are chosen per call (JumioAgents): direct or through the egress proxy, pooled or fresh.
      proxy: false,
      decompress: true,
    };
    // This HttpService's axios instance is the engine's own (HttpModule.register in EngineModule, not axios's
    // global instance) and serves Jumio calls only: axios's per-method default headers (Content-Type for POST
    // and the like) never apply to them, and merging those objects into every call's headers was a measurable
    // share of a call's CPU.
    (this.http.axiosRef.defaults as { headers: unknown }).headers = {};
  }

  private sending = true;

  onApplicationShutdown(): void {
    this.agents.destroy();
  }

  /** Shutdown: calls already sent finish; calls not yet sent are answered CANCELLED and never reach Jumio. */
  stopSending(): void {
    this.sending = false;
  }

  get callsInFlight(): number {
    return this.inFlight.inFlight;
  }

  baseUrl(datacenter: Datacenter, host: JumioHost): string {
    return this.config.jumio.baseUrls[datacenter][host];
  }

  /** The absolute URL of a Retrieval API path (relative to /api/netverify/v2) on the data center's host. */
  retrievalUrl(datacenter: Datacenter, host: JumioHost, path: string): string {
    return new URL(`${API_BASE_PATH}${path}`, this.baseUrl(datacenter, host)).toString();
  }

  /** Whether calls to the data center's host go through the egress proxy. */
  viaProxy(datacenter: Datacenter, host: JumioHost): boolean {
    return this.agents.viaProxy(new URL(this.baseUrl(datacenter, host)));
  }

  /**
   * GET a JSON resource at `path` (relative to /api/netverify/v2) on the data center's host, as the target's
   * account. Resolves to the parsed JSON or to a JumioCallFailure saying why not; it rejects only when no call could
   * be made (the rate ceiling could not be reserved: the database is away). `statusCall`: a 403 to it rejects the
   * credentials (to other calls it is the resource's refusal).
   */
  async getJson(
    target: JumioCallTarget,
    host: JumioHost,
    path: string,
    opts: { statusCall?: boolean } = {},
  ): Promise<JumioJsonResult> {
    const url = new URL(this.retrievalUrl(target.datacenter, host, path));
    const r = await this.call(target, url, 'application/json', MAX_JSON_BYTES, opts.statusCall ?? false);
    if (!r.ok) return r;
    const { response, base } = r;
    try {
      const contentType = contentTypeOf(response);
      if (contentType && !/^application\/([\w.+-]*\+)?json$/.test(contentType)) {
        return fail(base, 'MALFORMED', `expected application/json, got ${sanitize(contentType)}`);
      }
      const bytes = Buffer.from(response.data);
      const cut = truncation(response, bytes.length);
      if (cut) return fail(base, 'MALFORMED', cut);
      const read = readJsonBody(bytes);
      return read.ok ? { ...base, ok: true, json: read.json } : fail(base, 'MALFORMED', read.error);
    } catch (e) {
      return unexpected(base, e);
    }
  }

  /**
   * GET a medium from an href Jumio listed. The href must point to the configured host of the data center:
   * a response must never be able to send the service anywhere else (an internal address, say). The bytes are
   * accepted only whole (Content-Length, no early close), within JUMIO_MAX_MEDIA_BYTES, with an expected
   * content type and the signature of that type: nothing partial or foreign is handed on to be stored.
   */
  async getMedium(
    target: JumioCallTarget,
    host: JumioHost,
    href: string,
    mediumClass: MediumClass,
    query: Record<string, string> = {},
  ): Promise<JumioMediumResult> {
    const url = checkHref(this.baseUrl(target.datacenter, host), target.datacenter, host, href);
    if (typeof url === 'string') {
      return {
        ok: false,
        failure: 'REFUSED',
        error: url,
        endpoint: '(refused href)',
        durationMs: 0,
        httpStatus: null,
        retryAfterMs: null,
      };
    }
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    const r = await this.call(target, url, ACCEPT_BY_CLASS[mediumClass], this.config.jumio.maxMediaBytes, false);
    if (!r.ok) return r;
    const { response, base } = r;
    try {
      const contentType = contentTypeOf(response);
      if (!CONTENT_TYPES_BY_CLASS[mediumClass].test(contentType)) {
        return fail(
          base,
          'MALFORMED',
          `unexpected content type ${sanitize(contentType) || '(none)'} for a ${mediumClass}`,
        );
      }
      const bytes = Buffer.from(response.data);
      const cut = truncation(response, bytes.length);
      if (cut) return fail(base, 'MALFORMED', cut);
      if (bytes.length === 0) return fail(base, 'MALFORMED', 'empty body');
      if (bytes.length > this.config.jumio.maxMediaBytes)
        return fail(base, 'TOO_LARGE', `the body exceeds the limit of ${this.config.jumio.maxMediaBytes} bytes`);
      const mismatch = mediumSignatureProblem(contentType, bytes);
      if (mismatch) return fail(base, 'MALFORMED', mismatch);
      return { ...base, ok: true, bytes, contentType };
    } catch (e) {
      return unexpected(base, e);
    }
  }

  /**
   * DELETE a transaction at `path` (its own path: Jumio's Delete API) as the target's account. `stillAllowed` is
   * asked once the rate slot is taken, right before sending (synchronously: nothing may come between the slot and
   * the send); false sends nothing and answers CANCELLED. A 2xx is ok; the body is not read.
   */
  async delete(
    target: JumioCallTarget,
    host: JumioHost,
    path: string,
    stillAllowed: () => boolean,
  ): Promise<JumioDeleteResult> {
    const url = new URL(this.retrievalUrl(target.datacenter, host, path));
    const r = await this.call(target, url, 'application/json', MAX_JSON_BYTES, false, {
      method: 'DELETE',
      stillAllowed,
    });
    return r.ok ? { ...r.base, ok: true } : r;
  }

  private async call(
    target: JumioCallTarget,
    url: URL,
    accept: string,
    maxBytes: number,
    statusCall: boolean,
    opts: { method: 'GET' | 'DELETE'; stillAllowed: (() => boolean) | null } = {
      method: 'GET',
      stillAllowed: null,
    },
  ): Promise<{ ok: true; response: AxiosResponse<ArrayBuffer>; base: JumioCallBase } | JumioCallFailure> {
    const endpoint = url.pathname + url.search;
    const notSent = (failure: 'CANCELLED' | 'ACCOUNT_PAUSED' | 'UNREACHED', error: string): JumioCallFailure =>
      fail({ endpoint, durationMs: 0, httpStatus: null }, failure, error);
    const as = this.accountCalls.get(pairKey(target));
    if (!as)
      return notSent('UNREACHED', `not sent: account ${target.account} is not configured for ${target.datacenter}`);
    const paused = () => !target.probe && this.accountStates.isPaused(as.pair);
    const pausedError = `not sent: account ${target.account} (${target.datacenter}) is paused, Jumio rejected its credentials`;
    return this.inFlight.run(async () => {
      if (paused()) return notSent('ACCOUNT_PAUSED', pausedError);
      if (this.sending && !(await this.slot(as))) return notSent('ACCOUNT_PAUSED', pausedError);
      // A call still waiting for its slot when shutdown began is not in flight: it is not sent at all.
      if (!this.sending) return notSent('CANCELLED', 'not sent: the service is shutting down');
      if (paused()) return notSent('ACCOUNT_PAUSED', pausedError);
      if (opts.stillAllowed && !opts.stillAllowed()) return notSent('CANCELLED', 'not sent: no longer allowed');
      const sentAt = this.clock.now();
      let sent = await this.send(url, as, accept, maxBytes, false, opts.method);
      if ('error' in sent && sent.closedOnReuse) {
        const first = { durationMs: sent.base.durationMs, error: 'the reused connection closed before any answer' };
        if (this.sending && !(await this.slot(as))) return notSent('ACCOUNT_PAUSED', pausedError);
        // The second slot may come late: a call that may no longer go (a delete whose claim ran out) is not resent.
        if (opts.stillAllowed && !opts.stillAllowed()) return notSent('CANCELLED', 'not sent: no longer allowed');
        sent = await this.send(url, as, accept, maxBytes, true, opts.method);
        sent.base.staleConnection = first;
      }
      if ('error' in sent) {
        const { base, error } = sent;
        return unreached(error, base) ?? describeTransportError(error, base, this.config.jumio.timeoutMs, maxBytes);
      }
      return this.answer(sent.response, sent.base, as, statusCall, sentAt);
    });
  }

  /** Waits for the account's next rate slot; false when the account paused meanwhile (the call must not go). */
  private async slot(as: AccountCall): Promise<boolean> {
    try {
      await this.rateLimiter.acquire(as.bucket);
      return true;
    } catch (e) {
      if (e instanceof SlotAbandoned) return false;
      throw e;
    }
  }

  /** One try on a pooled (or a fresh) connection: the answer, or the error and whether it hit a stale connection. */
  private async send(
    url: URL,
    as: AccountCall,
    accept: string,
    maxBytes: number,
    fresh: boolean,
    method: 'GET' | 'DELETE',
  ): Promise<
    | { response: AxiosResponse<ArrayBuffer>; base: JumioCallBase }
    | { error: unknown; base: JumioCallBase; closedOnReuse: boolean }
  > {
    const started = performance.now();
    const base = (status: number | null): JumioCallBase => ({
      endpoint: url.pathname + url.search,
      httpStatus: status,
      durationMs: Math.round(performance.now() - started),
    });
    const agent = this.agents.forUrl(url, fresh);
    // The whole call's deadline (axios's `timeout` only bounds idle time, so a body that drips would outlast it). A
    // timer cleared when the call ends, not AbortSignal.timeout(): that one's timer and signal stay alive until the
    // deadline passes, thousands of them at a lifted ceiling.
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), this.config.jumio.timeoutMs + 1000).unref();
    try {
      // axios itself, not HttpService's Observable: its teardown cancels every finished request, which builds an
      // error (with its stack) per call for nothing. request(), not get(): get() merges the config once more.
      const response = await this.http.axiosRef.request<ArrayBuffer>({
        ...this.callDefaults,
        ...(method === 'GET' ? {} : { method }),
        url: url.toString(),
        headers: { Authorization: as.authorization, 'User-Agent': this.config.jumio.userAgent, Accept: accept },
        httpAgent: agent,
        httpsAgent: agent,
        signal: deadline.signal,
        maxContentLength: maxBytes,
      });
      return { response, base: base(typeof response?.status === 'number' ? response.status : null) };
    } catch (e) {
      return { error: e, base: base(null), closedOnReuse: !fresh && closedOnReuse(e) };
    } finally {
      clearTimeout(timer);
    }
  }

  /** Jumio's answer as a result; a rejection of the credentials pauses the account, any other answer resumes it. */
  private async answer(
    response: AxiosResponse<ArrayBuffer>,
    b: JumioCallBase,
    as: AccountCall,
    statusCall: boolean,
    sentAt: Date,
  ): Promise<{ ok: true; response: AxiosResponse<ArrayBuffer>; base: JumioCallBase } | JumioCallFailure> {
    if (b.httpStatus === null) return fail(b, 'NETWORK', 'no HTTP status in the answer');
    const status = b.httpStatus;
    const { account, datacenter } = as.pair;
    if (status === 401 || (status === 403 && statusCall)) {
      // The rejection is the answer either way; a pause that cannot be recorded is logged, not turned into an error.
      await this.accountStates
        .markRejected(as.pair)
        .catch((err: unknown) => this.logger.warn({ err, account, datacenter }, 'could not record the paused account'));
      return fail(
        b,
        'CREDENTIALS_REJECTED',
        `Jumio answered ${status}: it rejects the credentials of account ${account} (${datacenter}), which is paused`,
      );
    }
    if (this.accountStates.isPaused(as.pair)) {
      await this.accountStates
        .markAccepted(as.pair, sentAt)
        .catch((err: unknown) =>
          this.logger.warn({ err, account, datacenter }, 'could not record the resumed account'),
        );
    }
    if (status >= 200 && status < 300) return { ok: true as const, response, base: b };
    if (status === 404) return fail(b, 'NOT_FOUND', 'Jumio answered 404 Not Found');
    if (status === 403) return fail(b, 'FORBIDDEN', 'Jumio answered 403 Forbidden');
    if (status === 429) {
      const retryAfterMs = parseRetryAfter(response.headers?.['retry-after']);
      const pauseMs = Math.min(retryAfterMs ?? 0, this.config.jumio.rateLimitedPauseMaxSeconds * 1000);
      if (pauseMs > 0) {
        // The 429 is the answer either way; a pause that cannot be recorded must not turn it into an error.
        await this.rateLimiter
          .holdOff(as.bucket.key, pauseMs)
          .catch((err: unknown) =>
            this.logger.warn({ err, account, datacenter }, 'could not record the pause after a 429'),
          );
      }
      return {
        ...fail(
          b,
          'RATE_LIMITED',
          `Jumio answered 429 Too Many Requests${retryAfterMs ? ` (Retry-After ${Math.round(retryAfterMs / 1000)} s)` : ''}`,
        ),
        retryAfterMs,
      };
    }
    if (status >= 300 && status < 400)
      return fail(b, 'HTTP_ERROR', `Jumio answered ${status} (redirects are not followed)`);
    return fail(b, 'HTTP_ERROR', `Jumio answered ${status}`);
  }
}
