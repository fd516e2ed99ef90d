import {
  DOCUMENT_TYPES,
  documentVerificationMediaRefs,
  normalizeDocumentVerification,
  readDocumentVerificationStatus,
} from '../../../src/products/document-verification/normalization/document-verification.normalizer.js';
import {
  contextFor,
  DOC_REF,
  documentDataBs,
  documentDataSsc,
  documentPages,
  expectPayloadError,
  JUMIO_HOSTS,
  PLANTED,
} from './fixtures.js';

const ctx = contextFor('document-verifications', DOC_REF);
const normalize = (data: unknown) => normalizeDocumentVerification(data, ctx);
const D = `${JUMIO_HOSTS.DOCS}/${DOC_REF}`;

describe('document verification normalization', () => {
  describe('readDocumentVerificationStatus', () => {
    it('DONE and FAILED are final', () => {
      expect(
        readDocumentVerificationStatus({
          scanReference: DOC_REF,
          timestamp: '2019-01-01T15:52:48.864Z',
          status: 'DONE',
        }),
      ).toEqual({
        final: true,
        status: 'DONE',
        raw: 'DONE',
      });
      expect(readDocumentVerificationStatus({ status: 'FAILED' })).toEqual({
        final: true,
        status: 'FAILED',
        raw: 'FAILED',
      });
    });

    it.each([['PENDING'], ['UPLOADED'], ['SOMETHING_NEW'], ['done']])('%s is not final, never an error', (status) => {
      expect(readDocumentVerificationStatus({ status })).toEqual({ final: false, status: 'PENDING', raw: status });
    });

    it.each([
      ['null', null],
      ['an array', [{ status: 'DONE' }]],
      ['a string', PLANTED[0]],
      ['a number', 4711],
    ])('a payload that is %s → JumioPayloadError', (_label, payload) => {
      expectPayloadError(() => readDocumentVerificationStatus(payload), 'document verification status answer');
    });

    it('status missing or a number → JumioPayloadError without the value', () => {
      expectPayloadError(() => readDocumentVerificationStatus({ scanReference: DOC_REF }), '"status" is missing');
      const message = expectPayloadError(() => readDocumentVerificationStatus({ status: 4711 }), '"status"');
      expect(message).not.toContain('4711');
    });
  });

  describe('normalizeDocumentVerification: the guide examples', () => {
    it('SSC: inner extractedData parsed, signaturePresent a boolean, the contract shape', () => {
      expect(normalize(documentDataSsc())).toEqual({
        document: {
          status: 'EXTRACTED',
          type: 'SSC',
          country: 'USA',
          extractedData: {
            signatureAvailable: false,
            firstName: 'FIRST NAME',
            lastName: 'LAST NAME',
            ssn: '123-45-6789',
            fields: { lastName: 'LAST NAME', firstName: 'FIRST NAME', signaturePresent: true, ssn: '123-45-6789' },
          },
        },
        transaction: {
          status: 'DONE',
          merchantScanReference: 'YOURSCANREFERENCE',
          customerId: 'CUSTOMERID',
          source: 'DOC_UPLOAD',
        },
      });
    });

    it('signaturePresent "false" → false', () => {
      const data = documentDataSsc();
      data.document.extractedData.extractedData = '{"signaturePresent":"false","ssn":"123-45-6789"}';
      expect(normalize(data).document.extractedData?.fields).toEqual({ signaturePresent: false, ssn: '123-45-6789' });
    });

    it('an inner extractedData nested deeper than the JSON budget is kept as the string it was, never parsed', () => {
      const data = documentDataSsc();
      const deep = `${'{"a":'.repeat(12_000)}1${'}'.repeat(12_000)}`;
      data.document.extractedData.extractedData = deep;
      const result = normalize(data);
      expect(result.document.extractedData?.fields).toEqual({});
      expect(JSON.stringify(result)).toContain(JSON.stringify(deep).slice(1, 40));
      expect(() => JSON.stringify(result)).not.toThrow();
    });

    it('signatureAvailable as a string → boolean', () => {
      const data = documentDataSsc();
      data.document.extractedData.signatureAvailable = 'TRUE';
      expect(normalize(data).document.extractedData?.signatureAvailable).toBe(true);
    });

    it('BS: originalDocument → the service href, never Jumio URL', () => {
      const result = normalize(documentDataBs());
      expect(result.document.originalDocument).toBe(`/v1/document-verifications/${DOC_REF}/media/original`);
      expect(result.document.extractedData?.fields).toEqual({
        city: 'CITY',
        addressFormat: 'RAW',
        postalCode: '12345',
        accountNumber: '123456789',
        subdivision: 'XX',
        firstName: 'FULL NAME',
        issueDate: '2019-01-01',
        line1: '12345 EASY STREET',
      });
      expect(JSON.stringify(result)).not.toContain('http');
    });

    it('originalDocument "" (the guide BS example) → no originalDocument', () => {
      const data = documentDataBs();
      data.document.originalDocument = '';
      const result = normalize(data);
      expect(result.document).not.toHaveProperty('originalDocument');
      expect(result).not.toHaveProperty('extra');
    });

    it('customDocumentCode appears only for a document that has one', () => {
      const custom = documentDataBs();
      custom.document.type = 'CUSTOM';
      custom.document.customDocumentCode = 'PAYSLIP_DE';
      expect(normalize(custom).document).toMatchObject({ type: 'CUSTOM', customDocumentCode: 'PAYSLIP_DE' });
      expect(normalize(documentDataSsc()).document).not.toHaveProperty('customDocumentCode');
    });

    it.each(DOCUMENT_TYPES.map((t) => [t]))('type %s is accepted as is', (type) => {
      const data = documentDataSsc();
      data.document.type = type;
      expect(normalize(data).document.type).toBe(type);
    });

    it('DOCUMENT_TYPES lists the 27 types of the guide', () => {
      expect(DOCUMENT_TYPES).toHaveLength(27);
      expect(DOCUMENT_TYPES).toEqual(expect.arrayContaining(['CC', 'SSC', 'CUSTOM', 'OTHER', 'WWCC', 'MEDC']));
    });

    it('an unknown type and an unknown status are kept as they came', () => {
      const data = documentDataSsc();
      data.document.type = 'PASSPORT_PHOTO_PAGE';
      data.document.status = 'REVIEWED';
      const { document } = normalize(data);
      expect(document.type).toBe('PASSPORT_PHOTO_PAGE');
      expect(document.status).toBe('REVIEWED');
    });
  });

  describe('inner extractedData that is not a JSON object', () => {
    it.each([
      ['invalid JSON', '{"expiryDate":"01/22","firstName":"FULL NAME"'],
      ['a JSON array', '["a","b"]'],
      ['a JSON number', '42'],
    ])('%s → fields {} and the raw string kept in extra', (_label, inner) => {
      const data = documentDataSsc();
      data.document.extractedData.extractedData = inner;
      const result = normalize(data);
      expect(result.document.extractedData?.fields).toEqual({});
      expect(result.extra).toEqual({ document: { extractedData: { extractedData: inner } } });
    });

    it('absent → fields {} and nothing in extra', () => {
      const data = documentDataSsc();
      delete data.document.extractedData.extractedData;
      const result = normalize(data);
      expect(result.document.extractedData?.fields).toEqual({});
      expect(result.extra).toBeUndefined();
    });

    it('already an object → used as the fields', () => {
      const data = documentDataSsc();
      data.document.extractedData.extractedData = { pan: 'XXXXXXXXXXXX1234', signaturePresent: 'TRUE' };
      expect(normalize(data).document.extractedData?.fields).toEqual({
        pan: 'XXXXXXXXXXXX1234',
        signaturePresent: true,
      });
    });
  });

  describe('absent parts', () => {
    it('no extractedData → null; no document → nulls (a FAILED transaction)', () => {
      const data = documentDataSsc();
      delete data.document.extractedData;
      expect(normalize(data).document.extractedData).toBeNull();

      const failed = normalize({
        scanReference: DOC_REF,
        timestamp: '2019-01-01T15:42:31.858Z',
        transaction: { status: 'FAILED', source: 'DOC_UPLOAD', date: '2019-01-01T15:42:31.85+0000' },
      });
      expect(failed).toEqual({
        document: { status: null, type: null, country: null, extractedData: null },
        transaction: { status: 'FAILED', source: 'DOC_UPLOAD', date: '2019-01-01T15:42:31.850Z' },
      });
    });
  });

  describe('rule 7: unknown fields under extra', () => {
    it('keeps unknown top-level, document, extractedData and transaction fields, nested by origin', () => {
      const data = documentDataSsc();
      data.newTopLevelField = 1;
      data.document.someNewField = 'x';
      data.document.extractedData.confidence = 0.93;
      data.transaction.channel = 'BRANCH';
      expect(normalize(data).extra).toEqual({
        newTopLevelField: 1,
        document: { someNewField: 'x', extractedData: { confidence: 0.93 } },
        transaction: { channel: 'BRANCH' },
      });
    });

    it('a callback-style document.images list (Jumio URLs) is a medium list, not copied', () => {
      const data = documentDataBs();
      data.document.images = [`${D}/pages/1`];
      const result = normalize(data);
      expect(JSON.stringify(result)).not.toContain('http');
    });
  });

  describe('malformed payloads', () => {
    it.each([
      ['null', null],
      ['an array', [documentDataSsc()]],
      ['a string', PLANTED[0]],
      ['a number', 4711],
    ])('data that is %s → JumioPayloadError', (_label, data) => {
      expectPayloadError(() => normalize(data), 'document verification data');
    });

    it.each([
      ['document', (d: Record<string, any>) => (d.document = [PLANTED[0]])],
      ['document.extractedData', (d: Record<string, any>) => (d.document.extractedData = PLANTED[0])],
      ['transaction', (d: Record<string, any>) => (d.transaction = 4711)],
    ])('%s of the wrong type → JumioPayloadError naming it, without the value', (field, spoil) => {
      const data = documentDataSsc();
      spoil(data);
      const message = expectPayloadError(() => normalize(data), field);
      expect(message).not.toContain('4711');
    });
  });

  describe('documentVerificationMediaRefs', () => {
    it('pages by classifier and the original PDF', () => {
      expect(documentVerificationMediaRefs(documentPages(), documentDataBs())).toEqual([
        { name: 'page-1', href: `${D}/pages/1`, mediumClass: 'image' },
        { name: 'page-2', href: `${D}/pages/2`, mediumClass: 'image' },
        { name: 'original', href: `${D}/original`, mediumClass: 'pdf' },
      ]);
    });

    it('a credit card page (101) as a single object with a numeric-string classifier', () => {
      const pages = {
        timestamp: '2019-01-01T16:10:42.368Z',
        images: { classifier: '101', href: `${D}/pages/101` },
        scanReference: DOC_REF,
      };
      expect(documentVerificationMediaRefs(pages, documentDataSsc())).toEqual([
        { name: 'page-101', href: `${D}/pages/101`, mediumClass: 'image' },
      ]);
    });

    it('empty originalDocument → no original ref; odd classifiers are skipped', () => {
      const data = documentDataBs();
      data.document.originalDocument = '';
      const pages = documentPages();
      pages.images.push({ classifier: 'back', href: `${D}/pages/back` }, { classifier: 1.5, href: `${D}/pages/x` });
      expect(documentVerificationMediaRefs(pages, data).map((r) => r.name)).toEqual(['page-1', 'page-2']);
    });

    it('a payload that is present but not an object → JumioPayloadError', () => {
      expectPayloadError(() => documentVerificationMediaRefs(4711, null), 'document verification pages answer');
      expectPayloadError(
        () => documentVerificationMediaRefs(documentPages(), [PLANTED[0]]),
        'document verification data',
      );
    });
  });
});
