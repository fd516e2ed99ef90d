import { DATACENTERS, type Datacenter } from '../common/kinds.js';
import type { AppConfig } from './config.types.js';
import type { EnvReader } from './env-reader.js';
import type { RuntimeMode } from './mode.config.js';
import { readEgressProxy } from './egress-proxy.config.js';
import { readJumioAccounts } from './jumio-accounts.config.js';
import { SANDBOX_USER_AGENT } from './sandbox.config.js';

/** Jumio's hosts (retrieval-rules.md, "Where Jumio is"). */
export const JUMIO_DEFAULT_HOSTS: Record<Datacenter, { scans: string; documents: string }> = {
  US: { scans: 'https://netverify.com', documents: 'https://retrieval.netverify.com' },
  EU: { scans: 'https://lon.netverify.com', documents: 'https://retrieval.lon.netverify.com' },
  SGP: { scans: 'https://core-sgp.jumio.com', documents: 'https://retrieval.core-sgp.jumio.com' },
};

/**
 * The Retrieval API: the accounts and the User-Agent (required outside the sandbox, which uses the simulator's
 * pair), hosts per data center, the egress proxy, and the ceilings and limits of every call.
 */
export function readJumioConfig(reader: EnvReader, mode: RuntimeMode): AppConfig['jumio'] {
  const outsideSandbox = !mode.sandbox;
  const defaultDatacenter = reader.oneOf('JUMIO_DEFAULT_DATACENTER', DATACENTERS, 'US');
  const rateLimitPerSecond = reader.integer('JUMIO_RATE_LIMIT_PER_SECOND', 12, 1, 100000);
  const accounts = readJumioAccounts(reader, mode, {
    datacenter: defaultDatacenter,
    ceilingPerSecond: rateLimitPerSecond,
  });
  const userAgent = reader.required(
    'JUMIO_USER_AGENT',
    'a User-Agent naming your business and app, e.g. "Acme KYC/1.0"',
    outsideSandbox,
  );
  if (userAgent !== undefined && !/^[\x21-\x7e][\x20-\x7e]{0,199}$/.test(userAgent)) {
    reader.problem('JUMIO_USER_AGENT', 'accepts printable ASCII, up to 200 characters, e.g. "Acme KYC/1.0"');
  }
  const allowInsecureHttp = reader.boolean('JUMIO_ALLOW_INSECURE_HTTP', false);
  const baseUrls = readBaseUrls(reader, mode.sandbox || allowInsecureHttp);
  return {
    accounts,
    credentialsProbeSeconds: reader.integer('JUMIO_CREDENTIALS_PROBE_SECONDS', 60, 1, 86400),
    proxy: readEgressProxy(reader),
    userAgent: userAgent ?? SANDBOX_USER_AGENT,
    defaultDatacenter,
    baseUrls,
    allowInsecureHttp,
    rateLimitPerSecond,
    maxInFlight: reader.integer('JUMIO_MAX_IN_FLIGHT', 8, 1, 1000),
    timeoutMs: reader.integer('JUMIO_TIMEOUT_MS', 10000, 100, 300000),
    unmaskedCardImages: reader.boolean('JUMIO_UNMASKED_CARD_IMAGES', false),
    maxMediaBytes: reader.integer('JUMIO_MAX_MEDIA_BYTES', 15 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    rateLimitedPauseMaxSeconds: reader.integer('JUMIO_429_PAUSE_MAX_SECONDS', 60, 0, 3600),
  };
}

/** JUMIO_<DC>_BASE_URL and JUMIO_<DC>_DOCUMENTS_BASE_URL for every data center, Jumio's hosts by default. */
function readBaseUrls(reader: EnvReader, allowHttp: boolean): AppConfig['jumio']['baseUrls'] {
  const baseUrls = {} as AppConfig['jumio']['baseUrls'];
  for (const datacenter of DATACENTERS) {
    const defaults = JUMIO_DEFAULT_HOSTS[datacenter];
    baseUrls[datacenter] = {
      scans: readBaseUrl(reader, `JUMIO_${datacenter}_BASE_URL`, defaults.scans, allowHttp),
      documents: readBaseUrl(reader, `JUMIO_${datacenter}_DOCUMENTS_BASE_URL`, defaults.documents, allowHttp),
    };
  }
  return baseUrls;
}

function readBaseUrl(reader: EnvReader, name: string, fallback: string, allowHttp: boolean): string {
  const value = reader.raw(name);
  if (value === undefined) return fallback;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    reader.problem(name, 'accepts a base URL scheme://host[:port], e.g. https://netverify.com');
    return fallback;
  }
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash || url.username || url.password) {
    reader.problem(
      name,
      'accepts scheme://host[:port] only, without path, query or credentials (the service appends /api/netverify/v2/...)',
    );
    return fallback;
  }
  if (url.protocol === 'http:' && !allowHttp) {
    reader.problem(
      name,
      'must use https:// outside the sandbox (set JUMIO_ALLOW_INSECURE_HTTP=true only for a test rig on loopback)',
    );
    return fallback;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    reader.problem(name, 'accepts an https:// URL');
    return fallback;
  }
  return url.origin;
}
