import { ConfigError, loadConfig } from '../../../src/config/app-config';
import { proxyFor } from '../../../src/engine/jumio-transport/jumio-agents';

const KEY = Buffer.alloc(32, 1).toString('base64');
const base = {
  SANDBOX: 'false',
  DATABASE_URL: 'postgres://u:p@localhost:5432/db',
  API_KEYS: 'checkout:transactions:s3cr3t-value',
  JUMIO_USER_AGENT: 'Acme KYC/1.0',
  DATA_ENCRYPTION_KEYS: `k1:${KEY}`,
};

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
}

describe('JUMIO_ACCOUNTS', () => {
  it('one pair per (account, data center): listed accounts first, then default for every data center they leave', () => {
    const c = loadConfig({
      ...base,
      JUMIO_ACCOUNTS: 'us-main:US:tok-us:sec-us,eu-main:eu:tok-eu:sec-eu:40,eu-two:EU:tok-e2:sec-e2',
      JUMIO_API_TOKEN: 'old-token',
      JUMIO_API_SECRET: 'old-secret',
      JUMIO_RATE_LIMIT_PER_SECOND: '9',
    });
    expect(c.jumio.accounts.map((a) => [a.name, a.datacenter, a.ceilingPerSecond])).toEqual([
      ['us-main', 'US', 9],
      ['eu-main', 'EU', 40],
      ['eu-two', 'EU', 9],
      ['default', 'SGP', 9],
    ]);
    expect(c.jumio.accounts[1]).toMatchObject({ token: 'tok-eu', secret: 'sec-eu' });
    expect(c.jumio.credentialsProbeSeconds).toBe(60);
  });

  it('the old pair alone is the account default in every data center', () => {
    const c = loadConfig({ ...base, JUMIO_API_TOKEN: 't', JUMIO_API_SECRET: 's' });
    expect(c.jumio.accounts.map((a) => `${a.name}/${a.datacenter}`)).toEqual([
      'default/US',
      'default/EU',
      'default/SGP',
    ]);
  });

  it('the sandbox without any account has an implicit default in every data center', () => {
    expect(loadConfig({}).jumio.accounts.map((a) => `${a.name}/${a.datacenter}`)).toEqual([
      'default/US',
      'default/EU',
      'default/SGP',
    ]);
  });

  it.each([
    ['us-main:US:T0kVal', 'entry 1 (format)'],
    ['us-main:US:T0kVal:S3cVal:12:X7extra', 'entry 1 (format)'],
    ['us-main:US:T0kVal:S3cVal,Bad_Name:EU:T0kVal:S3cVal', 'entry 2 (name)'],
    ['us-main:MARS:T0kVal:S3cVal', 'entry 1 (DC): accepts one of US, EU, SGP'],
    ['us-main:US:T0kVal:S3cVal,us-main:EU:T0kVal:S3cVal', 'entry 2 (name): repeats the name of entry 1'],
    ['us-main:US:T0kVal:S3cVal:0', 'entry 1 (ceilingPerSecond)'],
    ['us-main:US:T0kVal:S3cVal:F4stVal', 'entry 1 (ceilingPerSecond)'],
    ['us-main:US::S3cVal', 'entry 1 (token): is empty'],
    ['us-main:US:T0kVal:', 'entry 1 (secret): is empty'],
  ])('refuses %s with one line naming the entry and the field, never a value', (value, says) => {
    const problems = problemsOf({ ...base, JUMIO_ACCOUNTS: value });
    expect(problems).toEqual([expect.stringContaining(`JUMIO_ACCOUNTS: ${says}`)]);
    expect(problems[0]).not.toMatch(/T0kVal|S3cVal|X7extra|F4stVal|MARS|Bad_Name/);
  });

  it('refuses a listed default while the old pair is set, half a pair, and a default data center without an account', () => {
    expect(
      problemsOf({ ...base, JUMIO_ACCOUNTS: 'default:US:a:b', JUMIO_API_TOKEN: 't', JUMIO_API_SECRET: 's' }),
    ).toEqual([expect.stringMatching(/^JUMIO_ACCOUNTS: entry 1 \(name\): "default" is the account of/)]);
    expect(problemsOf({ ...base, JUMIO_ACCOUNTS: 'us-main:US:a:b', JUMIO_API_TOKEN: 't' })).toEqual([
      expect.stringMatching(/^JUMIO_API_SECRET: is required with its other half/),
    ]);
    expect(problemsOf({ ...base, JUMIO_ACCOUNTS: 'eu-main:EU:a:b' })).toEqual([
      expect.stringMatching(/^JUMIO_DEFAULT_DATACENTER: the default data center US has no Jumio account/),
    ]);
    expect(
      loadConfig({ ...base, JUMIO_ACCOUNTS: 'eu-main:EU:a:b', JUMIO_DEFAULT_DATACENTER: 'EU' }).jumio.accounts,
    ).toHaveLength(1);
  });

  it('JUMIO_CREDENTIALS_PROBE_SECONDS is a whole number of seconds', () => {
    const ok = { ...base, JUMIO_API_TOKEN: 't', JUMIO_API_SECRET: 's' };
    expect(loadConfig({ ...ok, JUMIO_CREDENTIALS_PROBE_SECONDS: '5' }).jumio.credentialsProbeSeconds).toBe(5);
    expect(problemsOf({ ...ok, JUMIO_CREDENTIALS_PROBE_SECONDS: '0' })).toEqual([
      expect.stringMatching(/^JUMIO_CREDENTIALS_PROBE_SECONDS: accepts a whole number from 1/),
    ]);
  });
});

