import { DATACENTERS, type Datacenter } from '../common/kinds.js';
import type { JumioAccount } from './config.types.js';
import type { EnvReader } from './env-reader.js';
import type { RuntimeMode } from './mode.config.js';
import { SANDBOX_JUMIO_CREDENTIALS } from './sandbox.config.js';

/** The account of the older JUMIO_API_TOKEN/JUMIO_API_SECRET pair (and the sandbox's implicit one). */
export const DEFAULT_ACCOUNT = 'default';
const NAME = /^[a-z0-9-]{1,63}$/;
const MAX_CEILING = 100_000;

/**
 * Jumio's accounts (retrieval-rules.md, "Jumio accounts"): JUMIO_ACCOUNTS, `name:DC:token:secret[:ceiling]`
 * comma-separated, then the account `default` (JUMIO_API_TOKEN/JUMIO_API_SECRET; in the sandbox without them, the
 * simulator's pair) for every data center no listed account covers, one (account, data center) pair each.
 * Every problem names the entry's position and field, never a value: tokens and secrets sit in the same string.
 */
export function readJumioAccounts(
  reader: EnvReader,
  mode: RuntimeMode,
  defaults: { datacenter: Datacenter; ceilingPerSecond: number },
): JumioAccount[] {
  const problemsBefore = reader.problems.length;
  const token = reader.raw('JUMIO_API_TOKEN');
  const secret = reader.raw('JUMIO_API_SECRET');
  const pairSet = token !== undefined && secret !== undefined;
  if ((token === undefined) !== (secret === undefined)) {
    const missing = token === undefined ? 'JUMIO_API_TOKEN' : 'JUMIO_API_SECRET';
    reader.problem(missing, 'is required with its other half (JUMIO_API_TOKEN and JUMIO_API_SECRET go together)');
  }
  const listed = readListedAccounts(reader, pairSet, defaults.ceilingPerSecond);
  const covered = new Set(listed.map((a) => a.datacenter));
  const defaultPair = pairSet
    ? { token: token!, secret: secret! }
    : mode.sandbox && token === undefined && secret === undefined
      ? SANDBOX_JUMIO_CREDENTIALS
      : null;
  const accounts = [...listed];
  if (defaultPair) {
    for (const datacenter of DATACENTERS) {
      if (covered.has(datacenter)) continue;
      accounts.push({
        name: DEFAULT_ACCOUNT,
        datacenter,
        token: defaultPair.token,
        secret: defaultPair.secret,
        ceilingPerSecond: defaults.ceilingPerSecond,
      });
    }
  }
  if (!mode.sandbox && reader.problems.length === problemsBefore) {
    if (accounts.length === 0) {
      reader.problem(
        'JUMIO_ACCOUNTS',
        'at least one Jumio account is required: JUMIO_ACCOUNTS (name:DC:token:secret[:ceilingPerSecond]), or JUMIO_API_TOKEN and JUMIO_API_SECRET',
      );
    } else if (!accounts.some((a) => a.datacenter === defaults.datacenter)) {
      reader.problem(
        'JUMIO_DEFAULT_DATACENTER',
        `the default data center ${defaults.datacenter} has no Jumio account: list one in JUMIO_ACCOUNTS, set JUMIO_API_TOKEN and JUMIO_API_SECRET, or choose a data center that has one`,
      );
    }
  }
  return accounts;
}

function readListedAccounts(reader: EnvReader, pairSet: boolean, fallbackCeiling: number): JumioAccount[] {
  const value = reader.raw('JUMIO_ACCOUNTS');
  if (value === undefined) return [];
  const accounts: JumioAccount[] = [];
  const positionOf = new Map<string, number>();
  value.split(',').forEach((raw, index) => {
    const position = index + 1;
    const problem = (field: string, accepts: string) =>
      reader.problem('JUMIO_ACCOUNTS', `entry ${position} (${field}): ${accepts}`);
    const fields = raw.split(':').map((f) => f.trim());
    if (fields.length < 4 || fields.length > 5) {
      return problem(
        'format',
        'accepts name:DC:token:secret[:ceilingPerSecond] (a token or secret may not contain "," or ":")',
      );
    }
    const [name, dc, token, secret, ceiling] = fields;
    let ok = true;
    if (!NAME.test(name)) {
      ok = false;
      problem('name', 'accepts 1 to 63 lower-case letters, digits and "-"');
    } else if (positionOf.has(name)) {
      ok = false;
      problem('name', `repeats the name of entry ${positionOf.get(name)}; each account needs a name of its own`);
    } else if (name === DEFAULT_ACCOUNT && pairSet) {
      ok = false;
      problem('name', `"${DEFAULT_ACCOUNT}" is the account of JUMIO_API_TOKEN/JUMIO_API_SECRET, which are set`);
    }
    const datacenter = DATACENTERS.find((d) => d === dc.toUpperCase());
    if (!datacenter) {
      ok = false;
      problem('DC', `accepts one of ${DATACENTERS.join(', ')}`);
    }
    if (token === '') {
      ok = false;
      problem('token', 'is empty');
    }
    if (secret === '') {
      ok = false;
      problem('secret', 'is empty');
    }
    let ceilingPerSecond = fallbackCeiling;
    if (ceiling !== undefined) {
      ceilingPerSecond = Number(ceiling);
      if (!/^\d+$/.test(ceiling) || ceilingPerSecond < 1 || ceilingPerSecond > MAX_CEILING) {
        ok = false;
        problem('ceilingPerSecond', `accepts a whole number of calls per second from 1 to ${MAX_CEILING}`);
      }
    }
    if (NAME.test(name) && !positionOf.has(name)) positionOf.set(name, position);
    if (ok) accounts.push({ name, datacenter: datacenter!, token, secret, ceilingPerSecond });
  });
  return accounts;
}
