import { parseCallbackForm } from '../../../src/engine/callbacks/callback-form';
import { CallbackBodyError, decodeCallbackBody } from '../../../src/http/callback-requests';
import { callbackIdentity } from '../../../src/engine/callbacks/callback-inbox';
import { DataCipher } from '../../../src/engine/crypto/data-cipher';
import { JumioPayloadError } from '../../../src/engine/domain/product-contracts';
import { authenticationCallbackReader } from '../../../src/products/authentication/callbacks/authentication.callback-reader';
import { documentVerificationCallbackReader } from '../../../src/products/document-verification/callbacks/document-verification.callback-reader';
import { idVerificationCallbackReader } from '../../../src/products/id-verification/callbacks/id-verification.callback-reader';
import { idVerificationNormalizer } from '../../../src/products/id-verification/normalization/id-verification.normalizer';

const REF = '8f0c5e5a-7a1e-4c1b-9a59-3f7a2b1d0c11';
const links = { href: (host: string, path: string) => `https://${host}.jumio.example/api/netverify/v2${path}` };
const ctx = {
  kind: 'id-verifications' as const,
  reference: REF,
  mediaHref: (n: string) => `/v1/id-verifications/${REF}/media/${n}`,
};

/** An ID Verification callback as Jumio's guide lists its fields (jumio-facts.md, section 7). */
function idCallback(over: Record<string, string> = {}): Record<string, string> {
  return {
    callBackType: 'NETVERIFYID',
    jumioIdScanReference: REF,
    callbackDate: '2026-11-26T10:16:02.12Z',
    verificationStatus: 'APPROVED_VERIFIED',
    idScanStatus: 'SUCCESS',
    idScanSource: 'WEB_UPLOAD',
    idCheckDataPositions: 'OK',
    idCheckDocumentValidation: 'OK',
    idCheckHologram: 'OK',
    idCheckMRZcode: 'OK',
    idCheckMicroprint: 'OK',
    idCheckSecurityFeatures: 'OK',
    idCheckSignature: 'OK',
    transactionDate: '2026-11-26T10:15:00.5Z',
    idType: 'PASSPORT',
    idCountry: 'AUT',
    idFirstName: 'JANE',
    idLastName: 'DOE',
    idDob: '1990-01-01',
    idNumber: 'P1234567',
    idAddress: '{"city":"VIENNA","country":"AUT"}',
    merchantIdScanReference: 'order-1',
    customerId: 'user-42',
    identityVerification: '{"similarity":"MATCH","validity":"TRUE"}',
    idScanImage: 'https://lon.netverify.com/recognition/v1/idscan/x/front',
    livenessImages: '["https://lon.netverify.com/api/netverify/v2/scans/x/images/liveness/1"]',
    facemap: 'https://lon.netverify.com/api/netverify/v2/scans/x/data/facemap',
    ...over,
  };
}

describe('ID Verification callback reader', () => {
  it('maps the callback names onto the retrieval names, parses the JSON strings, and builds only its own links', () => {
    const c = idVerificationCallbackReader.read(idCallback(), links);
    expect(c.status).toEqual({ timestamp: '2026-11-26T10:16:02.12Z', scanReference: REF, status: 'DONE' });
    expect(c.details).toEqual({
      timestamp: '2026-11-26T10:16:02.12Z',
      scanReference: REF,
      document: {
        status: 'APPROVED_VERIFIED',
        type: 'PASSPORT',
        issuingCountry: 'AUT',
        firstName: 'JANE',
        lastName: 'DOE',
        dob: '1990-01-01',
        number: 'P1234567',
        address: { city: 'VIENNA', country: 'AUT' },
      },
      transaction: {
        date: '2026-11-26T10:15:00.5Z',
        source: 'WEB_UPLOAD',
        merchantScanReference: 'order-1',
        customerId: 'user-42',
        status: 'DONE',
      },
      verification: { mrzCheck: 'OK', identityVerification: { similarity: 'MATCH', validity: 'TRUE' } },
      facemap: {
        classifier: 'facemap',
        href: `https://scans.jumio.example/api/netverify/v2/scans/${REF}/data/facemap`,
      },
    });
    expect(c).toMatchObject({
      journeyAt: '2026-11-26T10:15:00.5Z',
      merchantReference: 'order-1',
      customerReference: 'user-42',
    });
    // Through the product's normalizer, like a retrieval: booleans, zone, arrays.
    const result = idVerificationNormalizer.normalize(c.details, ctx) as any;
    expect(result.verification.identityVerification).toEqual({ similarity: 'MATCH', validity: true });
    expect(result.transaction.date).toBe('2026-11-26T10:15:00.500Z');
    expect(result.extra).toBeUndefined();
  });

  it('NO_ID_UPLOADED is FAILED; N/A checks are absent; unknown fields are kept (they become result.extra)', () => {
    const c = idVerificationCallbackReader.read(
      idCallback({ verificationStatus: 'NO_ID_UPLOADED', idCheckMRZcode: 'N/A', brandNewField: 'x' }),
      links,
    );
    expect(c.status).toMatchObject({ status: 'FAILED' });
    expect((c.details as any).verification.mrzCheck).toBeUndefined();
    expect((c.details as any).brandNewField).toBe('x');
    expect((idVerificationNormalizer.normalize(c.details, ctx) as any).extra).toEqual({ brandNewField: 'x' });
  });

  it('names the field, never its value, when Jumio sends something else', () => {
    expect(() =>
      idVerificationCallbackReader.read(idCallback({ rejectReason: '{"rejectReasonCode": "1' }), links),
    ).toThrow(new JumioPayloadError('ID verification callback: rejectReason is not valid JSON'));
    const { verificationStatus: _omit, ...noStatus } = idCallback();
    expect(() => idVerificationCallbackReader.read(noStatus, links)).toThrow(
      'ID verification callback: verificationStatus is required',
    );
  });
});