describe('HTTPS_PROXY, HTTP_PROXY, NO_PROXY', () => {
  const ok = { ...base, JUMIO_API_TOKEN: 't', JUMIO_API_SECRET: 's' };

  it('reads either case, lower case winning, and never echoes a proxy URL (it may carry a password)', () => {
    const c = loadConfig({
      ...ok,
      HTTPS_PROXY: 'http://upper:3128',
      https_proxy: 'http://user:pa55@lower:3128',
      NO_PROXY: 'internal.example, 10.0.0.0/8',
    });
    expect(c.jumio.proxy.https?.host).toBe('lower:3128');
    expect(c.jumio.proxy.noProxy).toEqual(['internal.example', '10.0.0.0/8']);
    const problems = problemsOf({ ...ok, HTTPS_PROXY: 'socks5://user:hunter2@proxy:1080', HTTP_PROXY: 'nope' });
    expect(problems).toEqual([expect.stringMatching(/^HTTPS_PROXY: /), expect.stringMatching(/^HTTP_PROXY: /)]);
    expect(problems.join('\n')).not.toMatch(/hunter2|socks5|nope/);
  });

  it('chooses the proxy by scheme and lets NO_PROXY bypass it, as curl does', () => {
    const proxy = {
      https: new URL('http://proxy:3128'),
      http: new URL('http://plain-proxy:3128'),
      noProxy: ['.internal.example', 'lon.netverify.com', '127.0.0.0/8', 'other.example:8443', '::1'],
    };
    const via = (url: string) => proxyFor(new URL(url), proxy)?.host ?? 'direct';
    expect(via('https://netverify.com/x')).toBe('proxy:3128');
    expect(via('http://netverify.com/x')).toBe('plain-proxy:3128');
    expect(via('https://lon.netverify.com/x')).toBe('direct');
    expect(via('https://retrieval.lon.netverify.com/x')).toBe('direct');
    expect(via('https://a.internal.example/x')).toBe('direct');
    expect(via('https://internal.example/x')).toBe('direct');
    expect(via('https://notinternal.example/x')).toBe('proxy:3128');
    expect(via('https://127.0.0.1:8443/x')).toBe('direct');
    expect(via('https://[::1]:8443/x')).toBe('direct');
    expect(via('https://other.example:8443/x')).toBe('direct');
    expect(via('https://other.example/x')).toBe('proxy:3128');
    expect(proxyFor(new URL('https://anything/x'), { ...proxy, noProxy: ['*'] })).toBeNull();
    expect(proxyFor(new URL('https://anything/x'), { https: null, http: null, noProxy: [] })).toBeNull();
  });
});
