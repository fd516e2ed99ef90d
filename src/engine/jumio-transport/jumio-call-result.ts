import { AxiosError } from 'axios';

export type JumioFailure =
  | 'NOT_FOUND' // 404: the transaction (or medium) is not there
  | 'FORBIDDEN' // 403 on anything but a status call: e.g. unmasked card images not enabled
  | 'CREDENTIALS_REJECTED' // 401 on any call, 403 on a status call: the account's fault (it pauses), not an attempt
  | 'ACCOUNT_PAUSED' // never sent: the account's credentials are rejected and this call is not its probe
  | 'UNREACHED' // never reached Jumio: DNS, connection refused, TLS handshake, the proxy (not an attempt)
  | 'RATE_LIMITED' // 429
  | 'HTTP_ERROR' // any other non-2xx
  | 'TIMEOUT'
  | 'NETWORK' // reset, refused, DNS
  | 'MALFORMED' // a body that is not what was promised (not JSON, too deep, wrong content type or signature, cut short)
  | 'TOO_LARGE'
  | 'REFUSED' // never sent: an href outside the configured host
  | 'CANCELLED'; // never sent: the service is shutting down (not an attempt; the claim is given back)

export interface JumioCallBase {
  /** The path called (with the maskhint query where used), never host or credentials. */
  endpoint: string;
  durationMs: number;
  httpStatus: number | null;
  /**
   * The first try went out on a reused keep-alive connection that closed before any byte of the answer (the server
   * had dropped it as idle): this call is the one retry, at once, on a fresh connection. Logged as a call of its own.
   */
  staleConnection?: { durationMs: number; error: string };
}
export type JumioJsonResult = (JumioCallBase & { ok: true; json: unknown }) | JumioCallFailure;
export type JumioMediumResult = (JumioCallBase & { ok: true; bytes: Buffer; contentType: string }) | JumioCallFailure;
/** Jumio's Delete API: a 2xx, whose body is not read, or why not. */
export type JumioDeleteResult = (JumioCallBase & { ok: true }) | JumioCallFailure;
export interface JumioCallFailure extends JumioCallBase {
  ok: false;
  failure: JumioFailure;
  /** For the attempt log: what went wrong, without credentials or payload values. */
  error: string;
  retryAfterMs: number | null;
}

/** A bug or an input no check foresaw: still a failed call with a cause, never an exception for the worker. */
export function unexpected(base: JumioCallBase, e: unknown): JumioCallFailure {
  const name = e instanceof Error ? e.name : typeof e;
  return fail(base, 'MALFORMED', `the answer could not be read (${sanitize(name)})`);
}

export function fail(base: JumioCallBase, failure: JumioFailure, error: string): JumioCallFailure {
  return { ...base, ok: false, failure, error, retryAfterMs: null };
}

/** Error codes of a call that never reached Jumio: name resolution, the connection, the TLS handshake, the proxy. */
const UNREACHED_CODES = new Set([
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_NONAME',
  'EAI_FAIL',
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'EPROTO',
  'ERR_PROXY_REFUSED',
  'ERR_PROXY_TUNNEL',
]);
const TLS_CODE = /^(ERR_TLS_|ERR_SSL_)|CERT|SELF_SIGNED|UNABLE_TO_(VERIFY|GET)|HOSTNAME_MISMATCH/;

function codeOf(e: unknown): string | undefined {
  const code = e instanceof AxiosError ? e.code : (e as { code?: unknown } | null)?.code;
  const cause = (e as { cause?: { code?: unknown } } | null)?.cause?.code;
  if (typeof cause === 'string' && (UNREACHED_CODES.has(cause) || TLS_CODE.test(cause))) return cause;
  return typeof code === 'string' ? code : undefined;
}

/** A failure that never reached Jumio (not an attempt: retried on a short back-off), or null. */
export function unreached(e: unknown, base: JumioCallBase): JumioCallFailure | null {
  const code = codeOf(e);
  if (code === undefined) return null;
  if (code === 'ERR_PROXY_REFUSED' || code === 'ERR_PROXY_TUNNEL')
    return fail(base, 'UNREACHED', e instanceof Error ? sanitizeSentence(e.message) : code);
  if (TLS_CODE.test(code) || code === 'EPROTO')
    return fail(base, 'UNREACHED', `the TLS handshake failed (${sanitize(code)})`);
  if (UNREACHED_CODES.has(code)) return fail(base, 'UNREACHED', `could not connect (${sanitize(code)})`);
  return null;
}

/**
 * Whether a call's connection was a reused keep-alive one that closed before any byte of the answer: the server
 * had dropped it as idle just as it was reused, so the request never reached Jumio's application (Node's own
 * advice is to retry such a request once).
 */
export function closedOnReuse(e: unknown): boolean {
  if (!(e instanceof AxiosError) || e.response) return false;
  const reused = (e.request as { reusedSocket?: boolean } | undefined)?.reusedSocket === true;
  // Node's "socket hang up" (the server closed it) and a reset both carry ECONNRESET; EPIPE: closed as we wrote.
  return reused && (e.code === 'ECONNRESET' || e.code === 'EPIPE');
}

/**
 * Axios errors carry the request config, credentials included: only the code is kept. In order: over the size
 * limit (axios stops reading at maxContentLength), out of time (the per-call timeout or the overall signal), cut
 * short (the headers arrived, then the connection closed before the whole body), and any other connection error.
 */
export function describeTransportError(
  e: unknown,
  base: JumioCallBase,
  timeoutMs: number,
  maxBytes: number,
): JumioCallFailure {
  const code = e instanceof AxiosError ? e.code : (e as { code?: unknown } | null)?.code;
  const message = e instanceof Error ? e.message : '';
  if (/maxContentLength/i.test(message))
    return fail(base, 'TOO_LARGE', `the body exceeds the limit of ${maxBytes} bytes`);
  if (
    code === 'ECONNABORTED' ||
    code === 'ETIMEDOUT' ||
    code === 'ERR_CANCELED' ||
    /timeout|timed out/i.test(message)
  ) {
    return fail(base, 'TIMEOUT', `no complete answer within ${timeoutMs} ms`);
  }
  const response = e instanceof AxiosError ? e.response : undefined;
  if (response || /stream has been aborted/i.test(message)) {
    const declared = Number(response?.headers?.['content-length']);
    const status = typeof response?.status === 'number' ? response.status : null;
    return {
      ...fail(
        base,
        'NETWORK',
        `truncated: the connection closed before the whole body arrived${Number.isFinite(declared) ? ` (Content-Length ${declared})` : ''}`,
      ),
      httpStatus: status ?? base.httpStatus,
    };
  }
  return fail(
    base,
    'NETWORK',
    `connection failed (${typeof code === 'string' && code ? sanitize(code) : 'unknown error'})`,
  );
}

/** Retry-After is delay-seconds or an IMF-fixdate HTTP date (RFC 9110); anything else is ignored. */
export function parseRetryAfter(value: unknown, now = Date.now()): number | null {
  if (typeof value !== 'string') return null;
  const v = value.trim();
  if (/^\d{1,10}$/.test(v)) return Number(v) * 1000;
  if (
    !/^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(
      v,
    )
  )
    return null;
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

export function sanitize(s: string): string {
  return s.replace(/[^\w./:+-]/g, '').slice(0, 80);
}

/** A sentence of our own (spaces and brackets kept), cut short. */
function sanitizeSentence(s: string): string {
  return s.replace(/[^\w ./:+()-]/g, '').slice(0, 120);
}
