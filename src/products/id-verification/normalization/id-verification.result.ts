import type { JumioTransaction } from '../../../engine/product-kit/index.js';

/**
 * The normalized `result` of an ID verification (`/scans/{ref}/data`), internal-api.md "Normalization rules".
 * Values Jumio sends are kept as they came unless a rule normalizes them, so fields the normalizer does not
 * interpret are typed `unknown` (Jumio may send any JSON there).
 */

/** The document fields of Jumio's guide (retrieval, "Retrieving document data only"). */
export const ID_DOCUMENT_FIELDS = [
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
] as const;
export type IdDocumentField = (typeof ID_DOCUMENT_FIELDS)[number];

/** Jumio's document fields that were present, as they came (unknown enum values such as gender `X` kept). */
export type IdDocument = Partial<Record<IdDocumentField, unknown>>;

/** Jumio's transaction: `date` ISO-8601 UTC with `Z`, `source` in underscore form (`WEB_UPLOAD`). */
export type IdTransaction = JumioTransaction;

export interface RejectReasonDetail {
  /** Jumio's `detailsCode` as a string (a number is stringified); `null` when Jumio sent none. */
  code: string | null;
  /** Jumio's `detailsDescription` when given, else the name from Jumio's table, else `null`. */
  description: string | null;
}

export interface RejectReason {
  /** Jumio's `rejectReasonCode` as a string (a number is stringified); `null` when Jumio sent none. */
  code: string | null;
  /** Jumio's `rejectReasonDescription` when given, else the name from Jumio's table, else `null`. */
  description: string | null;
  /** Always an array (Jumio sends one object, an array, or nothing). */
  details: RejectReasonDetail[];
}

export interface IdentityVerification {
  /** `MATCH`, `NO_MATCH`, `NOT_POSSIBLE`, or whatever Jumio sent; `null` when absent. */
  similarity: unknown;
  /** `true`/`false` from `true`, `"true"`, `"TRUE"`, ...; an unrecognised value is kept; `null` when absent. */
  validity: unknown;
  /** Present only when Jumio sent it. */
  reason?: unknown;
}

export interface IdVerificationChecks {
  /** `OK`, `NOT_AVAILABLE`, or whatever Jumio sent; `null` when absent. */
  mrzCheck: unknown;
  identityVerification: IdentityVerification | null;
  rejectReason: RejectReason | null;
  /**
   * The known checks as Jumio sent them (`addressValidation`, `proofOfResidency`, `watchlistScreening`,
   * `faceSearchFindings`, `personalNumberValidation`), except `faceSearchFindings.findings`, always an array.
   */
  additionalChecks: Record<string, unknown> | null;
}

export interface IdVerificationResult {
  document: IdDocument;
  transaction: IdTransaction;
  verification: IdVerificationChecks;
  /**
   * Fields Jumio sent that the service does not know, as they came, nested by where they came from
   * (`{ newTopLevelField: 1, document: { someNewField: "x" }, verification: { rejectReason: { ... } } }`).
   * Unknown keys of a reject reason detail sit under `verification.rejectReason.rejectReasonDetails`, keyed by
   * the detail's index in `details`. Omitted when empty.
   */
  extra?: Record<string, unknown>;
}
