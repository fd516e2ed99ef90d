import { AxiosError } from 'axios';

export type JumioFailure =
  | 'NOT_FOUND' // 404: the transaction (or medium) is not there
  | 'FORBIDDEN' // 403: e.g. unmasked card images not enabled
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

/** A bug or an input no check foresaw: still a failed call with a cause, never an exception for the worker. */
export function unexpected(base: JumioCallBase, e: unknown): JumioCallFailure {
  const name = e instanceof Error ? e.name : typeof e;
  return fail(base, 'MALFORMED', `the answer could not be read (${sanitize(name)})`);
}

export function fail(base: JumioCallBase, failure: JumioFailure, error: string): JumioCallFailure {
  return { ...base, ok: false, failure, error, retryAfterMs: null };
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
