import {
  asObject,
  asOptionalObject,
  CallbackFieldReader,
  type CallbackFields,
  type CallbackLinks,
  copyRecord,
  getOwn,
  hasValue,
  type JsonRecord,
  type ProductCallbackReader,
  sentMedium,
  setOwn,
} from '../../../engine/product-kit/index.js';

const WHAT = 'ID verification callback';

/** Callback names → `/scans/{ref}/data` document names (jumio-facts.md, section 7). */
const DOCUMENT_RENAMES: Record<string, string> = {
  verificationStatus: 'status',
  idType: 'type',
  idSubtype: 'idSubtype',
  idCountry: 'issuingCountry',
  idFirstName: 'firstName',
  idLastName: 'lastName',
  idDob: 'dob',
  idExpiry: 'expiry',
  idNumber: 'number',
  idUsState: 'usState',
};
/** Document fields both sides name alike. */
const DOCUMENT_SAME = [
  'personalNumber',
  'issuingDate',
  'optionalData1',
  'optionalData2',
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
  'dni',
  'passportNumber',
  'durationOfStay',
  'numberOfEntries',
  'visaCategory',
  'originDob',
  'dlCarPermission',
];
/** Document fields Jumio sends as JSON strings inside the form. */
const DOCUMENT_JSON: Record<string, string> = { idAddress: 'address', dlCategories: 'dlCategories' };
const TRANSACTION_RENAMES: Record<string, string> = {
  transactionDate: 'date',
  idScanSource: 'source',
  merchantIdScanReference: 'merchantScanReference',
  customerId: 'customerId',
  clientIp: 'clientIp',
  merchantReportingCriteria: 'merchantReportingCriteria',
};
/**
 * Read and not mapped: the callback's type and date, the legacy per-check flags (`idScanStatus`, `idCheck*`, which
 * the Retrieval API does not have; `idCheckMRZcode` alone maps onto `verification.mrzCheck`) and Jumio's image
 * links (the media are fetched through the Retrieval API, never from these). They stay in the stored callback.
 */
const CONSUMED = [
  'callBackType',
  'callbackDate',
  'idScanStatus',
  'idCheckDataPositions',
  'idCheckDocumentValidation',
  'idCheckHologram',
  'idCheckMicroprint',
  'idCheckSecurityFeatures',
  'idCheckSignature',
  'idScanImage',
  'idScanImageBackside',
  'idScanImageFace',
  'livenessImages',
];

/**
 * ID Verification's callback as `/scans/{ref}` and `/scans/{ref}/data` would answer it. The status is `FAILED` when
 * no ID was uploaded (`verificationStatus` NO_ID_UPLOADED, Jumio's timed-out journey) and `DONE` otherwise. The
 * images come from the `/images` list once the view is filled; the facemap, listed only in `/data`, gets the
 * Retrieval API's URL when the callback says there is one.
 */
export const idVerificationCallbackReader: ProductCallbackReader = {
  referenceField: 'jumioIdScanReference',
  read(fields: CallbackFields, links: CallbackLinks) {
    const r = new CallbackFieldReader(fields, WHAT);
    const reference = r.required('jumioIdScanReference');
    const verificationStatus = r.required('verificationStatus');
    const status = verificationStatus === 'NO_ID_UPLOADED' ? 'FAILED' : 'DONE';

    const document: JsonRecord = {};
    r.copy(document, DOCUMENT_RENAMES);
    r.copy(document, Object.fromEntries(DOCUMENT_SAME.map((f) => [f, f])));
    for (const [from, to] of Object.entries(DOCUMENT_JSON)) {
      const v = r.json(from);
      if (v !== undefined) setOwn(document, to, v);
    }

    const transaction: JsonRecord = {};
    r.copy(transaction, TRANSACTION_RENAMES);
    setOwn(transaction, 'status', status);

    const verification: JsonRecord = {};
    const mrz = r.text('idCheckMRZcode');
    // N/A: the check did not apply; the Retrieval API then has no mrzCheck at all.
    if (mrz !== undefined && mrz !== 'N/A') setOwn(verification, 'mrzCheck', mrz);
    const identity = r.json('identityVerification');
    if (identity !== undefined) setOwn(verification, 'identityVerification', identity);
    const reject = r.json('rejectReason');
    if (reject !== undefined) setOwn(verification, 'rejectReason', reject);

    const timestamp = r.text('callbackDate');
    const facemap = sentMedium(r.text('facemap'));
    r.consume(...CONSUMED);
    const details: JsonRecord = {
      ...r.rest(),
      timestamp,
      scanReference: reference,
      document,
      transaction,
      verification,
    };
    if (facemap)
      details.facemap = {
        classifier: 'facemap',
        href: links.href('scans', `/scans/${encodeURIComponent(reference)}/data/facemap`),
      };
    return {
      status: { timestamp, scanReference: reference, status },
      details,
      journeyAt: fields.transactionDate ?? null,
      merchantReference: fields.merchantIdScanReference ?? null,
      customerReference: fields.customerId ?? null,
    };
  },
  // Jumio's callback has no additionalChecks (address validation, face search, ...): `/data/verification` has,
  // and fills whatever verification field the callback did not carry.
  completion: {
    subresource: 'data/verification',
    merge(details: unknown, answer: unknown) {
      const merged = copyRecord(asObject(details, `${WHAT}: details`));
      const sent = asObject(answer, 'ID verification verification answer');
      const verification = copyRecord(asOptionalObject(getOwn(merged, 'verification'), `${WHAT}: verification`) ?? {});
      for (const key of Object.keys(sent)) {
        if (key !== 'timestamp' && key !== 'scanReference' && !hasValue(verification, key))
          setOwn(verification, key, getOwn(sent, key));
      }
      merged.verification = verification;
      return merged;
    },
  },
};
