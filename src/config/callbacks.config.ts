import ipaddr from 'ipaddr.js';
import { DATACENTERS, type Datacenter } from '../common/kinds.js';
import type { AppConfig } from './config.types.js';
import type { EnvReader } from './env-reader.js';
import type { RuntimeMode } from './mode.config.js';
import { SANDBOX_CALLBACK_SOURCES } from './sandbox.config.js';

/**
 * Jumio's published callback source addresses per data center (jumio-facts.md, section 7): the Netverify guide's
 * list, plus the addresses its current KYX page lists (US, SGP) and those published for callback.lon.jumio.com
 * in 2019 (EU), since Jumio has moved them before and a refused callback is not sent again. The addresses retired
 * around 2017 are left out: they may belong to someone else now. CALLBACK_ALLOWED_SOURCES replaces the lot.
 */
export const JUMIO_CALLBACK_SOURCES: Record<Datacenter, string[]> = {
  US: [
    '34.202.241.227',
    '34.226.103.119',
    '34.226.254.127',
    '52.52.51.178',
    '52.53.95.123',
    '54.67.101.173',
    '52.8.136.236',
    '54.177.61.57',
    '54.183.15.212',
  ],
  EU: [
    '34.253.41.236',
    '35.157.27.193',
    '52.48.0.25',
    '52.57.194.92',
    '52.58.113.86',
    '52.209.180.134',
    '52.214.231.47',
    '34.253.150.171',
    '52.31.217.22',
    '34.252.8.98',
    '52.213.162.172',
    '34.251.97.146',
    '54.72.230.95',
    '52.213.194.188',
    '34.252.224.190',
  ],
  SGP: ['3.0.109.121', '52.76.184.73', '52.77.102.92', '13.238.100.17', '13.238.203.238', '52.64.132.26'],
};

/** CALLBACK_ALLOWED_SOURCES (default: Jumio's published addresses; the sandbox: loopback) and TRUSTED_PROXIES. */
export function readCallbacksConfig(reader: EnvReader, mode: RuntimeMode): AppConfig['callbacks'] {
  return {
    allowedSources: readAddressList(
      reader,
      'CALLBACK_ALLOWED_SOURCES',
      mode.sandbox
        ? [...SANDBOX_CALLBACK_SOURCES]
        : DATACENTERS.flatMap((datacenter) => JUMIO_CALLBACK_SOURCES[datacenter]),
    ),
    trustedProxies: readAddressList(reader, 'TRUSTED_PROXIES', []),
  };
}

/** Comma-separated IP addresses and CIDR ranges; the fallback when unset or when any entry is malformed. */
function readAddressList(reader: EnvReader, name: string, fallback: string[]): string[] {
  const value = reader.raw(name);
  if (value === undefined) return fallback;
  const entries = value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  for (const entry of entries) {
    const valid = entry.includes('/') ? isValidCidr(entry) : ipaddr.isValid(entry);
    if (!valid) {
      reader.problem(name, 'accepts comma-separated IP addresses and CIDR ranges, e.g. 34.202.241.227,10.0.0.0/8');
      return fallback;
    }
  }
  return entries;
}

function isValidCidr(range: string): boolean {
  try {
    ipaddr.parseCIDR(range);
    return true;
  } catch {
    return false;
  }
}
