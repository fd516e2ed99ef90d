import { API_PREFIX } from '../../src/simulator/jumio-simulator';
import { JUMIO_SECRET, JUMIO_TOKEN, USER_AGENT } from './test-credentials';

export type Kind = 'id-verifications' | 'document-verifications' | 'authentications';

/** Keys whose values are personal in what the simulator serves (see src/simulator/simulator-payloads-*.ts). */
export const PERSONAL_KEYS = new Set([
  'firstName',
  'lastName',
  'dob',
  'expiry',
  'issuingDate',
  'issueDate',
  'number',
  'personalNumber',
  'line1',
  'formattedAddress',
  'ssn',
  'pan',
  'accountNumber',
  'userReference',
  'customerId',
  'merchantScanReference',
  'clientIp',
  'enrollmentTransactionReference',
  'findings',
  'extractedData',
  'postalCode',
  'expiryDate',
]);

/** The simulator's per-reference tag (its persona's names and references carry it). */
export const tagOf = (reference: string) =>
  reference
    .replace(/[^A-Za-z0-9]/g, '')
    .slice(0, 8)
    .toUpperCase();

/**
 * The personal values of a served payload: every value under a personal key, every value carrying the persona's
 * tag, every e-mail-like value; the inner JSON string of a document's extractedData is read too. Values shorter
 * than 6 characters (a gender, a 4-digit postal code) are left out: they would match ciphertext by chance.
 */
export function personalValues(payload: unknown, reference: string): string[] {
  const tag = tagOf(reference);
  const out = new Set<string>();
  const walk = (v: unknown, key: string) => {
    if (typeof v === 'string') {
      if ((PERSONAL_KEYS.has(key) || v.includes(tag) || /\S+@\S+\.\S+/.test(v)) && v.length >= 6) out.add(v);
      if (key === 'extractedData') {
        try {
          walk(JSON.parse(v), '');
        } catch {
          // not JSON: the string itself is kept
        }
      }
    } else if (Array.isArray(v)) {
      for (const x of v) walk(x, key);
    } else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) walk(x, k);
    }
  };
  walk(payload, '');
  return [...out];
}

/** What the simulator at `simulatorUrl` serves for a transaction's details (the authentication status answer is its details). */
export async function servedJson(simulatorUrl: string, kind: Kind, reference: string): Promise<unknown> {
  const path = {
    'id-verifications': `/scans/${reference}/data`,
    'document-verifications': `/documents/${reference}/data`,
    authentications: `/authentications/${reference}`,
  }[kind];
  const res = await fetch(`${simulatorUrl}${API_PREFIX}${path}`, {
    headers: {
      Authorization: `Basic ${Buffer.from(`${JUMIO_TOKEN}:${JUMIO_SECRET}`).toString('base64')}`,
      'User-Agent': USER_AGENT,
      Accept: 'application/json',
    },
  });
  if (res.status !== 200) throw new Error(`the simulator answered ${res.status} for ${kind} ${reference}`);
  return res.json();
}
