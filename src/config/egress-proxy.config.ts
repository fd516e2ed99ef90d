import type { EgressProxy } from './config.types.js';
import type { EnvReader } from './env-reader.js';

/**
 * HTTPS_PROXY, HTTP_PROXY and NO_PROXY for calls to Jumio, read as curl reads them: either case, the lower-case
 * variable winning when both are set. A proxy URL is `http://` or `https://` host[:port], with credentials if the
 * proxy wants them; a problem names the variable, never its value (it may carry a password).
 */
export function readEgressProxy(reader: EnvReader): EgressProxy {
  return {
    https: readProxyUrl(reader, 'https_proxy', 'HTTPS_PROXY'),
    http: readProxyUrl(reader, 'http_proxy', 'HTTP_PROXY'),
    noProxy: (reader.raw('no_proxy') ?? reader.raw('NO_PROXY') ?? '')
      .split(/[\s,]+/)
      .map((entry) => entry.trim().toLowerCase())
      .filter(Boolean),
  };
}

function readProxyUrl(reader: EnvReader, lower: string, upper: string): URL | null {
  const name = reader.has(lower) ? lower : upper;
  const value = reader.raw(name);
  if (value === undefined) return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    reader.problem(name, 'accepts a proxy URL http://[user:password@]host:port');
    return null;
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') {
    reader.problem(name, 'accepts an http:// or https:// proxy URL, e.g. http://proxy.internal:3128');
    return null;
  }
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) {
    reader.problem(name, 'accepts scheme://[user:password@]host[:port] only, without a path or query');
    return null;
  }
  return url;
}
