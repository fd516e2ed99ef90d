import { HttpService } from '@nestjs/axios';
import { Inject, Injectable } from '@nestjs/common';
import { AxiosError, type AxiosResponse } from 'axios';
import http from 'node:http';
import https from 'node:https';
import { firstValueFrom } from 'rxjs';
import type { AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import type { Datacenter } from '../domain/kinds.js';
import type { MediumClass } from '../domain/product-contracts.js';
import { InFlightLimiter } from './in-flight-limiter.js';
import { OutboundRateLimiter } from './outbound-rate-limiter.js';

export const API_BASE_PATH = '/api/netverify/v2';
/** JSON answers are small; anything bigger than this is not what the guide promises. */
export const MAX_JSON_BYTES = 2 * 1024 * 1024;

/** Which of a data center's two hosts a call goes to (retrieval-rules.md, "Where Jumio is"). */
export type JumioHost = 'scans' | 'documents';

export type JumioFailure =
  | 'NOT_FOUND' // 404: the transaction (or medium) is not there
  | 'FORBIDDEN' // 403: e.g. unmasked card images not enabled
  | 'RATE_LIMITED' // 429
  | 'HTTP_ERROR' // any other non-2xx
  | 'TIMEOUT'
  | 'NETWORK' // reset, refused, DNS
  | 'MALFORMED' // a body that is not what was promised (not JSON, wrong content type)
  | 'TOO_LARGE'
  | 'REFUSED'; // never sent: an href outside the configured host

export interface JumioCallBase {
  /** The path called (with the maskhint query where used), never host or credentials. */
  endpoint: string;
  durationMs: number;
  httpStatus: number | null;
}
export type JumioJsonResult = (JumioCallBase & { ok: true; json: unknown }) | JumioCallFailure;
export type JumioMediumResult = (JumioCallBase & { ok: true; bytes: Buffer; contentType: string }) | JumioCallFailure;
export interface JumioCallFailure extends JumioCallBase {
  ok: false;
  failure: JumioFailure;
  /** For the attempt log: what went wrong, without credentials or payload values. */
  error: string;
  retryAfterMs: number | null;
}

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
 */
@Injectable()
export class JumioTransport {
  private readonly inFlight: InFlightLimiter;
  private readonly httpsAgent = new https.Agent({ keepAlive: true, minVersion: 'TLSv1.2', rejectUnauthorized: true });
  private readonly httpAgent = new http.Agent({ keepAlive: true });

  constructor(
    private readonly http: HttpService,
    private readonly rateLimiter: OutboundRateLimiter,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.inFlight = new InFlightLimiter(config.jumio.maxInFlight);
  }

  get callsInFlight(): number {
    return this.inFlight.inFlight;
  }

  baseUrl(datacenter: Datacenter, host: JumioHost): string {
    return this.config.jumio.baseUrls[datacenter][host];
  }

  /** GET a JSON resource at `path` (relative to /api/netverify/v2) on the data center's host. */
  async getJson(datacenter: Datacenter, host: JumioHost, path: string): Promise<JumioJsonResult> {
    const url = new URL(`${API_BASE_PATH}${path}`, this.baseUrl(datacenter, host));
    const r = await this.call(datacenter, url, 'application/json', MAX_JSON_BYTES);
    if (!r.ok) return r;
    const { response, base } = r;
    const contentType = String(response.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (contentType && !/^application\/([\w.+-]*\+)?json$/.test(contentType)) {
      return fail(base, 'MALFORMED', `expected application/json, got ${sanitize(contentType)}`);
    }
    try {
      return { ...base, ok: true, json: JSON.parse(Buffer.from(response.data).toString('utf8')) };
    } catch {
      return fail(base, 'MALFORMED', 'the body is not valid JSON');
    }
  }

  /**
   * GET a medium from an href Jumio listed. The href must point to the configured host of the data center:
   * a response must never be able to send the service anywhere else (an internal address, say).
   */
  async getMedium(datacenter: Datacenter, host: JumioHost, href: string, mediumClass: MediumClass, query: Record<string, string> = {}): Promise<JumioMediumResult> {
    const url = this.checkHref(datacenter, host, href);
    if (typeof url === 'string') {
      return { ok: false, failure: 'REFUSED', error: url, endpoint: '(refused href)', durationMs: 0, httpStatus: null, retryAfterMs: null };
    }
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    const r = await this.call(datacenter, url, ACCEPT_BY_CLASS[mediumClass], this.config.jumio.maxMediaBytes);
    if (!r.ok) return r;
    const { response, base } = r;
    const contentType = String(response.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (!CONTENT_TYPES_BY_CLASS[mediumClass].test(contentType)) {
      return fail(base, 'MALFORMED', `unexpected content type ${sanitize(contentType) || '(none)'} for a ${mediumClass}`);
    }
    const bytes = Buffer.from(response.data);
    const declared = Number(response.headers['content-length']);
    if (Number.isFinite(declared) && declared !== bytes.length) {
      return fail(base, 'MALFORMED', `truncated body: ${bytes.length} of ${declared} bytes`);
    }
    if (bytes.length === 0) return fail(base, 'MALFORMED', 'empty body');
    return { ...base, ok: true, bytes, contentType };
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
      await this.rateLimiter.acquire(datacenter);
      const started = performance.now();
      const base = (status: number | null): JumioCallBase => ({ endpoint, httpStatus: status, durationMs: Math.round(performance.now() - started) });
      let response: AxiosResponse<ArrayBuffer>;
      try {
        response = await firstValueFrom(
          this.http.get<ArrayBuffer>(url.toString(), {
            auth: { username: this.config.jumio.apiToken, password: this.config.jumio.apiSecret },
            headers: { Accept: accept, 'User-Agent': this.config.jumio.userAgent },
            responseType: 'arraybuffer',
            timeout: this.config.jumio.timeoutMs,
            signal: AbortSignal.timeout(this.config.jumio.timeoutMs + 1000),
            maxRedirects: 0,
            maxContentLength: maxBytes,
            validateStatus: () => true,
            httpAgent: this.httpAgent,
            httpsAgent: this.httpsAgent,
            proxy: false,
            decompress: true,
          }),
        );
      } catch (e) {
        return describeTransportError(e, base(null), this.config.jumio.timeoutMs, maxBytes);
      }
      const b = base(response.status);
      if (response.status >= 200 && response.status < 300) return { ok: true as const, response, base: b };
      if (response.status === 404) return fail(b, 'NOT_FOUND', 'Jumio answered 404 Not Found');
      if (response.status === 403) return fail(b, 'FORBIDDEN', 'Jumio answered 403 Forbidden');
      if (response.status === 429) {
        const retryAfterMs = parseRetryAfter(response.headers['retry-after']);
        const pauseMs = Math.min(retryAfterMs ?? 0, this.config.jumio.rateLimitedPauseMaxSeconds * 1000);
        if (pauseMs > 0) await this.rateLimiter.holdOff(datacenter, pauseMs);
        return { ...fail(b, 'RATE_LIMITED', `Jumio answered 429 Too Many Requests${retryAfterMs ? ` (Retry-After ${Math.round(retryAfterMs / 1000)} s)` : ''}`), retryAfterMs };
      }
      if (response.status >= 300 && response.status < 400) return fail(b, 'HTTP_ERROR', `Jumio answered ${response.status} (redirects are not followed)`);
      return fail(b, 'HTTP_ERROR', `Jumio answered ${response.status}`);
    });
  }
}

function fail(base: JumioCallBase, failure: JumioFailure, error: string): JumioCallFailure {
  return { ...base, ok: false, failure, error, retryAfterMs: null };
}

/** Axios errors carry the request config, credentials included: only the code is kept. */
function describeTransportError(e: unknown, base: JumioCallBase, timeoutMs: number, maxBytes: number): JumioCallFailure {
  const code = e instanceof AxiosError ? e.code : (e as { code?: string })?.code;
  const message = e instanceof Error ? e.message : '';
  if (/maxContentLength/i.test(message) || code === 'ERR_BAD_RESPONSE' && /exceeded/i.test(message)) {
    return fail(base, 'TOO_LARGE', `the body exceeds ${maxBytes} bytes`);
  }
  if (code === 'ECONNABORTED' || code === 'ETIMEDOUT' || code === 'ERR_CANCELED' || /timeout|aborted/i.test(message)) {
    return fail(base, 'TIMEOUT', `no complete answer within ${timeoutMs} ms`);
  }
  return fail(base, 'NETWORK', `connection failed (${sanitize(code ?? 'unknown error')})`);
}

/** Retry-After is delay-seconds or an IMF-fixdate HTTP date (RFC 9110); anything else is ignored. */
export function parseRetryAfter(value: unknown, now = Date.now()): number | null {
  if (typeof value !== 'string') return null;
  const v = value.trim();
  if (/^\d{1,10}$/.test(v)) return Number(v) * 1000;
  if (!/^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(v)) return null;
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

function sanitize(s: string): string {
  return s.replace(/[^\w./:+-]/g, '').slice(0, 80);
}
