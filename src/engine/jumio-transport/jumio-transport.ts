import { HttpService } from '@nestjs/axios';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { AxiosRequestConfig, AxiosResponse } from 'axios';
import http from 'node:http';
import https from 'node:https';
import type { AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import type { Datacenter } from '../../common/kinds.js';
import type { MediumClass } from '../domain/product-contracts.js';
import { mediumSignatureProblem } from './body-checks.js';
import { MAX_JSON_DEPTH, readJsonBody } from '../normalization/json-budget.js';
import { InFlightLimiter } from './in-flight-limiter.js';
import {
  describeTransportError,
  fail,
  parseRetryAfter,
  sanitize,
  unexpected,
  type JumioCallBase,
  type JumioCallFailure,
  type JumioJsonResult,
  type JumioMediumResult,
} from './jumio-call-result.js';
import { OutboundRateLimiter } from './outbound-rate-limiter.js';

export const API_BASE_PATH = '/api/netverify/v2';
/** JSON answers are small; anything bigger than this is not what the guide promises. */
export const MAX_JSON_BYTES = 2 * 1024 * 1024;
export { MAX_JSON_DEPTH };

/** Which of a data center's two hosts a call goes to (retrieval-rules.md, "Where Jumio is"). */
export type JumioHost = 'scans' | 'documents';

const ACCEPT_BY_CLASS: Record<MediumClass, string> = {
  image: 'image/jpeg, image/png',
  facemap: 'application/octet-stream, */*',
  pdf: 'application/pdf',
};
const CONTENT_TYPES_BY_CLASS: Record<MediumClass, RegExp> = {
  image: /^image\/(jpeg|png)$/,
  facemap: /^(application\/octet-stream|application\/x-facemap|binary\/octet-stream)$/,
  pdf: /^application\/pdf$/,
};

/**
 * Every call to Jumio goes through here, whatever the product: Basic credentials, the configured User-Agent,
 * an Accept header, the per-call timeout, the per-replica in-flight ceiling and the global per-data-center rate
 * ceiling, no redirects, TLS 1.2+, size limits, and the rule that hrefs from Jumio are only followed to the
 * configured host of the transaction's data center. Product gateways only say which path to call.
 *
 * Whatever Jumio (or anything in between) answers, the result is a value, never an exception: a body cut short,
 * over its limit (MAX_JSON_BYTES, JUMIO_MAX_MEDIA_BYTES), of the wrong content type, JSON that does not parse,
 * nests deeper than MAX_JSON_DEPTH or holds strings jsonb cannot store, or a medium whose bytes are not of its
 * declared type, each ends as a JumioCallFailure whose `error` says which (body-checks.ts). Only a rate slot
 * that cannot be reserved (the database is away) rejects, and then no call was made.
 */
@Injectable()
export class JumioTransport {
  private readonly logger = new Logger(JumioTransport.name);
  private readonly inFlight: InFlightLimiter;
  private readonly httpsAgent = new https.Agent({ keepAlive: true, minVersion: 'TLSv1.2', rejectUnauthorized: true });
  private readonly httpAgent = new http.Agent({ keepAlive: true });

  /**
   * What every call sends the same, built once: axios's config merge walks every key of the defaults and of the
   * call's config, so the Basic credentials are one prepared header rather than `auth` (which axios encodes again
   * on each call), and each call passes only what differs.
   */
  private readonly callDefaults: AxiosRequestConfig;
  private readonly constantHeaders: Record<string, string>;

  constructor(
    private readonly http: HttpService,
    private readonly rateLimiter: OutboundRateLimiter,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.inFlight = new InFlightLimiter(config.jumio.maxInFlight);
    this.constantHeaders = {
      Authorization: `Basic ${Buffer.from(`${config.jumio.apiToken}:${config.jumio.apiSecret}`, 'utf8').toString('base64')}`,
      'User-Agent': config.jumio.userAgent,
    };
    this.callDefaults = {
      method: 'GET',
      responseType: 'arraybuffer',
      timeout: config.jumio.timeoutMs,
      maxRedirects: 0,
      validateStatus: () => true,
      httpAgent: this.httpAgent,
      httpsAgent: this.httpsAgent,
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

  /**
   * GET a JSON resource at `path` (relative to /api/netverify/v2) on the data center's host. Resolves to the
   * parsed JSON or to a JumioCallFailure saying why not; it rejects only when no call could be made (the rate
   * ceiling could not be reserved: the database is away).
   */
  async getJson(datacenter: Datacenter, host: JumioHost, path: string): Promise<JumioJsonResult> {
    const url = new URL(this.retrievalUrl(datacenter, host, path));
    const r = await this.call(datacenter, url, 'application/json', MAX_JSON_BYTES);
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
    datacenter: Datacenter,
    host: JumioHost,
    href: string,
    mediumClass: MediumClass,
    query: Record<string, string> = {},
  ): Promise<JumioMediumResult> {
    const url = this.checkHref(datacenter, host, href);
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
    const r = await this.call(datacenter, url, ACCEPT_BY_CLASS[mediumClass], this.config.jumio.maxMediaBytes);
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

  /** Returns the URL to call, or why it is refused. */
  private checkHref(datacenter: Datacenter, host: JumioHost, href: string): URL | string {
    let url: URL;
    try {
      url = new URL(href);
    } catch {
      return 'refused: the href is not an absolute URL';
    }
    const allowed = new URL(this.baseUrl(datacenter, host));
    if (url.origin !== allowed.origin || url.username || url.password) {
      return `refused: the href points to ${sanitize(url.protocol + '//' + url.host)}, not the configured ${host} host of ${datacenter}`;
    }
    if (!url.pathname.startsWith(`${API_BASE_PATH}/`)) return 'refused: the href is outside /api/netverify/v2';
    return url;
  }

  private async call(
    datacenter: Datacenter,
    url: URL,
    accept: string,
    maxBytes: number,
  ): Promise<{ ok: true; response: AxiosResponse<ArrayBuffer>; base: JumioCallBase } | JumioCallFailure> {
    const endpoint = url.pathname + url.search;
    return this.inFlight.run(async () => {
      if (this.sending) await this.rateLimiter.acquire(datacenter);
      // A call still waiting for its slot when shutdown began is not in flight: it is not sent at all.
      if (!this.sending)
        return {
          ok: false,
          failure: 'CANCELLED',
          error: 'not sent: the service is shutting down',
          endpoint,
          durationMs: 0,
          httpStatus: null,
          retryAfterMs: null,
        };
      const started = performance.now();
      const base = (status: number | null): JumioCallBase => ({
        endpoint,
        httpStatus: status,
        durationMs: Math.round(performance.now() - started),
      });
      let response: AxiosResponse<ArrayBuffer>;
      // The whole call's deadline (axios's `timeout` only bounds idle time, so a body that drips would outlast
      // it). A timer cleared when the call ends, not AbortSignal.timeout(): that one's timer and signal stay
      // alive until the deadline passes, thousands of them at a lifted ceiling.
      const deadline = new AbortController();
      const timer = setTimeout(() => deadline.abort(), this.config.jumio.timeoutMs + 1000).unref();
      try {
        // axios itself, not HttpService's Observable: its teardown cancels every finished request, which builds
        // an error (with its stack) per call for nothing. request(), not get(): get() merges the config once more.
        response = await this.http.axiosRef.request<ArrayBuffer>({
          ...this.callDefaults,
          url: url.toString(),
          headers: { ...this.constantHeaders, Accept: accept },
          signal: deadline.signal,
          maxContentLength: maxBytes,
        });
      } catch (e) {
        return describeTransportError(e, base(null), this.config.jumio.timeoutMs, maxBytes);
      } finally {
        clearTimeout(timer);
      }
      const b = base(typeof response?.status === 'number' ? response.status : null);
      if (b.httpStatus === null) return fail(b, 'NETWORK', 'no HTTP status in the answer');
      const status = b.httpStatus;
      if (status >= 200 && status < 300) return { ok: true as const, response, base: b };
      if (status === 404) return fail(b, 'NOT_FOUND', 'Jumio answered 404 Not Found');
      if (status === 403) return fail(b, 'FORBIDDEN', 'Jumio answered 403 Forbidden');
      if (status === 429) {
        const retryAfterMs = parseRetryAfter(response.headers?.['retry-after']);
        const pauseMs = Math.min(retryAfterMs ?? 0, this.config.jumio.rateLimitedPauseMaxSeconds * 1000);
        if (pauseMs > 0) {
          // The 429 is the answer either way; a pause that cannot be recorded must not turn it into an error.
          await this.rateLimiter
            .holdOff(datacenter, pauseMs)
            .catch((err: unknown) => this.logger.warn({ err, datacenter }, 'could not record the pause after a 429'));
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
    });
  }
}

/** The media type of an answer, lower case, without parameters ('' when absent). */
function contentTypeOf(response: AxiosResponse): string {
  return String(response.headers?.['content-type'] ?? '')
    .split(';')[0]
    .trim()
    .toLowerCase();
}

/**
 * Why a complete-looking body is short of its Content-Length, or null. (Node and axios already fail a body whose
 * connection closes early: this is the second line.) A body that arrived content-encoded and was decoded is
 * not compared: its Content-Length counts the encoded bytes.
 */
function truncation(response: AxiosResponse, received: number): string | null {
  const declared = Number(response.headers?.['content-length']);
  if (!Number.isFinite(declared) || declared === received) return null;
  const raw: unknown = (response.request as { res?: { rawHeaders?: unknown } } | undefined)?.res?.rawHeaders;
  if (Array.isArray(raw)) {
    for (let i = 0; i + 1 < raw.length; i += 2) {
      if (
        String(raw[i]).toLowerCase() === 'content-encoding' &&
        String(raw[i + 1])
          .trim()
          .toLowerCase() !== 'identity'
      )
        return null;
    }
  }
  return `truncated body: ${received} of ${declared} bytes`;
}
