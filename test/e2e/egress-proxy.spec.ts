import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createProxy, type ProxyServer } from 'proxy';
import { JumioSimulator } from '../../src/simulator/jumio-simulator';
import { ruleViolations } from '../support/rule-compliance';
import {
  ADMIN_KEY,
  BACKEND_KEY,
  JUMIO_SECRET,
  JUMIO_TOKEN,
  bearer,
  startTestApp,
  type TestApp,
} from '../support/test-app';

const PROXY_USER = 'egress-user';
const PROXY_PASSWORD = 'egress-pa55word';

/** A self-signed certificate for 127.0.0.1 (and localhost), made with openssl for this run. */
function selfSignedCertificate(): { key: string; cert: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'jumio-tls-'));
  try {
    const key = path.join(dir, 'key.pem');
    const cert = path.join(dir, 'cert.pem');
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=jumio-simulator',
      '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ], { stdio: 'ignore' }); // prettier-ignore
    return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function listen(server: net.Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/**
 * The egress proxy (issue 15) with a real forward proxy (the `proxy` package) on loopback: calls to the simulator
 * over TLS go through its CONNECT tunnel, with the certificate verified end to end; a proxy that refuses or drops
 * the tunnel is a call that never reached Jumio (no attempt, short back-off, no crash); NO_PROXY bypasses it.
 */
describe('the egress proxy', () => {
  let tls: { key: string; cert: string };
  let sim: JumioSimulator;
  let proxy: ProxyServer;
  let proxyHost: string;
  const tunnels: string[] = [];
  let refusing: ProxyServer;
  let refusingHost: string;
  let dropping: net.Server;
  let droppingHost: string;
  const apps: TestApp[] = [];

  beforeAll(async () => {
    tls = selfSignedCertificate();
    sim = await JumioSimulator.start({ apiToken: JUMIO_TOKEN, apiSecret: JUMIO_SECRET, tls });
    proxy = createProxy(http.createServer());
    // The proxy wants its credentials: the service sends them from HTTPS_PROXY (and never logs them).
    proxy.authenticate = (req) =>
      req.headers['proxy-authorization'] ===
      `Basic ${Buffer.from(`${PROXY_USER}:${PROXY_PASSWORD}`).toString('base64')}`;
    proxy.on('connect', (req: http.IncomingMessage) => tunnels.push(req.url ?? ''));
    proxyHost = await listen(proxy);
    refusing = createProxy(http.createServer());
    refusing.authenticate = () => false;
    refusingHost = await listen(refusing);
    // Accepts the connection, reads the CONNECT, and hangs up without answering.
    dropping = net.createServer((socket) => socket.once('data', () => socket.destroy()));
    droppingHost = await listen(dropping);
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    await sim.close();
    for (const server of [proxy, refusing, dropping] as net.Server[]) {
      (server as http.Server).closeAllConnections?.();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  async function appWith(env: Record<string, string>): Promise<TestApp> {
    const app = await startTestApp({
      simulator: sim,
      jumioTlsCa: tls.cert,
      env: {
        JUMIO_ALLOW_INSECURE_HTTP: 'false',
        JUMIO_US_BASE_URL: sim.url,
        JUMIO_US_DOCUMENTS_BASE_URL: sim.url,
        ...env,
      },
    });
    apps.push(app);
    return app;
  }
  async function trackAndDrain(t: TestApp, reference: string) {
    await t
      .http()
      .post('/v1/id-verifications')
      .set(bearer(BACKEND_KEY))
      .send({ reference, acquiredAt: t.clock.now().toISOString(), callbackGraceSeconds: 0 })
      .expect(201);
    t.clock.advanceSeconds(40);
    await t.scheduler.drain();
    return (await t.http().get(`/v1/id-verifications/${reference}`).set(bearer(BACKEND_KEY)).expect(200)).body;
  }
  const attempts = async (t: TestApp, reference: string) =>
    (
      await t
        .http()
        .get(`/v1/admin/transactions/id-verifications/${reference}/attempts`)
        .set(bearer(ADMIN_KEY))
        .expect(200)
    ).body.items as { outcome: string; error: string | null; countsAsAttempt: boolean }[];

  it('goes through the proxy CONNECT tunnel to a TLS host whose certificate is verified end to end', async () => {
    const t = await appWith({ HTTPS_PROXY: `http://${PROXY_USER}:${PROXY_PASSWORD}@${proxyHost}` });
    expect(sim.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const ref = randomUUID();
    sim.script({ kind: 'scan', reference: ref });
    tunnels.length = 0;
    const v = await trackAndDrain(t, ref);
    expect(v.tracking).toMatchObject({ state: 'RETRIEVED', attempts: 1 });
    expect(v.media).toHaveLength(6);
    expect(ruleViolations(sim.requests({ reference: ref }))).toEqual([]);
    // Every connection went through the proxy, to the simulator's port (keep-alive tunnels are reused).
    expect(tunnels.length).toBeGreaterThan(0);
    expect(new Set(tunnels)).toEqual(new Set([new URL(sim.url).host]));
    expect(JSON.stringify(await attempts(t, ref))).not.toContain(PROXY_PASSWORD);
  });

  it('a certificate the service does not trust is a TLS failure: no attempt, retried on a back-off', async () => {
    const t = await startTestApp({
      simulator: sim,
      env: { JUMIO_ALLOW_INSECURE_HTTP: 'false', JUMIO_US_BASE_URL: sim.url },
    });
    apps.push(t);
    const v = await trackAndDrain(t, randomUUID());
    expect(v.tracking).toMatchObject({ state: 'RECONCILING', attempts: 0 });
    expect(v.tracking.lastError).toMatch(
      /^the TLS handshake failed \((DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE)\)$/,
    );
  });

  it.each([
    ['refuses the tunnel (407)', () => `http://${refusingHost}`, 'the proxy refused the tunnel (HTTP 407)'],
    ['drops the tunnel', () => `http://${droppingHost}`, 'the proxy closed the connection before the tunnel was up'],
    ['is not there', () => 'http://127.0.0.1:1', 'could not connect (ECONNREFUSED)'],
  ])(
    'a proxy that %s: the call never reached Jumio, no attempt, a short back-off, no crash',
    async (_what, url, error) => {
      const t = await appWith({ HTTPS_PROXY: url() });
      const ref = randomUUID();
      sim.script({ kind: 'scan', reference: ref });
      const v = await trackAndDrain(t, ref);
      expect(v.tracking).toMatchObject({ state: 'RECONCILING', attempts: 0, lastError: error });
      expect(new Date(v.tracking.nextAttemptAt).getTime() - t.clock.now().getTime()).toBe(1000);
      expect(await attempts(t, ref)).toEqual([
        expect.objectContaining({ outcome: 'UNREACHED', error, countsAsAttempt: false }),
      ]);
      expect(sim.requests({ reference: ref })).toHaveLength(0);
    },
  );

  it('NO_PROXY sends the calls to its hosts directly', async () => {
    const t = await appWith({ HTTPS_PROXY: `http://${refusingHost}`, NO_PROXY: 'localhost,127.0.0.1' });
    const ref = randomUUID();
    sim.script({ kind: 'scan', reference: ref });
    tunnels.length = 0;
    expect((await trackAndDrain(t, ref)).tracking).toMatchObject({ state: 'RETRIEVED', attempts: 1 });
    expect(tunnels).toEqual([]);
  });
});
