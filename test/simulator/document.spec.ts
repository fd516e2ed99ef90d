import { JumioSimulator, expectedMedium } from '../../src/simulator/jumio-simulator.js';
import { PREFIX, isJpeg, jumio, pollUntilFinal, ref, startSimulator } from './helpers.js';

describe('simulator: Document Verification (documents)', () => {
  let sim: JumioSimulator;
  beforeAll(async () => {
    sim = await startSimulator();
  });
  afterAll(() => sim.close());

  describe('extracted credit card', () => {
    const reference = ref();
    beforeAll(() => sim.script({ kind: 'document', reference }));

    it('status DONE', async () => {
      const body = (await jumio(sim, `/documents/${reference}`)).json();
      expect(body).toEqual({ timestamp: expect.any(String), scanReference: reference, status: 'DONE' });
    });

    it('data: document with extractedData whose inner extractedData is a JSON string, and transaction', async () => {
      const body = (await jumio(sim, `/documents/${reference}/data`)).json();
      expect(Object.keys(body).sort()).toEqual(['document', 'scanReference', 'timestamp', 'transaction']);
      expect(body.document).toMatchObject({
        status: 'EXTRACTED',
        type: 'CC',
        country: 'AUT',
        originalDocument: `${sim.url}${PREFIX}/documents/${reference}/original`,
      });
      expect(body.document.customDocumentCode).toBeUndefined();
      const extracted = body.document.extractedData;
      expect(extracted.signatureAvailable).toBe(false);
      expect(extracted.firstName).toContain(reference.slice(0, 8).toUpperCase());
      expect(typeof extracted.extractedData).toBe('string');
      const inner = JSON.parse(extracted.extractedData);
      expect(inner).toMatchObject({ signaturePresent: 'true', firstName: extracted.firstName });
      expect(inner.pan).toMatch(/^X{12}\d{4}$/);
      expect(inner.expiryDate).toMatch(/^\d{2}\/\d{2}$/);
      expect(body.transaction).toEqual({
        status: 'DONE',
        source: 'DOC_UPLOAD',
        merchantScanReference: expect.stringMatching(/^MERCHANT-/),
        customerId: expect.stringMatching(/^CUSTOMER-/),
        merchantReportingCriteria: 'SIMULATOR',
      });
    });

    it('data/document and data/transaction', async () => {
      const all = (await jumio(sim, `/documents/${reference}/data`)).json();
      for (const part of ['document', 'transaction']) {
        const { timestamp, scanReference, ...rest } = (await jumio(sim, `/documents/${reference}/data/${part}`)).json();
        expect(scanReference).toBe(reference);
        expect(typeof timestamp).toBe('string');
        expect(rest).toEqual(all[part]);
      }
      expect((await jumio(sim, `/documents/${reference}/data/verification`)).status).toBe(404);
    });

    it('pages: integer classifiers with absolute hrefs (default pages 1 and 2)', async () => {
      const body = (await jumio(sim, `/documents/${reference}/pages`)).json();
      expect(body.scanReference).toBe(reference);
      expect(body.images).toEqual(
        [1, 2].map((n) => ({ classifier: n, href: `${sim.url}${PREFIX}/documents/${reference}/pages/${n}` })),
      );
    });

    it('pages/{n}: masked JPEG by default and with maskhint=masked; 404 for an unknown page', async () => {
      const plain = await jumio(sim, `/documents/${reference}/pages/1`, { accept: 'image/jpeg, image/png' });
      const masked = await jumio(sim, `/documents/${reference}/pages/1?maskhint=masked`, {
        accept: 'image/jpeg, image/png',
      });
      expect(plain.headers['content-type']).toBe('image/jpeg');
      expect(isJpeg(plain.body)).toBe(true);
      expect(plain.body.equals(masked.body)).toBe(true);
      expect(plain.body.equals(expectedMedium('document', reference, 'page-1').bytes)).toBe(true);
      expect(plain.body.equals(expectedMedium('document', reference, 'page-1', { masked: true }).bytes)).toBe(true);
      expect((await jumio(sim, `/documents/${reference}/pages/3`)).status).toBe(404);
      expect((await jumio(sim, `/documents/${reference}/pages/1?maskhint=sideways`)).status).toBe(400);
    });

    it('maskhint=unmasked answers 403 when the account does not allow it', async () => {
      const r = await jumio(sim, `/documents/${reference}/pages/2?maskhint=unmasked`);
      expect(r.status).toBe(403);
      const log = sim.requests({ reference }).filter((e) => e.query.maskhint === 'unmasked');
      expect(log.at(-1)).toMatchObject({ endpoint: 'page', mediumName: 'page-2', httpStatus: 403 });
    });

    it('original: a valid PDF containing the reference', async () => {
      const r = await jumio(sim, `/documents/${reference}/original`, { accept: 'application/pdf' });
      expect(r.status).toBe(200);
      expect(r.headers['content-type']).toBe('application/pdf');
      const text = r.body.toString('latin1');
      expect(text.startsWith('%PDF-1.')).toBe(true);
      expect(text.trimEnd().endsWith('%%EOF')).toBe(true);
      expect(text).toContain(reference);
      expect(r.body.equals(expectedMedium('document', reference, 'original').bytes)).toBe(true);
    });
  });

  it('maskhint=unmasked with allowUnmasked serves different bytes than masked', async () => {
    const reference = ref();
    sim.script({ kind: 'document', reference, allowUnmasked: true, pages: [101] });
    const masked = await jumio(sim, `/documents/${reference}/pages/101`);
    const unmasked = await jumio(sim, `/documents/${reference}/pages/101?maskhint=unmasked`);
    expect(unmasked.status).toBe(200);
    expect(isJpeg(unmasked.body)).toBe(true);
    expect(unmasked.body.equals(masked.body)).toBe(false);
    expect(unmasked.body.equals(expectedMedium('document', reference, 'page-101', { masked: false }).bytes)).toBe(true);
  });

  it('pending is answered as PENDING (not a Jumio value: clients treat it as not final), then DONE', async () => {
    const reference = ref();
    sim.script({ kind: 'document', reference, pendingPolls: 2 });
    expect((await jumio(sim, `/documents/${reference}/pages`)).status).toBe(404);
    expect(await pollUntilFinal(sim, `/documents/${reference}`)).toEqual(['PENDING', 'PENDING', 'DONE']);
    expect((await jumio(sim, `/documents/${reference}/pages`)).status).toBe(200);
  });

  it('FAILED: transaction only, no document, no pages, no original', async () => {
    const reference = ref();
    sim.script({ kind: 'document', reference, final: 'FAILED' });
    expect((await jumio(sim, `/documents/${reference}`)).json().status).toBe('FAILED');
    const data = (await jumio(sim, `/documents/${reference}/data`)).json();
    expect(data.document).toBeUndefined();
    expect(data.transaction.status).toBe('FAILED');
    expect((await jumio(sim, `/documents/${reference}/pages`)).json().images).toEqual([]);
    expect((await jumio(sim, `/documents/${reference}/pages/1`)).status).toBe(404);
    expect((await jumio(sim, `/documents/${reference}/original`)).status).toBe(404);
  });

  it('NOT_FOUND: 404 everywhere', async () => {
    const reference = ref();
    sim.script({ kind: 'document', reference, final: 'NOT_FOUND' });
    expect((await jumio(sim, `/documents/${reference}`)).status).toBe(404);
    expect((await jumio(sim, `/documents/${reference}/pages`)).status).toBe(404);
  });

  it('CUSTOM type with customDocumentCode, no originalDocument when disabled', async () => {
    const reference = ref();
    sim.script({ kind: 'document', reference, documentType: 'CUSTOM', originalDocument: false });
    const doc = (await jumio(sim, `/documents/${reference}/data/document`)).json();
    expect(doc.type).toBe('CUSTOM');
    expect(doc.customDocumentCode).toMatch(/^CUSTOM-/);
    expect(doc.originalDocument).toBeUndefined();
    expect((await jumio(sim, `/documents/${reference}/original`)).status).toBe(404);
  });

  it("SSC type: firstName, lastName, ssn and the guide's inner JSON string", async () => {
    const reference = ref();
    sim.script({ kind: 'document', reference, documentType: 'SSC' });
    const doc = (await jumio(sim, `/documents/${reference}/data/document`)).json();
    expect(doc.extractedData.ssn).toMatch(/^\d{3}-\d{2}-\d{4}$/);
    const inner = JSON.parse(doc.extractedData.extractedData);
    expect(inner).toEqual({
      lastName: doc.extractedData.lastName,
      firstName: doc.extractedData.firstName,
      signaturePresent: 'true',
      ssn: doc.extractedData.ssn,
    });
  });

  it('rejected variant: DISCARDED without extractedData; not-readable: UPLOADED', async () => {
    const a = ref();
    const b = ref();
    sim.script({ kind: 'document', reference: a, variant: 'rejected' });
    sim.script({ kind: 'document', reference: b, variant: 'not-readable' });
    const da = (await jumio(sim, `/documents/${a}/data/document`)).json();
    const db = (await jumio(sim, `/documents/${b}/data/document`)).json();
    expect(da.status).toBe('DISCARDED');
    expect(da.extractedData).toBeUndefined();
    expect(db.status).toBe('UPLOADED');
  });
});
