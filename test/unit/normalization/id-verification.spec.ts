import { JumioPayloadError } from '../../../src/engine/domain/product-contracts.js';
import {
  idVerificationMediaRefs,
  normalizeIdVerification,
  readIdVerificationStatus,
} from '../../../src/products/id-verification/normalization/id-verification.normalizer.js';
import {
  rejectReasonDetailName,
  rejectReasonName,
} from '../../../src/products/id-verification/normalization/reject-reasons.js';
import {
  contextFor,
  expectPayloadError,
  JUMIO_HOSTS,
  PLANTED,
  SCAN_REF,
  scanData,
  scanImages,
  verificationWithAdditionalChecks,
} from './fixtures.js';

const ctx = contextFor('id-verifications', SCAN_REF);
const normalize = (data: unknown) => normalizeIdVerification(data, ctx);

describe('ID verification normalization', () => {
  describe('readIdVerificationStatus', () => {
    it('PENDING is not final', () => {
      expect(
        readIdVerificationStatus({ timestamp: '2019-01-01T16:23:55.039Z', scanReference: SCAN_REF, status: 'PENDING' }),
      ).toEqual({
        final: false,
        status: 'PENDING',
        raw: 'PENDING',
      });
    });

    it('DONE and FAILED are final', () => {
      expect(readIdVerificationStatus({ scanReference: SCAN_REF, status: 'DONE' })).toEqual({
        final: true,
        status: 'DONE',
        raw: 'DONE',
      });
      expect(readIdVerificationStatus({ scanReference: SCAN_REF, status: 'FAILED' })).toEqual({
        final: true,
        status: 'FAILED',
        raw: 'FAILED',
      });
    });

    it('an unknown status is read as not final, never an error, and kept in raw', () => {
      expect(readIdVerificationStatus({ status: 'ARCHIVED' })).toEqual({
        final: false,
        status: 'PENDING',
        raw: 'ARCHIVED',
      });
    });

    it.each([
      ['null', null],
      ['an array', [{ status: 'DONE', firstName: PLANTED[0] }]],
      ['a string', PLANTED[0]],
      ['a number', 4711],
    ])('a payload that is %s → JumioPayloadError', (_label, payload) => {
      expectPayloadError(() => readIdVerificationStatus(payload), 'ID verification status answer');
    });

    it('a missing status or a status that is a number → JumioPayloadError without the value', () => {
      expectPayloadError(() => readIdVerificationStatus({ scanReference: SCAN_REF }), '"status" is missing');
      const message = expectPayloadError(() => readIdVerificationStatus({ status: 4711 }), '"status"');
      expect(message).not.toContain('4711');
    });
  });

  describe('normalizeIdVerification: the guide example', () => {
    it('produces the contract shape', () => {
      const result = normalize(scanData());
      expect(result).toEqual({
        document: {
          dob: '1990-01-01',
          expiry: '2022-12-31',
          firstName: 'FIRST NAME',
          issuingCountry: 'AUT',
          issuingDate: '2013-01-01',
          lastName: 'LAST NAME',
          number: '123456789',
          gender: 'M',
          nationality: 'BHR',
          personalNumber: '12345679',
          status: 'APPROVED_VERIFIED',
          type: 'ID_CARD',
          idSubtype: 'NATIONAL_ID',
          address: { line1: 'EXAMPLESTRASSE 1', city: 'WIEN', postalCode: '1010', country: 'AUT' },
          dateOfBirthParts: { year: '1990', month: '01', day: '01' },
        },
        transaction: {
          clientIp: 'XX.XX.X.XX',
          customerId: 'CUSTOMERID',
          date: '2019-01-01T11:01:10.227Z',
          merchantReportingCriteria: 'YOURREPORTINGCRITERIA',
          merchantScanReference: 'YOURSCANREFERENCE',
          source: 'WEB_UPLOAD',
          status: 'DONE',
        },
        verification: {
          mrzCheck: 'NOT_AVAILABLE',
          identityVerification: { similarity: 'MATCH', validity: true },
          rejectReason: null,
          additionalChecks: null,
        },
      });
    });

    it('does not copy timestamp or scanReference, and omits extra when nothing is unknown', () => {
      const result = normalize(scanData());
      expect(result).not.toHaveProperty('timestamp');
      expect(result).not.toHaveProperty('scanReference');
      expect(result).not.toHaveProperty('extra');
    });
  });

  describe('rule 1: validity is a boolean', () => {
    it.each([
      ['"true"', 'true', true],
      ['true', true, true],
      ['"TRUE"', 'TRUE', true],
      ['"false"', 'false', false],
      ['"FALSE"', 'FALSE', false],
      ['false', false, false],
    ])('validity %s → %p', (_label, validity, expected) => {
      const data = scanData();
      data.verification.identityVerification = { similarity: 'NO_MATCH', validity, reason: 'SELFIE_MANIPULATED' };
      const iv = normalize(data).verification.identityVerification;
      expect(iv).toEqual({ similarity: 'NO_MATCH', validity: expected, reason: 'SELFIE_MANIPULATED' });
    });

    it('an unrecognised validity is kept as it came', () => {
      const data = scanData();
      data.verification.identityVerification.validity = 'MAYBE';
      expect(normalize(data).verification.identityVerification?.validity).toBe('MAYBE');
    });

    it('reason appears only when Jumio sent one', () => {
      expect(normalize(scanData()).verification.identityVerification).not.toHaveProperty('reason');
    });
  });

  describe('rule 2 and 5: reject reasons', () => {
    function withRejectReason(rejectReason: unknown) {
      const data = scanData();
      data.document.status = 'ERROR_NOT_READABLE_ID';
      data.verification = { mrzCheck: 'NOT_AVAILABLE', rejectReason };
      return normalize(data).verification.rejectReason;
    }

    it('the guide example without details → details []', () => {
      expect(withRejectReason({ rejectReasonCode: '201', rejectReasonDescription: 'NO_DOCUMENT' })).toEqual({
        code: '201',
        description: 'NO_DOCUMENT',
        details: [],
      });
    });

    it('rejectReasonDetails as one object → an array of one', () => {
      expect(
        withRejectReason({
          rejectReasonCode: '200',
          rejectReasonDescription: 'NOT_READABLE_DOCUMENT',
          rejectReasonDetails: { detailsCode: '2001', detailsDescription: 'BLURRED' },
        }),
      ).toEqual({
        code: '200',
        description: 'NOT_READABLE_DOCUMENT',
        details: [{ code: '2001', description: 'BLURRED' }],
      });
    });

    it('rejectReasonDetails as an array → the same items, in order', () => {
      expect(
        withRejectReason({
          rejectReasonCode: '100',
          rejectReasonDescription: 'MANIPULATED_DOCUMENT',
          rejectReasonDetails: [
            { detailsCode: '1001', detailsDescription: 'PHOTO' },
            { detailsCode: '1004', detailsDescription: 'DOB' },
          ],
        }),
      ).toEqual({
        code: '100',
        description: 'MANIPULATED_DOCUMENT',
        details: [
          { code: '1001', description: 'PHOTO' },
          { code: '1004', description: 'DOB' },
        ],
      });
    });

    it('codes only: names come from Jumio tables', () => {
      expect(withRejectReason({ rejectReasonCode: '200', rejectReasonDetails: { detailsCode: '2006' } })).toEqual({
        code: '200',
        description: 'NOT_READABLE_DOCUMENT',
        details: [{ code: '2006', description: 'GLARE' }],
      });
      expect(withRejectReason({ rejectReasonCode: '100', rejectReasonDetails: [{ detailsCode: '10011' }] })).toEqual({
        code: '100',
        description: 'MANIPULATED_DOCUMENT',
        details: [{ code: '10011', description: 'PLACE_OF_BIRTH' }],
      });
    });

    it('numeric codes are stringified', () => {
      expect(withRejectReason({ rejectReasonCode: 200, rejectReasonDetails: [{ detailsCode: 2002 }] })).toEqual({
        code: '200',
        description: 'NOT_READABLE_DOCUMENT',
        details: [{ code: '2002', description: 'BAD_QUALITY' }],
      });
    });

    it('unknown codes are kept, with a null description when Jumio gave none', () => {
      expect(withRejectReason({ rejectReasonCode: '199', rejectReasonDetails: { detailsCode: '2999' } })).toEqual({
        code: '199',
        description: null,
        details: [{ code: '2999', description: null }],
      });
    });

    it("Jumio's own description is kept, also for a code no table lists", () => {
      expect(
        withRejectReason({ rejectReasonCode: '999', rejectReasonDescription: 'SOMETHING_NEW_FROM_JUMIO' }),
      ).toEqual({
        code: '999',
        description: 'SOMETHING_NEW_FROM_JUMIO',
        details: [],
      });
      expect(
        withRejectReason({ rejectReasonCode: '201', rejectReasonDescription: 'NO_DOCUMENT_RENAMED' })?.description,
      ).toBe('NO_DOCUMENT_RENAMED');
    });

    it('the retired code 212 still gets its name', () => {
      expect(withRejectReason({ rejectReasonCode: '212' })?.description).toBe('IMAGE_NOT_MATCHING_DATA');
    });

    it('a reject code that is neither string nor number → JumioPayloadError without the value', () => {
      const data = scanData();
      data.verification = { rejectReason: { rejectReasonCode: { x: PLANTED[0] } } };
      expectPayloadError(() => normalize(data), 'verification.rejectReason.rejectReasonCode');
    });

    it('a detail that is not an object → JumioPayloadError naming its index', () => {
      const data = scanData();
      data.verification = {
        rejectReason: { rejectReasonCode: '200', rejectReasonDetails: [{ detailsCode: '2001' }, PLANTED[0]] },
      };
      expectPayloadError(() => normalize(data), 'rejectReasonDetails[1]');
    });
  });

  describe('reject reason tables', () => {
    it.each([
      ['100', 'MANIPULATED_DOCUMENT'],
      ['102', 'PHOTOCOPY_BLACK_WHITE'],
      ['112', 'CHIP_MISSING'],
      ['114', 'DIGITAL_MANIPULATION'],
      ['116', 'SUPERIMPOSED_TEXT'],
      ['118', 'MISMATCH_FRONT_BACK'],
      ['211', 'DIFFERENT_PERSONS_SHOWN'],
      ['213', 'INVALID_WATERMARK'],
      ['214', 'MISSING_FRONT'],
      ['300', 'MANUAL_REJECTION'],
    ])('code %s → %s', (code, name) => {
      expect(rejectReasonName(code)).toBe(name);
    });

    it('lists exactly the documented current codes', () => {
      const documented = [
        100, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113, 114, 115, 116, 118, 200, 201, 202, 206, 207,
        209, 210, 211, 213, 214, 300,
      ];
      for (const code of documented) expect(rejectReasonName(String(code))).not.toBeNull();
      for (const code of [101, 117, 199, 203, 204, 205, 215, 301]) expect(rejectReasonName(String(code))).toBeNull();
    });

    it('detail codes, including 10011 and 2007, and null for unknown ones', () => {
      expect(rejectReasonDetailName('1009')).toBe('PERSONAL_NUMBER');
      expect(rejectReasonDetailName('10011')).toBe('PLACE_OF_BIRTH');
      expect(rejectReasonDetailName('2007')).toBe('MISSING_MANDATORY_DATAPOINTS');
      expect(rejectReasonDetailName('1010')).toBeNull();
      expect(rejectReasonDetailName('constructor')).toBeNull();
    });
  });

  describe('rule 2: faceSearchFindings.findings is always an array', () => {
    it('an array stays an array, and the other checks are kept as they came', () => {
      const data = scanData();
      data.verification = verificationWithAdditionalChecks();
      expect(normalize(data).verification).toEqual({
        mrzCheck: 'OK',
        identityVerification: { similarity: 'MATCH', validity: true },
        rejectReason: null,
        additionalChecks: {
          addressValidation: { searchResults: 'POSITIVE_RESULT' },
          proofOfResidency: { searchResults: 'PARTIAL_RESULT' },
          faceSearchFindings: {
            status: 'DONE',
            findings: ['11111111-1111-4111-8111-111111111111', '22222222-2222-4222-8222-222222222222'],
          },
          personalNumberValidation: { searchResults: 'POSITIVE_RESULT' },
        },
      });
    });

    it('a single string → an array of one', () => {
      const data = scanData();
      data.verification = verificationWithAdditionalChecks();
      data.verification.additionalChecks.faceSearchFindings.findings = '33333333-3333-4333-8333-333333333333';
      expect(normalize(data).verification.additionalChecks?.faceSearchFindings).toEqual({
        status: 'DONE',
        findings: ['33333333-3333-4333-8333-333333333333'],
      });
    });

    it('absent (no findings) → []', () => {
      const data = scanData();
      data.verification = verificationWithAdditionalChecks();
      data.verification.additionalChecks.faceSearchFindings = { status: 'PENDING' };
      expect(normalize(data).verification.additionalChecks?.faceSearchFindings).toEqual({
        status: 'PENDING',
        findings: [],
      });
    });

    it('does not change the payload it was given', () => {
      const data = scanData();
      data.verification = verificationWithAdditionalChecks();
      data.verification.additionalChecks.faceSearchFindings.findings = 'x';
      normalize(data);
      expect(data.verification.additionalChecks.faceSearchFindings.findings).toBe('x');
    });
  });

  describe('rule 4: timestamps', () => {
    it.each([
      ['0 digits', '2019-01-01T11:01:10Z', '2019-01-01T11:01:10.000Z'],
      ['1 digit', '2019-01-01T11:01:10.2Z', '2019-01-01T11:01:10.200Z'],
      ['2 digits', '2019-01-01T11:01:10.22Z', '2019-01-01T11:01:10.220Z'],
      ['3 digits', '2019-01-01T11:01:10.227Z', '2019-01-01T11:01:10.227Z'],
      ['+0000', '2019-02-01T11:01:10.2+0000', '2019-02-01T11:01:10.200Z'],
      ['no zone', '2019-02-01T11:01:10.2', '2019-02-01T11:01:10.200Z'],
    ])('transaction.date with %s', (_label, date, expected) => {
      const data = scanData();
      data.transaction.date = date;
      expect(normalize(data).transaction.date).toBe(expected);
    });

    it('an unparseable date is kept as it came', () => {
      const data = scanData();
      data.transaction.date = 'yesterday';
      expect(normalize(data).transaction.date).toBe('yesterday');
    });
  });

  describe('enumerations', () => {
    it.each([
      ['WEB-UPLOAD', 'WEB_UPLOAD'],
      ['WEB-CAM', 'WEB_CAM'],
      ['REDIRECT-CAM', 'REDIRECT_CAM'],
      ['REDIRECT-UPLOAD', 'REDIRECT_UPLOAD'],
      ['WEB_CAM', 'WEB_CAM'],
      ['SDK', 'SDK'],
    ])('transaction.source %s → %s', (source, expected) => {
      const data = scanData();
      data.transaction.source = source;
      expect(normalize(data).transaction.source).toBe(expected);
    });

    it('gender X, a new document status and a new idSubtype are kept unchanged', () => {
      const data = scanData();
      data.document.gender = 'X';
      data.document.status = 'DENIED_SOMETHING_NEW';
      data.document.idSubtype = 'FUTURE_SUBTYPE_2031';
      const { document } = normalize(data);
      expect(document.gender).toBe('X');
      expect(document.status).toBe('DENIED_SOMETHING_NEW');
      expect(document.idSubtype).toBe('FUTURE_SUBTYPE_2031');
    });
  });

  describe('rule 6: no Jumio href in the result', () => {
    it('drops the facemap and never shows an http URL', () => {
      const data = scanData();
      data.verification = verificationWithAdditionalChecks();
      const result = normalize(data);
      expect(result).not.toHaveProperty('facemap');
      expect(JSON.stringify(result)).not.toContain('http');
      expect(JSON.stringify(result)).not.toContain('netverify');
    });
  });

  describe('rule 7: unknown fields are kept under extra, nested by origin', () => {
    it('keeps unknown top-level, document, transaction and verification fields as they came', () => {
      const data = scanData();
      data.newTopLevelField = 1;
      data.document.someNewField = 'x';
      data.document.address.line6 = 'kept inside the known address';
      data.transaction.riskScore = { value: 12, unnormalized: '2019-01-01T11:01:10.2+0000' };
      data.verification.acceptanceUnknownField = { kept: true, source: 'verification' };
      data.verification.identityVerification.similarityScore = '87';
      data.verification.rejectReason = {
        rejectReasonCode: '200',
        rejectReasonDetails: [{ detailsCode: '2001' }, { detailsCode: '2002', detailsSeverity: 'HIGH' }],
        rejectReasonSeverity: 'LOW',
      };
      data.verification.additionalChecks = {
        addressValidation: { searchResults: 'POSITIVE_RESULT' },
        newCheck: { a: 1 },
      };

      const result = normalize(data);
      expect(result.extra).toEqual({
        newTopLevelField: 1,
        document: { someNewField: 'x' },
        transaction: { riskScore: { value: 12, unnormalized: '2019-01-01T11:01:10.2+0000' } },
        verification: {
          acceptanceUnknownField: { kept: true, source: 'verification' },
          identityVerification: { similarityScore: '87' },
          rejectReason: { rejectReasonSeverity: 'LOW', rejectReasonDetails: { '1': { detailsSeverity: 'HIGH' } } },
          additionalChecks: { newCheck: { a: 1 } },
        },
      });
      expect(result.document).not.toHaveProperty('someNewField');
      expect(result.document.address).toEqual({
        line1: 'EXAMPLESTRASSE 1',
        city: 'WIEN',
        postalCode: '1010',
        country: 'AUT',
        line6: 'kept inside the known address',
      });
      expect(result.verification.additionalChecks).toEqual({ addressValidation: { searchResults: 'POSITIVE_RESULT' } });
    });

    it('every field of the guide document list is known (none lands in extra)', () => {
      const data = scanData();
      data.document = Object.fromEntries(
        [
          'status',
          'type',
          'idSubtype',
          'issuingCountry',
          'firstName',
          'lastName',
          'dob',
          'expiry',
          'issuingDate',
          'number',
          'usState',
          'personalNumber',
          'optionalData1',
          'optionalData2',
          'address',
          'issuingAuthority',
          'issuingPlace',
          'curp',
          'gender',
          'nationality',
          'placeOfBirth',
          'taxNumber',
          'cpf',
          'registrationNumber',
          'mothersName',
          'fathersName',
          'personalIdentificationNumber',
          'rgNumber',
          'voterIdNumber',
          'issuingNumber',
          'expiryDateParts',
          'dateOfBirthParts',
          'issuingDateParts',
        ].map((k) => [k, `v-${k}`]),
      );
      const result = normalize(data);
      expect(result.extra).toBeUndefined();
      expect(Object.keys(result.document)).toHaveLength(33);
    });
  });

  describe('absent sections', () => {
    it('missing document and transaction → {}, missing verification → all null', () => {
      expect(normalize({ timestamp: '2019-01-01T16:23:55.039Z', scanReference: SCAN_REF })).toEqual({
        document: {},
        transaction: {},
        verification: { mrzCheck: null, identityVerification: null, rejectReason: null, additionalChecks: null },
      });
    });

    it('a FAILED scan with verification null', () => {
      const result = normalize({
        timestamp: '2019-01-01T16:23:55.039Z',
        scanReference: SCAN_REF,
        document: { status: 'NO_ID_UPLOADED' },
        transaction: { status: 'FAILED', source: 'WEB', date: '2019-01-01T11:01:10.227Z' },
        verification: null,
      });
      expect(result.document).toEqual({ status: 'NO_ID_UPLOADED' });
      expect(result.transaction).toEqual({ status: 'FAILED', source: 'WEB', date: '2019-01-01T11:01:10.227Z' });
      expect(result.verification.identityVerification).toBeNull();
    });
  });

  describe('malformed payloads', () => {
    it.each([
      ['null', null],
      ['an array', [scanData()]],
      ['a string', PLANTED[0]],
      ['a number', 4711],
    ])('data that is %s → JumioPayloadError', (_label, data) => {
      expectPayloadError(() => normalize(data), 'ID verification data');
    });

    it.each([
      ['document', (d: Record<string, any>) => (d.document = [PLANTED[0]])],
      ['transaction', (d: Record<string, any>) => (d.transaction = PLANTED[1])],
      ['verification', (d: Record<string, any>) => (d.verification = 4711)],
      [
        'verification.identityVerification',
        (d: Record<string, any>) => (d.verification.identityVerification = PLANTED[2]),
      ],
      ['verification.rejectReason', (d: Record<string, any>) => (d.verification.rejectReason = [PLANTED[0]])],
      ['verification.additionalChecks', (d: Record<string, any>) => (d.verification.additionalChecks = PLANTED[0])],
    ])('%s of the wrong type → JumioPayloadError naming it, without the value', (field, spoil) => {
      const data = scanData();
      data.document.firstName = PLANTED[0];
      spoil(data);
      const message = expectPayloadError(() => normalize(data), field);
      expect(message).not.toContain('4711');
    });

    it('only JumioPayloadError is ever thrown, whatever the shape of the sections', () => {
      const odd: unknown[] = [null, 0, 1, '', 'x', true, [], [1], {}, { a: null }];
      for (const value of odd) {
        for (const section of ['document', 'transaction', 'verification']) {
          const data = scanData();
          data[section] = value;
          let outcome: unknown;
          try {
            outcome = normalize(data);
          } catch (err) {
            outcome = err;
          }
          const isResult = typeof outcome === 'object' && outcome !== null && 'verification' in outcome;
          expect(outcome instanceof JumioPayloadError || isResult).toBe(true);
        }
      }
    });
  });

  describe('idVerificationMediaRefs', () => {
    const S = `${JUMIO_HOSTS.SCANS}/${SCAN_REF}`;

    it('lists front, back, face, liveness by href number and the facemap', () => {
      expect(idVerificationMediaRefs(scanImages(), scanData())).toEqual([
        { name: 'back', href: `${S}/images/back`, mediumClass: 'image' },
        { name: 'front', href: `${S}/images/front`, mediumClass: 'image' },
        { name: 'face', href: `${S}/images/face`, mediumClass: 'image' },
        { name: 'liveness-1', href: `${S}/images/liveness/1`, mediumClass: 'image' },
        { name: 'liveness-2', href: `${S}/images/liveness/2`, mediumClass: 'image' },
        { name: 'facemap', href: `${S}/data/facemap`, mediumClass: 'facemap' },
      ]);
    });

    it('images as a single object', () => {
      const images = scanImages();
      images.images = { classifier: 'front', href: `${S}/images/front` };
      delete images.livenessImages;
      expect(idVerificationMediaRefs(images, undefined)).toEqual([
        { name: 'front', href: `${S}/images/front`, mediumClass: 'image' },
      ]);
    });

    it('liveness names come from the href, not from the list order, and hrefs without a number are skipped', () => {
      const images = scanImages();
      images.livenessImages = [`${S}/images/liveness/3`, `${S}/images/liveness/1`, `${S}/images/liveness/last`];
      const names = idVerificationMediaRefs(images, null).map((r) => r.name);
      expect(names).toEqual(['back', 'front', 'face', 'liveness-3', 'liveness-1']);
    });

    it('keeps other lower-case classifiers under their own name, skips odd ones and entries without an href', () => {
      const images = scanImages();
      images.images = [
        { classifier: 'front', href: `${S}/images/front` },
        { classifier: 'ultraviolet', href: `${S}/images/ultraviolet` },
        { classifier: 'Front Side!', href: `${S}/images/x` },
        { classifier: 'back' },
        { classifier: 'face', href: '' },
        { classifier: 'front', href: `${S}/images/front-again` },
      ];
      expect(idVerificationMediaRefs(images, null)).toEqual([
        { name: 'front', href: `${S}/images/front`, mediumClass: 'image' },
        { name: 'ultraviolet', href: `${S}/images/ultraviolet`, mediumClass: 'image' },
        { name: 'liveness-1', href: `${S}/images/liveness/1`, mediumClass: 'image' },
        { name: 'liveness-2', href: `${S}/images/liveness/2`, mediumClass: 'image' },
      ]);
    });

    it('no facemap ref without a facemap href', () => {
      const data = scanData();
      delete data.facemap;
      expect(idVerificationMediaRefs(scanImages(), data).map((r) => r.name)).not.toContain('facemap');
      data.facemap = { classifier: 'facemap', href: '' };
      expect(idVerificationMediaRefs(scanImages(), data).map((r) => r.name)).not.toContain('facemap');
    });

    it('a payload that is present but not an object → JumioPayloadError', () => {
      expectPayloadError(() => idVerificationMediaRefs([PLANTED[0]], null), 'ID verification images answer');
      expectPayloadError(() => idVerificationMediaRefs(scanImages(), PLANTED[0]), 'ID verification data');
    });
  });
});
