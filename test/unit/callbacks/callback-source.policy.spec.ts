import type { IncomingMessage } from 'node:http';
import { loadConfig } from '../../../src/config/app-config';
import { CallbackSourcePolicy } from '../../../src/api/callbacks/callback-source.policy';

function policy(env: Record<string, string> = {}) {
  const config = loadConfig({
    SANDBOX: 'false',
    DATABASE_URL: 'postgres://u:p@localhost/db',
    API_KEYS: 'a:admin:secret-value',
    JUMIO_API_TOKEN: 't',
    JUMIO_API_SECRET: 's',
    JUMIO_USER_AGENT: 'Co App/1.0',
    DATA_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 1).toString('base64')}`,
    ...env,
  });
  return new CallbackSourcePolicy(config);
}

const req = (remoteAddress: string, forwardedFor?: string) =>
  ({
    socket: { remoteAddress },
    connection: { remoteAddress },
    headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor },
  }) as unknown as IncomingMessage;

describe('CallbackSourcePolicy', () => {
  it("allows Jumio's published addresses by default and names their data center", () => {
    const p = policy();
    expect(p.identify(req('52.48.0.25'))).toEqual({ address: '52.48.0.25', allowed: true, datacenter: 'EU' });
    expect(p.identify(req('34.202.241.227'))).toEqual({ address: '34.202.241.227', allowed: true, datacenter: 'US' });
    expect(p.identify(req('3.0.109.121'))).toMatchObject({ allowed: true, datacenter: 'SGP' });
    expect(p.identify(req('52.48.0.26'))).toEqual({ address: '52.48.0.26', allowed: false, datacenter: null });
  });

  it('an IPv4-mapped IPv6 peer counts as its IPv4 address', () => {
    expect(policy().identify(req('::ffff:52.48.0.25'))).toEqual({
      address: '52.48.0.25',
      allowed: true,
      datacenter: 'EU',
    });
  });

  it('reads CIDR ranges of both families', () => {
    const p = policy({ CALLBACK_ALLOWED_SOURCES: '10.0.0.0/8,2001:db8::/32' });
    expect(p.identify(req('10.200.3.4')).allowed).toBe(true);
    expect(p.identify(req('::ffff:10.200.3.4')).allowed).toBe(true);
    expect(p.identify(req('2001:db8:1::7')).allowed).toBe(true);
    expect(p.identify(req('11.0.0.1')).allowed).toBe(false);
    expect(p.identify(req('52.48.0.25')).allowed).toBe(false);
  });

  it('believes X-Forwarded-For only from trusted proxies, read from the right', () => {
    const none = policy({ CALLBACK_ALLOWED_SOURCES: '52.48.0.25' });
    expect(none.identify(req('10.0.0.2', '52.48.0.25'))).toMatchObject({ address: '10.0.0.2', allowed: false });
    const trusted = policy({ CALLBACK_ALLOWED_SOURCES: '52.48.0.25', TRUSTED_PROXIES: '10.0.0.0/24' });
    expect(trusted.identify(req('10.0.0.2', '52.48.0.25'))).toMatchObject({ address: '52.48.0.25', allowed: true });
    // A client that sends the header itself: the proxy appended the real sender, which is what counts.
    expect(trusted.identify(req('10.0.0.2', '52.48.0.25, 198.51.100.4'))).toMatchObject({
      address: '198.51.100.4',
      allowed: false,
    });
    // Two trusted proxies in a row are skipped.
    expect(trusted.identify(req('10.0.0.2', '52.48.0.25, 10.0.0.3'))).toMatchObject({
      address: '52.48.0.25',
      allowed: true,
    });
    // An untrusted peer's header is ignored.
    expect(trusted.identify(req('198.51.100.4', '52.48.0.25'))).toMatchObject({
      address: '198.51.100.4',
      allowed: false,
    });
  });
});
