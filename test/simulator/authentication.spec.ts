import { JumioSimulator, expectedMedium } from '../../src/simulator/jumio-simulator.js';
import { PREFIX, isJpeg, isPng, jumio, pollUntilFinal, ref, startSimulator } from './helpers.js';

const NO_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}$/;

describe('simulator: Authentication', () => {
  let sim: JumioSimulator;
  beforeAll(async () => {
    sim = await startSimulator();
  });
  afterAll(() => sim.close());

  it('PASSED: the whole record, no timestamp, transactionDate without zone, face and liveness hrefs', async () => {
    const reference = ref();
    sim.script({ kind: 'authentication', reference });
    const body = (await jumio(sim, `/authentications/${reference}`)).json();
    expect(body.timestamp).toBeUndefined();
    expect(body).toMatchObject({
      transactionReference: reference,
      transactionResult: 'PASSED',
      scanSource: 'SDK',
      userReference: `USER-${reference.slice(0, 8).toUpperCase()}`,
    });
    expect(body.enrollmentTransactionReference).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    );
    expect(body.transactionDate).toMatch(NO_ZONE);
    expect(body.images).toEqual([
      { classifier: 'face', href: `${sim.url}${PREFIX}/authentications/${reference}/images/face` },
    ]);
    expect(body.livenessImages).toEqual(
      [1, 2].map((n) => `${sim.url}${PREFIX}/authentications/${reference}/images/liveness/${n}`),
    );
  });

  it('serves face (JPEG) and liveness (PNG, JPEG) matching expectedMedium; 404 for others', async () => {
    const reference = ref();
    sim.script({ kind: 'authentication', reference });
    const face = await jumio(sim, `/authentications/${reference}/images/face`, { accept: 'image/jpeg, image/png' });
    expect(face.headers['content-type']).toBe('image/jpeg');
    expect(isJpeg(face.body)).toBe(true);
    expect(face.body.equals(expectedMedium('authentication', reference, 'face').bytes)).toBe(true);
    const l1 = await jumio(sim, `/authentications/${reference}/images/liveness/1`);
    expect(isPng(l1.body)).toBe(true);
    expect(l1.body.equals(expectedMedium('authentication', reference, 'liveness-1').bytes)).toBe(true);
    // same reference, other product: the bytes differ, so media cannot be mixed up between products
    expect(face.body.equals(expectedMedium('scan', reference, 'face').bytes)).toBe(false);
    expect((await jumio(sim, `/authentications/${reference}/images/front`)).status).toBe(404);
    expect((await jumio(sim, `/authentications/${reference}/images/liveness/3`)).status).toBe(404);
    expect((await jumio(sim, `/authentications/${reference}/images`)).status).toBe(404);
  });

  it('STARTED while pending, without images, and media 404 until final', async () => {
    const reference = ref();
    sim.script({ kind: 'authentication', reference, pendingPolls: 2, final: 'PASSED' });
    const first = (await jumio(sim, `/authentications/${reference}`)).json();
    expect(first.transactionResult).toBe('STARTED');
    expect(first.images).toBeUndefined();
    expect(first.livenessImages).toBeUndefined();
    expect((await jumio(sim, `/authentications/${reference}/images/face`)).status).toBe(404);
    expect(await pollUntilFinal(sim, `/authentications/${reference}`)).toEqual(['STARTED', 'PASSED']);
    expect((await jumio(sim, `/authentications/${reference}/images/face`)).status).toBe(200);
    expect(sim.requests({ reference, endpoint: 'status' }).map((e) => e.jumioStatus)).toEqual([
      'STARTED',
      'STARTED',
      'PASSED',
    ]);
  });

  it.each([
    ['FAILED', true],
    ['INVALID', true],
    ['EXPIRED', false],
  ] as const)('STARTED then %s (images: %s)', async (final, images) => {
    const reference = ref();
    sim.script({ kind: 'authentication', reference, pendingPolls: 1, final });
    expect(await pollUntilFinal(sim, `/authentications/${reference}`)).toEqual(['STARTED', final]);
    const body = (await jumio(sim, `/authentications/${reference}`)).json();
    expect(body.images !== undefined).toBe(images);
    expect((await jumio(sim, `/authentications/${reference}/images/face`)).status).toBe(images ? 200 : 404);
  });

  it('final DONE means PASSED for an authentication; NOT_FOUND is 404', async () => {
    const a = ref();
    const b = ref();
    sim.script({ kind: 'authentication', reference: a, final: 'DONE' });
    sim.script({ kind: 'authentication', reference: b, final: 'NOT_FOUND' });
    expect((await jumio(sim, `/authentications/${a}`)).json().transactionResult).toBe('PASSED');
    expect((await jumio(sim, `/authentications/${b}`)).status).toBe(404);
  });

  it('imagesAsObject: images is one object', async () => {
    const reference = ref();
    sim.script({ kind: 'authentication', reference, imagesAsObject: true, livenessCount: 1 });
    const body = (await jumio(sim, `/authentications/${reference}`)).json();
    expect(body.images).toEqual({
      classifier: 'face',
      href: `${sim.url}${PREFIX}/authentications/${reference}/images/face`,
    });
    expect(body.livenessImages).toHaveLength(1);
  });
});