describe('Document Verification callback reader', () => {
  const fields = {
    scanReference: REF,
    timestamp: '2026-11-26T10:16:02.120Z',
    transaction:
      '{"status":"DONE","source":"DOC_UPLOAD","merchantScanReference":"m-1","customerId":"c-1","date":"2026-11-26T10:15:00.000Z"}',
    document:
      '{"status":"EXTRACTED","type":"CC","country":"AUT","images":["https://retrieval.lon.netverify.com/x/pages/1"],"originalDocument":"https://evil.example/original"}',
  };

  it('takes transaction.status, drops the page links, and replaces the original document link by the Retrieval API URL', () => {
    const c = documentVerificationCallbackReader.read(fields, links);
    expect(c.status).toEqual({ timestamp: fields.timestamp, scanReference: REF, status: 'DONE' });
    expect((c.details as any).document).toEqual({
      status: 'EXTRACTED',
      type: 'CC',
      country: 'AUT',
      originalDocument: `https://documents.jumio.example/api/netverify/v2/documents/${REF}/original`,
    });
    expect(c).toMatchObject({
      merchantReference: 'm-1',
      customerReference: 'c-1',
      journeyAt: '2026-11-26T10:15:00.000Z',
    });
  });

  it('refuses a callback without transaction.status', () => {
    expect(() => documentVerificationCallbackReader.read({ ...fields, transaction: '{}' }, links)).toThrow(
      'transaction.status is required',
    );
    expect(() => documentVerificationCallbackReader.read({ ...fields, transaction: '[1]' }, links)).toThrow(
      JumioPayloadError,
    );
  });
});

describe('Authentication callback reader', () => {
  it("is the retrieval record, with the face and liveness URLs of the Retrieval API instead of Jumio's links", () => {
    const c = authenticationCallbackReader.read(
      {
        callBackType: 'NETVERIFY_AUTHENTICATION',
        callbackDate: '2026-11-26T10:16:02.120Z',
        transactionReference: REF,
        enrollmentTransactionReference: 'e-1',
        transactionResult: 'PASSED',
        transactionDate: '2026-11-26T10:15:00.123',
        scanSource: 'SDK',
        userReference: 'u-1',
        idScanImageFace: 'https://elsewhere.example/face',
        livenessImages: '["https://elsewhere.example/liveness/2","https://elsewhere.example/liveness/5", "not a url"]',
      },
      links,
    );
    const base = `https://scans.jumio.example/api/netverify/v2/authentications/${REF}/images`;
    expect(c.details).toEqual({
      transactionReference: REF,
      enrollmentTransactionReference: 'e-1',
      transactionResult: 'PASSED',
      transactionDate: '2026-11-26T10:15:00.123',
      scanSource: 'SDK',
      userReference: 'u-1',
      images: [{ classifier: 'face', href: `${base}/face` }],
      livenessImages: [`${base}/liveness/2`, `${base}/liveness/5`],
    });
    expect(c.status).toBe(c.details);
  });
});

describe('callback bodies', () => {
  it('accepts only UTF-8 form bodies', () => {
    expect(decodeCallbackBody(Buffer.from('a=1'), 'application/x-www-form-urlencoded; charset=utf-8')).toBe('a=1');
    expect(() => decodeCallbackBody(Buffer.from('{}'), 'application/json')).toThrow(CallbackBodyError);
    expect(() => decodeCallbackBody(Buffer.from([0xff]), 'application/x-www-form-urlencoded')).toThrow(
      'not valid UTF-8',
    );
    expect(() => decodeCallbackBody(Buffer.alloc(0), 'application/x-www-form-urlencoded')).toThrow('empty');
  });

  it('reads form fields (first value wins, __proto__ is just a name)', () => {
    const f = parseCallbackForm('a=1&a=2&b=x+y%26z&__proto__=p');
    expect(f).toEqual({ a: '1', b: 'x y&z', ['__proto__']: 'p' });
    expect(Object.getPrototypeOf(f)).toBe(Object.prototype);
  });

  it('the same callback delivered again, with a new callback date, is the same callback; any other change is not', () => {
    const a = callbackIdentity(idCallback());
    expect(callbackIdentity(idCallback({ callbackDate: '2026-11-27T00:00:00Z' }))).toBe(a);
    expect(callbackIdentity(Object.fromEntries(Object.entries(idCallback()).reverse()))).toBe(a);
    expect(callbackIdentity(idCallback({ verificationStatus: 'DENIED_FRAUD' }))).not.toBe(a);
  });

  it('only a keyed fingerprint of it is stored: another key, another fingerprint', () => {
    const one = new DataCipher([{ id: 'a', key: Buffer.alloc(32, 1) }]);
    const two = new DataCipher([{ id: 'b', key: Buffer.alloc(32, 2) }]);
    const identity = callbackIdentity(idCallback());
    expect(one.fingerprint(identity)).toMatch(/^[0-9a-f]{64}$/);
    expect(one.fingerprint(identity)).toBe(one.fingerprint(identity));
    expect(two.fingerprint(identity)).not.toBe(one.fingerprint(identity));
    expect(one.fingerprint(identity)).not.toContain('JANE');
  });
});
