import { JumioSimulator, derivePlan } from '../../src/simulator/jumio-simulator.js';
import { PREFIX, jumio, pollUntilFinal, startSimulator, uuidEndingIn } from './helpers.js';

describe('simulator: unscripted references, by last hex digit', () => {
  let sim: JumioSimulator;
  beforeAll(async () => {
    sim = await startSimulator();
  });
  afterAll(() => sim.close());

  it.each(['0', '1', '2', '3', '4', '5', '6', '7'])(
    'scan ending in %s: PENDING (digit %% 3) times, then approved',
    async (d) => {
      const reference = uuidEndingIn(d);
      const pending = Array<string>(Number(d) % 3).fill('PENDING');
      expect(await pollUntilFinal(sim, `/scans/${reference}`)).toEqual([...pending, 'DONE']);
      const data = (await jumio(sim, `/scans/${reference}/data`)).json();
      expect(data.document.status).toBe('APPROVED_VERIFIED');
      expect(data.facemap.href).toBe(`${sim.url}${PREFIX}/scans/${reference}/data/facemap`);
      const images = (await jumio(sim, `/scans/${reference}/images`)).json();
      expect(images.images.map((i: { classifier: string }) => i.classifier)).toEqual(['front', 'back', 'face']);
      expect(images.livenessImages).toHaveLength(2);
    },
  );

  it('document ending in 4: one PENDING, then EXTRACTED CC with pages 1 and 101 and the original', async () => {
    const reference = uuidEndingIn('4');
    expect(await pollUntilFinal(sim, `/documents/${reference}`)).toEqual(['PENDING', 'DONE']);
    const doc = (await jumio(sim, `/documents/${reference}/data/document`)).json();
    expect(doc).toMatchObject({ status: 'EXTRACTED', type: 'CC' });
    expect(doc.originalDocument).toBe(`${sim.url}${PREFIX}/documents/${reference}/original`);
    const pages = (await jumio(sim, `/documents/${reference}/pages`)).json();
    expect(pages.images.map((p: { classifier: number }) => p.classifier)).toEqual([1, 101]);
  });

  it('authentication ending in 5: two STARTED, then PASSED with face and two liveness', async () => {
    const reference = uuidEndingIn('5');
    expect(await pollUntilFinal(sim, `/authentications/${reference}`)).toEqual(['STARTED', 'STARTED', 'PASSED']);
    const body = (await jumio(sim, `/authentications/${reference}`)).json();
    expect(body.images).toHaveLength(1);
    expect(body.livenessImages).toHaveLength(2);
  });

  it('pending counts are kept per reference and product for the life of the process', async () => {
    const a = uuidEndingIn('2');
    const b = uuidEndingIn('2');
    expect((await jumio(sim, `/scans/${a}`)).json().status).toBe('PENDING');
    expect((await jumio(sim, `/scans/${b}`)).json().status).toBe('PENDING');
    expect((await jumio(sim, `/documents/${a}`)).json().status).toBe('PENDING');
    expect((await jumio(sim, `/scans/${a}`)).json().status).toBe('PENDING');
    expect((await jumio(sim, `/scans/${a}`)).json().status).toBe('DONE');
    expect((await jumio(sim, `/scans/${a}`)).json().status).toBe('DONE');
    expect((await jumio(sim, `/scans/${b}`)).json().status).toBe('PENDING');
  });

  it('8: DENIED_FRAUD with reject 100 and an array of two details; DISCARDED; FAILED', async () => {
    const reference = uuidEndingIn('8');
    expect((await jumio(sim, `/scans/${reference}`)).json().status).toBe('DONE');
    const data = (await jumio(sim, `/scans/${reference}/data`)).json();
    expect(data.document.status).toBe('DENIED_FRAUD');
    expect(data.verification.rejectReason.rejectReasonCode).toBe('100');
    expect(data.verification.rejectReason.rejectReasonDetails).toHaveLength(2);
    expect((await jumio(sim, `/documents/${reference}/data/document`)).json().status).toBe('DISCARDED');
    expect((await jumio(sim, `/authentications/${reference}`)).json().transactionResult).toBe('FAILED');
  });

  it('9: ERROR_NOT_READABLE_ID with reject 200 and one details object; UPLOADED; INVALID', async () => {
    const reference = uuidEndingIn('9');
    const v = (await jumio(sim, `/scans/${reference}/data/verification`)).json();
    expect(v.rejectReason.rejectReasonCode).toBe('200');
    expect(v.rejectReason.rejectReasonDetails).toEqual({ detailsCode: '2001', detailsDescription: 'BLURRED' });
    expect((await jumio(sim, `/scans/${reference}/data/document`)).json().status).toBe('ERROR_NOT_READABLE_ID');
    expect((await jumio(sim, `/documents/${reference}/data/document`)).json().status).toBe('UPLOADED');
    expect((await jumio(sim, `/authentications/${reference}`)).json().transactionResult).toBe('INVALID');
  });

  it('a: FAILED with NO_ID_UPLOADED; DV FAILED; authentication EXPIRED', async () => {
    const reference = uuidEndingIn('a');
    expect((await jumio(sim, `/scans/${reference}`)).json().status).toBe('FAILED');
    expect((await jumio(sim, `/scans/${reference}/data/document`)).json().status).toBe('NO_ID_UPLOADED');
    expect((await jumio(sim, `/documents/${reference}`)).json().status).toBe('FAILED');
    const auth = (await jumio(sim, `/authentications/${reference}`)).json();
    expect(auth.transactionResult).toBe('EXPIRED');
    expect(auth.images).toBeUndefined();
  });

  it('b: 404 for every product, every time', async () => {
    const reference = uuidEndingIn('b');
    for (const path of [
      `/scans/${reference}`,
      `/scans/${reference}`,
      `/documents/${reference}`,
      `/authentications/${reference}`,
    ]) {
      const r = await jumio(sim, path);
      expect(r.status).toBe(404);
      expect(r.json().message).toBe(`Not found: Scan not found for ${reference}`);
    }
  });

  it('c: pending forever', async () => {
    const reference = uuidEndingIn('c');
    expect(await pollUntilFinal(sim, `/scans/${reference}`, 6)).toEqual(Array(6).fill('PENDING'));
    expect(await pollUntilFinal(sim, `/authentications/${reference}`, 3)).toEqual(Array(3).fill('STARTED'));
    expect((await jumio(sim, `/scans/${reference}/data`)).status).toBe(404);
  });

  it('d: approved with quirks and images as one object', async () => {
    const reference = uuidEndingIn('d');
    expect((await jumio(sim, `/scans/${reference}`)).json().status).toBe('DONE');
    const images = (await jumio(sim, `/scans/${reference}/images`)).json();
    expect(images.images.classifier).toBe('front');
    const data = (await jumio(sim, `/scans/${reference}/data`)).json();
    expect(data.document).toMatchObject({ status: 'APPROVED_VERIFIED', gender: 'X' });
    expect(data.transaction.source).toBe('WEB-UPLOAD');
    expect(data.timestamp).toMatch(/\+0000$/);
    expect(data.newTopLevelField).toBeDefined();
    expect((await jumio(sim, `/documents/${reference}/pages`)).json().images.classifier).toBe(1);
  });

  it('e: approved with quirks, images as an array', async () => {
    const reference = uuidEndingIn('e');
    expect((await jumio(sim, `/scans/${reference}/images`)).json().images).toHaveLength(3);
    expect(
      (await jumio(sim, `/scans/${reference}/data/verification`)).json().additionalChecks.faceSearchFindings.findings,
    ).toEqual(expect.any(String));
  });

  it('f: DENIED_FRAUD with the unlisted reject code 199', async () => {
    const reference = uuidEndingIn('f');
    const data = (await jumio(sim, `/scans/${reference}/data`)).json();
    expect(data.document.status).toBe('DENIED_FRAUD');
    expect(data.verification.rejectReason.rejectReasonCode).toBe('199');
    expect(data.transaction.source).toBe('WEB-UPLOAD');
  });

  it('upper-case hex digits count the same', async () => {
    const reference = uuidEndingIn('B').toUpperCase();
    expect((await jumio(sim, `/scans/${reference}`)).status).toBe(404);
    expect(derivePlan('scan', uuidEndingIn('A').toUpperCase())?.final).toBe('FAILED');
    expect(derivePlan('scan', 'not-a-uuid')).toBeNull();
  });

  it('reset() forgets the pending counters of unscripted references', async () => {
    const own = await startSimulator();
    try {
      const reference = uuidEndingIn('1');
      expect(await pollUntilFinal(own, `/scans/${reference}`)).toEqual(['PENDING', 'DONE']);
      own.reset();
      expect(await pollUntilFinal(own, `/scans/${reference}`)).toEqual(['PENDING', 'DONE']);
    } finally {
      await own.close();
    }
  });
});
