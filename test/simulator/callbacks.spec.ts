import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { JumioSimulator } from '../../src/simulator/jumio-simulator.js';
import { jumio, ref, request, startSimulator } from './helpers.js';

/** A receiver standing in for the service: records every callback posted to it. */
async function receiver(status = 200) {
  const got: { path: string; contentType: string | undefined; fields: Record<string, string> }[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      got.push({
        path: req.url ?? '',
        contentType: req.headers['content-type'],
        fields: Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8'))),
      });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/callbacks/jumio`;
  return { got, base, close: () => new Promise<void>((r) => server.close(() => r())) };
}

async function until<T>(probe: () => T | null, what: string): Promise<T> {
  const end = Date.now() + 10_000;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('simulator: callbacks', () => {
  let sim: JumioSimulator;
  let rx: Awaited<ReturnType<typeof receiver>>;
  beforeAll(async () => {
    sim = await startSimulator();
    rx = await receiver();
  });
  afterAll(async () => {
    await sim.close();
    await rx.close();
  });
  const control = (path: string, method = 'GET', body?: unknown) =>
    request(`${sim.url}/__simulator${path}`, {
      method,
      auth: null,
      userAgent: null,
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  it('refuses to send before a callback URL is configured (409), and a bad URL (400)', async () => {
    const reference = ref();
    expect((await control('/callbacks', 'POST', { kind: 'scan', reference })).status).toBe(409);
    expect((await control('/config', 'POST', { callbackBaseUrl: 'not a url' })).status).toBe(400);
    const ok = await control('/config', 'POST', { callbackBaseUrl: `${rx.base}/` });
    expect(ok.json()).toEqual({ callbackBaseUrl: rx.base });
  });

  it("posts an ID verification's callback form with Jumio's field names, JSON strings inside, and settles the transaction", async () => {
    const reference = ref();
    sim.script({ kind: 'scan', reference, pendingPolls: 5, variant: 'rejected' });
    expect((await control('/callbacks', 'POST', { kind: 'scan', reference, deliveries: 2 })).status).toBe(202);
    const got = await until(
      () =>
        rx.got.filter((g) => g.fields.jumioIdScanReference === reference).length === 2
          ? rx.got.filter((g) => g.fields.jumioIdScanReference === reference)
          : null,
      'two deliveries',
    );
    expect(got[0]).toEqual(got[1]);
    expect(got[0].path).toBe('/callbacks/jumio/id-verifications');
    expect(got[0].contentType).toBe('application/x-www-form-urlencoded');
    const f = got[0].fields;
    expect(f).toMatchObject({
      callBackType: 'NETVERIFYID',
      verificationStatus: 'DENIED_FRAUD',
      idScanStatus: 'ERROR',
      idCountry: 'AUT',
      idType: 'ID_CARD',
    });
    expect(JSON.parse(f.rejectReason)).toMatchObject({ rejectReasonCode: '100' });
    expect(JSON.parse(f.idAddress)).toMatchObject({ city: 'VIENNA' });
    // The data and the status call agree with the callback from now on: the pending polls are used up.
    const data = (await jumio(sim, `/scans/${reference}/data`)).json();
    expect(data.document.firstName).toBe(f.idFirstName);
    expect((await jumio(sim, `/scans/${reference}`)).json().status).toBe('DONE');
    const sent = (await control(`/callbacks?reference=${reference}`)).json().callbacks;
    expect(sent.map((s: { httpStatus: number }) => s.httpStatus)).toEqual([200, 200]);
  });

  it('a script sends its callback by itself, or never; NOT_FOUND has none', async () => {
    const reference = ref();
    const never = ref();
    expect(
      (await control('/transactions', 'POST', { kind: 'authentication', reference, callback: { afterMs: 50 } })).status,
    ).toBe(201);
    expect(
      (await control('/transactions', 'POST', { kind: 'authentication', reference: never, callback: 'never' })).status,
    ).toBe(201);
    const got = await until(
      () => rx.got.find((g) => g.fields.transactionReference === reference) ?? null,
      'the scripted callback',
    );
    expect(got.path).toBe('/callbacks/jumio/authentications');
    expect(got.fields).toMatchObject({ callBackType: 'NETVERIFY_AUTHENTICATION', transactionResult: 'PASSED' });
    expect(JSON.parse(got.fields.livenessImages)).toHaveLength(2);
    await new Promise((r) => setTimeout(r, 200));
    expect(rx.got.some((g) => g.fields.transactionReference === never)).toBe(false);
    const nf = ref();
    expect(
      (await control('/transactions', 'POST', { kind: 'scan', reference: nf, final: 'NOT_FOUND', callback: {} }))
        .status,
    ).toBe(400);
    sim.script({ kind: 'scan', reference: nf, final: 'NOT_FOUND' });
    expect((await control('/callbacks', 'POST', { kind: 'scan', reference: nf })).status).toBe(404);
    expect(
      (await control('/transactions', 'POST', { kind: 'scan', reference: ref(), callback: { afterMs: -1 } })).json(),
    ).toMatchObject({ field: 'callback.afterMs' });
    expect((await control('/callbacks', 'POST', { kind: 'scan', reference: ref(), deliveries: 9 })).status).toBe(400);
  });

  it("posts a document verification's transaction and document as JSON strings", async () => {
    const reference = ref();
    sim.script({ kind: 'document', reference, pages: [1, 101] });
    sim.sendCallback('document', reference);
    const got = await until(
      () => rx.got.find((g) => g.fields.scanReference === reference) ?? null,
      'the document callback',
    );
    expect(got.path).toBe('/callbacks/jumio/document-verifications');
    expect(JSON.parse(got.fields.transaction)).toMatchObject({ status: 'DONE' });
    expect(JSON.parse(got.fields.document).images).toHaveLength(2);
  });
});
