import http from 'node:http';
import { JumioSimulator } from '../../src/simulator/jumio-simulator';
import { PREFIX, SECRET, TOKEN, UA, jumio, ref, request } from './helpers';

/** Several accounts per host, one data center per host, a secret rotated, stale keep-alive connections. */
describe('simulator: accounts and connections', () => {
  let eu: JumioSimulator;
  beforeAll(async () => {
    eu = await JumioSimulator.start({
      apiToken: TOKEN,
      apiSecret: SECRET,
      datacenter: 'EU',
      accounts: [
        { name: 'eu-main', datacenter: 'EU', token: 'eu-token', secret: 'eu-secret' },
        { name: 'us-main', datacenter: 'US', token: 'us-token', secret: 'us-secret' },
      ],
    });
  });
  afterAll(() => eu.close());

  it("a host accepts its own data center's accounts (and default), and logs whose credentials they were", async () => {
    const reference = ref();
    expect((await jumio(eu, `/scans/${reference}`, { auth: ['eu-token', 'eu-secret'] })).status).toBe(200);
    expect((await jumio(eu, `/scans/${reference}`)).status).toBe(200);
    // An account of another data center is not known here, as at Jumio.
    expect((await jumio(eu, `/scans/${reference}`, { auth: ['us-token', 'us-secret'] })).status).toBe(401);
    expect(eu.requests({ reference }).map((r) => [r.basicUser, r.authorized, r.account])).toEqual([
      ['eu-token', true, 'eu-main'],
      [TOKEN, true, 'default'],
      ['us-token', false, null],
    ]);
  });

  it('a rotated secret is refused from then on, and the old one works again once put back', async () => {
    const reference = ref();
    const rotate = (secret: unknown) =>
      request(`${eu.url}/__simulator/accounts/eu-main/secret`, { method: 'POST', body: JSON.stringify({ secret }) });
    expect((await rotate('new-secret')).json()).toEqual({ account: 'eu-main', rotated: true });
    expect((await jumio(eu, `/scans/${reference}`, { auth: ['eu-token', 'eu-secret'] })).status).toBe(401);
    expect((await jumio(eu, `/scans/${reference}`, { auth: ['eu-token', 'new-secret'] })).status).toBe(200);
    expect((await rotate('')).status).toBe(400);
    const unknown = await request(`${eu.url}/__simulator/accounts/nobody/secret`, {
      method: 'POST',
      body: JSON.stringify({ secret: 'x' }),
    });
    expect(unknown.status).toBe(404);
    expect(eu.rotateSecret('eu-main', 'eu-secret')).toBe(true);
    expect((await jumio(eu, `/scans/${reference}`, { auth: ['eu-token', 'eu-secret'] })).status).toBe(200);
  });

  it('staleConnectionMs: a request on a kept-alive connection idle that long is reset unanswered and not logged', async () => {
    const sim = await JumioSimulator.start({ apiToken: TOKEN, apiSecret: SECRET, staleConnectionMs: 0 });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const reference = ref();
      const get = () =>
        new Promise<{ status: number | null; error: string | null; reused: boolean }>((resolve) => {
          const req = http.get(
            `${sim.url}${PREFIX}/scans/${reference}`,
            {
              agent,
              headers: {
                Authorization: `Basic ${Buffer.from(`${TOKEN}:${SECRET}`).toString('base64')}`,
                'User-Agent': UA,
                Accept: 'application/json',
              },
            },
            (res) => {
              res.resume();
              res.on('end', () => resolve({ status: res.statusCode ?? null, error: null, reused: req.reusedSocket }));
            },
          );
          req.on('error', (e: NodeJS.ErrnoException) =>
            resolve({ status: null, error: e.code ?? 'error', reused: req.reusedSocket }),
          );
        });
      expect(await get()).toEqual({ status: 200, error: null, reused: false });
      expect(await get()).toEqual({ status: null, error: 'ECONNRESET', reused: true });
      expect(await get()).toEqual({ status: 200, error: null, reused: false });
      expect(sim.requests({ reference })).toHaveLength(2);
    } finally {
      agent.destroy();
      await sim.close();
    }
  });
});
