import type { Kind } from '../../../src/common/kinds.js';
import type { NormalizeContext } from '../../../src/engine/domain/product-contracts.js';
import { JumioPayloadError } from '../../../src/engine/domain/product-contracts.js';

/**
 * Payloads shaped like the examples of Jumio's Retrieval API guide (the contract's source, summed up in docs/), with the
 * hrefs the guide elides filled in as Jumio writes them (absolute URLs on Jumio's hosts). Each call returns a
 * fresh copy, so a test may change it freely.
 */

export const SCAN_REF = '8f0c5e5a-7a1e-4c1b-9a59-3f7a2b1d0c11';
export const DOC_REF = '3d6c2b9e-1f0a-4e53-8b2a-6c1d9e0f4a77';
export const AUTH_REF = 'b4a1f7c2-9d3e-4f61-a2b8-0e5c7d9f1a23';
export const ENROLLMENT_REF = 'c0ffee00-1234-4abc-8def-0123456789ab';

const SCANS = 'https://netverify.com/api/netverify/v2/scans';
const DOCS = 'https://retrieval.netverify.com/api/netverify/v2/documents';
const AUTHS = 'https://netverify.com/api/netverify/v2/authentications';

/** `GET /scans/{ref}/data`, approved (guide's "Retrieving details" example, with every section filled). */
export function scanData(): Record<string, any> {
  return {
    timestamp: '2019-03-20T16:25:38.663Z',
    scanReference: SCAN_REF,
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
      identityVerification: { similarity: 'MATCH', validity: 'true' },
      mrzCheck: 'NOT_AVAILABLE',
    },
    facemap: { classifier: 'facemap', href: `${SCANS}/${SCAN_REF}/data/facemap` },
  };
}

/** The guide's "Retrieving verification data only" example with additional checks (as a `verification`). */
export function verificationWithAdditionalChecks(): Record<string, any> {
  return {
    additionalChecks: {
      addressValidation: { searchResults: 'POSITIVE_RESULT' },
      proofOfResidency: { searchResults: 'PARTIAL_RESULT' },
      faceSearchFindings: {
        status: 'DONE',
        findings: ['11111111-1111-4111-8111-111111111111', '22222222-2222-4222-8222-222222222222'],
      },
      personalNumberValidation: { searchResults: 'POSITIVE_RESULT' },
    },
    identityVerification: { similarity: 'MATCH', validity: 'true' },
    mrzCheck: 'OK',
  };
}

/** `GET /scans/{ref}/images` (guide example: back, front, face, plus liveness images). */
export function scanImages(): Record<string, any> {
  return {
    timestamp: '2019-03-01T11:53:52.878Z',
    images: [
      { classifier: 'back', href: `${SCANS}/${SCAN_REF}/images/back` },
      { classifier: 'front', href: `${SCANS}/${SCAN_REF}/images/front` },
      { classifier: 'face', href: `${SCANS}/${SCAN_REF}/images/face` },
    ],
    livenessImages: [`${SCANS}/${SCAN_REF}/images/liveness/1`, `${SCANS}/${SCAN_REF}/images/liveness/2`],
    scanReference: SCAN_REF,
  };
}

/** `GET /documents/{ref}/data`, the guide's SSC example. */
export function documentDataSsc(): Record<string, any> {
  return {
    scanReference: DOC_REF,
    timestamp: '2019-01-01T15:40:49.124Z',
    document: {
      status: 'EXTRACTED',
      type: 'SSC',
      extractedData: {
        firstName: 'FIRST NAME',
        lastName: 'LAST NAME',
        ssn: '123-45-6789',
        signatureAvailable: false,
        extractedData:
          '{"lastName":"LAST NAME","firstName":"FIRST NAME","signaturePresent":"true","ssn":"123-45-6789"}',
      },
      country: 'USA',
    },
    transaction: {
      status: 'DONE',
      merchantScanReference: 'YOURSCANREFERENCE',
      customerId: 'CUSTOMERID',
      source: 'DOC_UPLOAD',
    },
  };
}

/** `GET /documents/{ref}/data`, the guide's BS example, with an original document listed. */
export function documentDataBs(): Record<string, any> {
  return {
    scanReference: DOC_REF,
    timestamp: '2019-01-01T15:32:22.606Z',
    document: {
      status: 'EXTRACTED',
      type: 'BS',
      extractedData: {
        firstName: 'FULL NAME',
        signatureAvailable: false,
        extractedData:
          '{"city":"CITY","addressFormat":"RAW","postalCode":"12345","accountNumber":"123456789","subdivision":"XX","firstName":"FULL NAME","issueDate":"2019-01-01","line1":"12345 EASY STREET"}',
      },
      country: 'USA',
      originalDocument: `${DOCS}/${DOC_REF}/original`,
    },
    transaction: {
      status: 'DONE',
      merchantScanReference: 'YOURSCANREFERENCE',
      customerId: 'CUSTOMERID',
      source: 'DOC_UPLOAD',
    },
  };
}

/** `GET /documents/{ref}/pages` (guide example: pages 1 and 2). */
export function documentPages(): Record<string, any> {
  return {
    timestamp: '2019-01-01T16:04:07.751Z',
    images: [
      { classifier: 1, href: `${DOCS}/${DOC_REF}/pages/1` },
      { classifier: 2, href: `${DOCS}/${DOC_REF}/pages/2` },
    ],
    scanReference: DOC_REF,
  };
}

/** `GET /authentications/{ref}` (guide example, PASSED, zone-less transactionDate). */
export function authenticationDetails(): Record<string, any> {
  return {
    transactionReference: AUTH_REF,
    enrollmentTransactionReference: ENROLLMENT_REF,
    transactionResult: 'PASSED',
    scanSource: 'SDK',
    transactionDate: '2019-05-23T14:32:27.534',
    userReference: 'USERREFERENCE',
    images: [{ classifier: 'face', href: `${AUTHS}/${AUTH_REF}/images/face` }],
    livenessImages: [`${AUTHS}/${AUTH_REF}/images/liveness/1`, `${AUTHS}/${AUTH_REF}/images/liveness/2`],
  };
}

export const JUMIO_HOSTS = { SCANS, DOCS, AUTHS };

/** A context whose media hrefs are the service's own (`/v1/{kind}/{ref}/media/{name}`). */
export function contextFor(kind: Kind, reference: string): NormalizeContext {
  return { kind, reference, mediaHref: (name) => `/v1/${kind}/${reference}/media/${name}` };
}

/** Personal-looking values planted in malformed payloads: an error message must carry none of them. */
export const PLANTED = ['PLANTED-NAME-4711', '4711-0815', 'PLANTED@example.org'];

/** Runs `fn`, expects a JumioPayloadError, and checks its message names `field` and carries no payload value. */
export function expectPayloadError(
  fn: () => unknown,
  field: string,
  payloadValues: readonly string[] = PLANTED,
): string {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(JumioPayloadError);
  const message = (caught as Error).message;
  expect(message).toContain(field);
  for (const value of payloadValues) expect(message).not.toContain(value);
  return message;
}
