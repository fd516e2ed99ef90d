import { JumioSimulator } from '../../src/simulator/jumio-simulator.js';
import { PREFIX, jumio, ref, startSimulator } from './helpers.js';

describe('simulator: payload quirks', () => {
  let sim: JumioSimulator;
  beforeAll(async () => {
    sim = await startSimulator();
  });
  afterAll(() => sim.close());

  describe('quirky scan', () => {
    const reference = ref();
    beforeAll(() => sim.script({ kind: 'scan', reference, variant: 'quirky' }));

    it('images is a single object (and only that image exists)', async () => {
      const body = (await jumio(sim, `/scans/${reference}/images`)).json();
      expect(Array.isArray(body.images)).toBe(false);
      expect(body.images).toEqual({ classifier: 'front', href: `${sim.url}${PREFIX}/scans/${reference}/images/front` });
      expect(Array.isArray(body.livenessImages)).toBe(true);
      expect((await jumio(sim, `/scans/${reference}/images/front`)).status).toBe(200);
      expect((await jumio(sim, `/scans/${reference}/images/back`)).status).toBe(404);
    });

    it('timestamps: no milliseconds on status, 1 digit and +0000 on data, 2 digits and +0000 on images', async () => {
      expect((await jumio(sim, `/scans/${reference}`)).json().timestamp).toMatch(
        /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/,
      );
      const data = (await jumio(sim, `/scans/${reference}/data`)).json();
      expect(data.timestamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d\+0000$/);
      expect(data.transaction.date).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{2}Z$/);
      expect((await jumio(sim, `/scans/${reference}/images`)).json().timestamp).toMatch(
        /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{2}\+0000$/,
      );
    });

    it('WEB-UPLOAD with a hyphen, gender X, validity as the string "true"', async () => {
      const data = (await jumio(sim, `/scans/${reference}/data`)).json();
      expect(data.transaction.source).toBe('WEB-UPLOAD');
      expect(data.document.gender).toBe('X');
      expect(data.verification.identityVerification.validity).toBe('true');
      expect(data.document.status).toBe('APPROVED_VERIFIED');
    });

    it('unknown fields: document.someNewField and a top-level newTopLevelField', async () => {
      const data = (await jumio(sim, `/scans/${reference}/data`)).json();
      expect(data.document.someNewField).toBeDefined();
      expect(data.newTopLevelField).toBeDefined();
      expect((await jumio(sim, `/scans/${reference}`)).json().newTopLevelField).toBeDefined();
    });

    it('faceSearchFindings.findings is a single string (an array when not quirky)', async () => {
      const data = (await jumio(sim, `/scans/${reference}/data/verification`)).json();
      expect(typeof data.additionalChecks.faceSearchFindings.findings).toBe('string');
      const plain = ref();
      sim.script({ kind: 'scan', reference: plain });
      const other = (await jumio(sim, `/scans/${plain}/data/verification`)).json();
      expect(other.additionalChecks.faceSearchFindings.findings).toHaveLength(2);
    });
  });

  it('normal transactions use underscores, 3-digit Z timestamps and no unknown fields', async () => {
    const reference = ref();
    sim.script({ kind: 'scan', reference });
    const data = (await jumio(sim, `/scans/${reference}/data`)).json();
    expect(data.transaction.source).toBe('WEB_UPLOAD');
    expect(data.timestamp).toMatch(/\.\d{3}Z$/);
    expect(data.newTopLevelField).toBeUndefined();
    expect(data.document.someNewField).toBeUndefined();
    expect(data.document.gender).not.toBe('X');
  });

  it('quirky with imagesAsObject false keeps the array', async () => {
    const reference = ref();
    sim.script({ kind: 'scan', reference, variant: 'quirky', imagesAsObject: false });
    const body = (await jumio(sim, `/scans/${reference}/images`)).json();
    expect(body.images).toHaveLength(3);
    expect((await jumio(sim, `/scans/${reference}/data`)).json().transaction.source).toBe('WEB-UPLOAD');
  });

  it('an unlisted reject code ("199") is served as it is, without details', async () => {
    const reference = ref();
    sim.script({ kind: 'scan', reference, variant: 'rejected', rejectReasonCode: '199', quirks: true });
    const v = (await jumio(sim, `/scans/${reference}/data/verification`)).json();
    expect(v.rejectReason.rejectReasonCode).toBe('199');
    expect(typeof v.rejectReason.rejectReasonDescription).toBe('string');
    expect(v.rejectReason.rejectReasonDetails).toBeUndefined();
    expect(v.newTopLevelField).toBeDefined();
  });

  it('rejectReasonDetails: an object for one item, an array for several', async () => {
    const one = ref();
    const several = ref();
    sim.script({ kind: 'scan', reference: one, variant: 'not-readable', rejectReasonCode: '100' });
    sim.script({ kind: 'scan', reference: several, variant: 'rejected', rejectReasonCode: '200' });
    const a = (await jumio(sim, `/scans/${one}/data/verification`)).json().rejectReason;
    const b = (await jumio(sim, `/scans/${several}/data/verification`)).json().rejectReason;
    expect(a.rejectReasonDetails).toEqual({ detailsCode: '1001', detailsDescription: 'PHOTO' });
    expect(Array.isArray(b.rejectReasonDetails)).toBe(true);
    expect(b.rejectReasonDetails.map((d: { detailsCode: string }) => d.detailsCode)).toEqual(['2001', '2006']);
  });

  it('quirky document: pages as one object, unknown source and fields, signaturePresent "true"', async () => {
    const reference = ref();
    sim.script({ kind: 'document', reference, variant: 'quirky', pages: [101, 102] });
    const pages = (await jumio(sim, `/documents/${reference}/pages`)).json();
    expect(pages.images).toEqual({ classifier: 101, href: `${sim.url}${PREFIX}/documents/${reference}/pages/101` });
    expect((await jumio(sim, `/documents/${reference}/pages/102`)).status).toBe(404);
    const data = (await jumio(sim, `/documents/${reference}/data`)).json();
    expect(data.transaction.source).toBe('DOC_SDK');
    expect(data.document.someNewField).toBeDefined();
    expect(data.newTopLevelField).toBeDefined();
    expect(data.timestamp).toMatch(/\+0000$/);
    expect(JSON.parse(data.document.extractedData.extractedData).signaturePresent).toBe('true');
  });

  it('quirky authentication: transactionDate with one millisecond digit and no zone, images as an object', async () => {
    const reference = ref();
    sim.script({ kind: 'authentication', reference, variant: 'quirky' });
    const body = (await jumio(sim, `/authentications/${reference}`)).json();
    expect(body.transactionDate).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d$/);
    expect(body.images).toEqual({ classifier: 'face', href: expect.stringMatching(/\/images\/face$/) });
    expect(body.newTopLevelField).toBeDefined();
    expect(body.transactionResult).toBe('PASSED');
  });
});
