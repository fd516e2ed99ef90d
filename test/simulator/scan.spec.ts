import { JumioSimulator, expectedMedium } from '../../src/simulator/jumio-simulator.js';
import { PREFIX, isJpeg, isPng, jumio, pollUntilFinal, ref, startSimulator } from './helpers.js';

const ISO_MS3_Z = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe('simulator: ID Verification (scans)', () => {
  let sim: JumioSimulator;
  beforeAll(async () => {
    sim = await startSimulator();
  });
  afterAll(() => sim.close());

  describe('approved transaction', () => {
    const reference = ref();
    beforeAll(() => sim.script({ kind: 'scan', reference }));

    it('status: {timestamp, scanReference, status DONE}', async () => {
      const body = (await jumio(sim, `/scans/${reference}`)).json();
      expect(Object.keys(body).sort()).toEqual(['scanReference', 'status', 'timestamp']);
      expect(body.status).toBe('DONE');
      expect(body.timestamp).toMatch(ISO_MS3_Z);
    });

    it('data: document, transaction, verification and the facemap link', async () => {
      const body = (await jumio(sim, `/scans/${reference}/data`)).json();
      expect(body.scanReference).toBe(reference);
      expect(body.timestamp).toMatch(ISO_MS3_Z);
      expect(body.document).toMatchObject({
        status: 'APPROVED_VERIFIED',
        type: 'ID_CARD',
        issuingCountry: 'AUT',
        firstName: `JANE-${reference.slice(0, 8).toUpperCase()}`,
        lastName: `DOE-${reference.slice(0, 8).toUpperCase()}`,
      });
      expect(body.document.dob).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(['M', 'F']).toContain(body.document.gender);
      expect(body.transaction).toMatchObject({
        status: 'DONE',
        source: 'WEB_UPLOAD',
        merchantScanReference: expect.stringMatching(/^MERCHANT-/),
      });
      expect(body.transaction.date).toMatch(ISO_MS3_Z);
      expect(body.verification).toMatchObject({
        mrzCheck: 'OK',
        identityVerification: { similarity: 'MATCH', validity: 'true' },
      });
      expect(Array.isArray(body.verification.additionalChecks.faceSearchFindings.findings)).toBe(true);
      expect(body.verification.rejectReason).toBeUndefined();
      expect(body.facemap).toEqual({
        classifier: 'facemap',
        href: `${sim.url}${PREFIX}/scans/${reference}/data/facemap`,
      });
      expect(body.newTopLevelField).toBeUndefined();
    });

    it('data/document, data/transaction, data/verification: the sub-objects with timestamp and scanReference', async () => {
      const all = (await jumio(sim, `/scans/${reference}/data`)).json();
      for (const part of ['document', 'transaction', 'verification']) {
        const body = (await jumio(sim, `/scans/${reference}/data/${part}`)).json();
        const { timestamp, scanReference, ...rest } = body;
        expect(scanReference).toBe(reference);
        expect(timestamp).toMatch(ISO_MS3_Z);
        expect(rest).toEqual(all[part]);
      }
    });

    it('data/facemap: binary octet-stream equal to expectedMedium', async () => {
      const r = await jumio(sim, `/scans/${reference}/data/facemap`, { accept: 'application/octet-stream' });
      expect(r.status).toBe(200);
      expect(r.headers['content-type']).toBe('application/octet-stream');
      expect(r.body.equals(expectedMedium('scan', reference, 'facemap').bytes)).toBe(true);
    });

    it('images: front, back, face and two liveness hrefs, all absolute', async () => {
      const body = (await jumio(sim, `/scans/${reference}/images`)).json();
      expect(body.scanReference).toBe(reference);
      expect(body.images).toEqual(
        ['front', 'back', 'face'].map((c) => ({
          classifier: c,
          href: `${sim.url}${PREFIX}/scans/${reference}/images/${c}`,
        })),
      );
      expect(body.livenessImages).toEqual(
        [1, 2].map((n) => `${sim.url}${PREFIX}/scans/${reference}/images/liveness/${n}`),
      );
    });

    it('images/{classifier} and images/liveness/{n} serve the listed media', async () => {
      const list = (await jumio(sim, `/scans/${reference}/images`)).json();
      for (const img of list.images) {
        const r = await jumio(sim, new URL(img.href).pathname.slice(PREFIX.length), {
          accept: 'image/jpeg, image/png',
        });
        const expected = expectedMedium('scan', reference, img.classifier);
        expect(r.headers['content-type']).toBe('image/jpeg');
        expect(isJpeg(r.body)).toBe(true);
        expect(r.body.equals(expected.bytes)).toBe(true);
      }
      const l1 = await jumio(sim, `/scans/${reference}/images/liveness/1`, { accept: 'image/jpeg, image/png' });
      const l2 = await jumio(sim, `/scans/${reference}/images/liveness/2`, { accept: 'image/jpeg, image/png' });
      expect(l1.headers['content-type']).toBe('image/png');
      expect(isPng(l1.body)).toBe(true);
      expect(l2.headers['content-type']).toBe('image/jpeg');
      expect(isJpeg(l2.body)).toBe(true);
      expect(l2.body.equals(expectedMedium('scan', reference, 'liveness-2').bytes)).toBe(true);
    });

    it('404 for a classifier or liveness number that does not exist', async () => {
      expect((await jumio(sim, `/scans/${reference}/images/signature`)).status).toBe(404);
      expect((await jumio(sim, `/scans/${reference}/images/liveness/3`)).status).toBe(404);
      expect((await jumio(sim, `/scans/${reference}/images/liveness/0`)).status).toBe(404);
    });

    it('logs media calls with the service-style medium name', async () => {
      // The entries after those already logged (a timestamp would also match the previous test's last request).
      const before = sim.requests({ reference }).length;
      await jumio(sim, `/scans/${reference}/images/liveness/2`);
      await jumio(sim, `/scans/${reference}/data/facemap`);
      const log = sim.requests({ reference }).slice(before);
      expect(log.map((e) => [e.endpoint, e.mediumName, e.httpStatus])).toEqual([
        ['liveness', 'liveness-2', 200],
        ['facemap', 'facemap', 200],
      ]);
    });
  });

  it('pending N polls then DONE; sub-resources answer 404 while pending', async () => {
    const reference = ref();
    sim.script({ kind: 'scan', reference, pendingPolls: 2 });
    expect((await jumio(sim, `/scans/${reference}`)).json().status).toBe('PENDING');
    expect((await jumio(sim, `/scans/${reference}/data`)).status).toBe(404);
    expect((await jumio(sim, `/scans/${reference}/images`)).status).toBe(404);
    expect((await jumio(sim, `/scans/${reference}/images/front`)).status).toBe(404);
    expect(await pollUntilFinal(sim, `/scans/${reference}`)).toEqual(['PENDING', 'DONE']);
    expect((await jumio(sim, `/scans/${reference}/data`)).status).toBe(200);
    expect(sim.requests({ reference, endpoint: 'status' }).map((e) => e.jumioStatus)).toEqual([
      'PENDING',
      'PENDING',
      'DONE',
    ]);
  });

  it('pending then FAILED: NO_ID_UPLOADED, no images, no facemap', async () => {
    const reference = ref();
    sim.script({ kind: 'scan', reference, pendingPolls: 1, final: 'FAILED' });
    expect(await pollUntilFinal(sim, `/scans/${reference}`)).toEqual(['PENDING', 'FAILED']);
    const data = (await jumio(sim, `/scans/${reference}/data`)).json();
    expect(data.document).toEqual({ status: 'NO_ID_UPLOADED' });
    expect(data.transaction.status).toBe('FAILED');
    expect(data.facemap).toBeUndefined();
    const images = (await jumio(sim, `/scans/${reference}/images`)).json();
    expect(images.images).toEqual([]);
    expect(images.livenessImages).toBeUndefined();
    expect((await jumio(sim, `/scans/${reference}/images/front`)).status).toBe(404);
    expect((await jumio(sim, `/scans/${reference}/data/facemap`)).status).toBe(404);
  });

  it('pending then NOT_FOUND: 404 on status and everything else afterwards', async () => {
    const reference = ref();
    sim.script({ kind: 'scan', reference, pendingPolls: 1, final: 'NOT_FOUND' });
    expect(await pollUntilFinal(sim, `/scans/${reference}`)).toEqual(['PENDING', '404']);
    expect((await jumio(sim, `/scans/${reference}`)).status).toBe(404);
    expect((await jumio(sim, `/scans/${reference}/data`)).status).toBe(404);
  });

  it('rejected: DENIED_FRAUD, reject 100 with an array of two details', async () => {
    const reference = ref();
    sim.script({ kind: 'scan', reference, variant: 'rejected' });
    const v = (await jumio(sim, `/scans/${reference}/data/verification`)).json();
    expect(v.rejectReason.rejectReasonCode).toBe('100');
    expect(v.rejectReason.rejectReasonDescription).toBe('MANIPULATED_DOCUMENT');
    expect(v.rejectReason.rejectReasonDetails).toEqual([
      { detailsCode: '1001', detailsDescription: 'PHOTO' },
      { detailsCode: '1004', detailsDescription: 'DOB' },
    ]);
    expect(v.identityVerification).toBeUndefined();
    expect((await jumio(sim, `/scans/${reference}/data/document`)).json().status).toBe('DENIED_FRAUD');
  });

  it('not-readable: ERROR_NOT_READABLE_ID, reject 200 with one details object', async () => {
    const reference = ref();
    sim.script({ kind: 'scan', reference, variant: 'not-readable' });
    const data = (await jumio(sim, `/scans/${reference}/data`)).json();
    expect(data.document.status).toBe('ERROR_NOT_READABLE_ID');
    expect(data.verification.rejectReason).toEqual({
      rejectReasonCode: '200',
      rejectReasonDescription: 'NOT_READABLE_DOCUMENT',
      rejectReasonDetails: { detailsCode: '2001', detailsDescription: 'BLURRED' },
    });
  });

  it('livenessCount and facemap options', async () => {
    const reference = ref();
    sim.script({ kind: 'scan', reference, livenessCount: 0, facemap: false });
    const images = (await jumio(sim, `/scans/${reference}/images`)).json();
    expect(images.livenessImages).toBeUndefined();
    expect(images.images).toHaveLength(3);
    expect((await jumio(sim, `/scans/${reference}/data`)).json().facemap).toBeUndefined();
    expect((await jumio(sim, `/scans/${reference}/data/facemap`)).status).toBe(404);
    expect((await jumio(sim, `/scans/${reference}/images/liveness/1`)).status).toBe(404);

    const many = ref();
    sim.script({ kind: 'scan', reference: many, livenessCount: 5 });
    expect((await jumio(sim, `/scans/${many}/images`)).json().livenessImages).toHaveLength(5);
    expect((await jumio(sim, `/scans/${many}/images/liveness/5`)).headers['content-type']).toBe('image/png');
  });

  it('gives two transactions distinct personal data', async () => {
    const a = ref();
    const b = ref();
    sim.script({ kind: 'scan', reference: a });
    sim.script({ kind: 'scan', reference: b });
    const da = (await jumio(sim, `/scans/${a}/data/document`)).json();
    const db = (await jumio(sim, `/scans/${b}/data/document`)).json();
    expect(da.firstName).not.toBe(db.firstName);
    expect(da.number).not.toBe(db.number);
    // and the same reference gives the same data every time
    const again = (await jumio(sim, `/scans/${a}/data/document`)).json();
    expect({ ...again, timestamp: null }).toEqual({ ...da, timestamp: null });
  });

  it('a new script replaces the old one and restarts its pending count', async () => {
    const reference = ref();
    sim.script({ kind: 'scan', reference, pendingPolls: 1 });
    expect((await jumio(sim, `/scans/${reference}`)).json().status).toBe('PENDING');
    sim.script({ kind: 'scan', reference, pendingPolls: 1, final: 'FAILED' });
    expect(await pollUntilFinal(sim, `/scans/${reference}`)).toEqual(['PENDING', 'FAILED']);
  });
  describe("a script's own names (extension)", () => {
    const hostile = '<img src=x onerror=alert(1)>';

    it('are what its answers carry, markup and all, instead of the derived ones', async () => {
      const [scan, document] = [ref(), ref()];
      sim.script({ kind: 'scan', reference: scan, firstName: hostile, lastName: 'O\'Brien "&"' });
      sim.script({ kind: 'document', reference: document, firstName: hostile });
      const data = (await jumio(sim, `/scans/${scan}/data`)).json();
      expect(data.document).toMatchObject({ firstName: hostile, lastName: 'O\'Brien "&"' });
      const doc = (await jumio(sim, `/documents/${document}/data`)).json();
      expect(doc.document.extractedData.firstName).toContain(hostile);
      expect(JSON.parse(doc.document.extractedData.extractedData).firstName).toContain(hostile);
    });

    it('must be strings of 1 to 200 characters', () => {
      expect(() => sim.script({ kind: 'scan', reference: ref(), firstName: '' })).toThrow(/firstName/);
      expect(() => sim.script({ kind: 'scan', reference: ref(), lastName: 'x'.repeat(201) })).toThrow(/lastName/);
      expect(() => sim.script({ kind: 'scan', reference: ref(), firstName: 7 as unknown as string })).toThrow(
        /firstName: must be a string of 1 to 200 characters/,
      );
    });
  });
});
