import type { TransactionPlan } from './simulator-scripts.js';
import {
  hasFacemap,
  href,
  livenessNumbers,
  Persona,
  scanImageClassifiers,
  timestamp,
  withQuirkFields,
} from './simulator-payloads.js';
import type { Json, PayloadContext, StatusAnswer } from './simulator-payloads.js';

/** ID Verification (scans): the bodies of `/scans/{ref}`, `/data`, `/data/{part}` and `/images`. */

export function scanStatus(ctx: PayloadContext, settled: boolean): StatusAnswer {
  const status = settled ? ctx.plan.final : 'PENDING';
  const body = { timestamp: timestamp(ctx, 'status'), scanReference: ctx.plan.reference, status };
  return { body: withQuirkFields(ctx, body), jumioStatus: status };
}

const REJECT_DESCRIPTIONS: Record<string, string> = {
  '100': 'MANIPULATED_DOCUMENT',
  '102': 'PHOTOCOPY_BLACK_WHITE',
  '103': 'PHOTOCOPY_COLOR',
  '104': 'DIGITAL_COPY',
  '105': 'FRAUDSTER',
  '106': 'FAKE',
  '107': 'PHOTO_MISMATCH',
  '108': 'MRZ_CHECK_FAILED',
  '109': 'PUNCHED_DOCUMENT',
  '200': 'NOT_READABLE_DOCUMENT',
  '201': 'NO_DOCUMENT',
  '202': 'SAMPLE_DOCUMENT',
  '206': 'MISSING_BACK',
  '207': 'WRONG_DOCUMENT_PAGE',
  '209': 'MISSING_SIGNATURE',
  '210': 'CAMERA_BLACK_WHITE',
  '211': 'DIFFERENT_PERSONS_SHOWN',
  '300': 'MANUAL_REJECTION',
};
const REJECT_DETAILS: Record<string, Array<{ detailsCode: string; detailsDescription: string }>> = {
  '100': [
    { detailsCode: '1001', detailsDescription: 'PHOTO' },
    { detailsCode: '1004', detailsDescription: 'DOB' },
  ],
  '200': [
    { detailsCode: '2001', detailsDescription: 'BLURRED' },
    { detailsCode: '2006', detailsDescription: 'GLARE' },
  ],
};

/**
 * `rejectReasonDetails` is a JSON object when there is one item and an array when there are several, as Jumio
 * sends it: the rejected variant carries two details (array), the not-readable variant one (object).
 */
function rejectReason(plan: TransactionPlan): Json {
  const code = plan.rejectReasonCode ?? (plan.flavour === 'rejected' ? '100' : '200');
  const reason: Json = {
    rejectReasonCode: code,
    rejectReasonDescription: REJECT_DESCRIPTIONS[code] ?? `SIMULATOR_UNLISTED_REASON_${code}`,
  };
  const details = REJECT_DETAILS[code];
  if (details)
    reason.rejectReasonDetails = plan.flavour === 'rejected' ? details.map((d) => ({ ...d })) : { ...details[0] };
  return reason;
}

function scanDocument(ctx: PayloadContext, p: Persona): Json {
  const { plan } = ctx;
  if (plan.final === 'FAILED') return { status: 'NO_ID_UPLOADED' };
  const status =
    plan.flavour === 'approved'
      ? 'APPROVED_VERIFIED'
      : plan.flavour === 'rejected'
        ? 'DENIED_FRAUD'
        : 'ERROR_NOT_READABLE_ID';
  if (plan.flavour === 'not-readable') {
    return {
      type: 'ID_CARD',
      issuingCountry: 'AUT',
      status,
      ...(plan.quirks ? { someNewField: 'SIMULATOR_NEW_VALUE' } : {}),
    };
  }
  const streetNo = 1 + (p.n(8) % 400);
  const doc: Json = {
    type: 'ID_CARD',
    idSubtype: 'NATIONAL_ID',
    issuingCountry: 'AUT',
    firstName: p.firstName,
    lastName: p.lastName,
    dob: p.date(0, 1950, 50),
    expiry: p.date(3, 2027, 10),
    issuingDate: p.date(6, 2015, 10),
    number: p.digits(9, 9),
    personalNumber: p.digits(13, 8),
    gender: plan.quirks ? 'X' : p.n(2) % 2 === 0 ? 'F' : 'M',
    nationality: 'AUT',
    address: {
      line1: `${streetNo} EASY STREET`,
      city: 'VIENNA',
      postalCode: '1010',
      country: 'AUT',
      formattedAddress: `${streetNo} EASY STREET\n1010 VIENNA\nAUSTRIA`,
    },
    status,
  };
  if (plan.quirks) doc.someNewField = 'SIMULATOR_NEW_VALUE';
  return doc;
}

function scanTransaction(ctx: PayloadContext, p: Persona): Json {
  return {
    clientIp: `203.0.113.${1 + (p.n(4) % 250)}`,
    customerId: `CUSTOMER-${p.tag}`,
    date: timestamp(ctx, 'transactionDate', p.createdAt()),
    merchantReportingCriteria: 'SIMULATOR',
    merchantScanReference: `MERCHANT-${p.tag}`,
    // Jumio's table writes hyphens, its samples and real responses underscores: clients must accept both.
    source: ctx.plan.quirks ? 'WEB-UPLOAD' : 'WEB_UPLOAD',
    status: ctx.plan.final,
  };
}

function scanVerification(ctx: PayloadContext, p: Persona): Json {
  const { plan } = ctx;
  if (plan.final === 'FAILED') return {};
  if (plan.flavour !== 'approved') {
    return { mrzCheck: 'NOT_AVAILABLE', rejectReason: rejectReason(plan) };
  }
  return {
    additionalChecks: {
      addressValidation: { searchResults: 'POSITIVE_RESULT' },
      faceSearchFindings: {
        status: 'DONE',
        // one finding is a bare string, several an array
        findings: plan.quirks ? p.uuid('finding-1') : [p.uuid('finding-1'), p.uuid('finding-2')],
      },
    },
    identityVerification: { similarity: 'MATCH', validity: 'true' },
    mrzCheck: 'OK',
  };
}

export type ScanDataPart = 'all' | 'document' | 'transaction' | 'verification';

export function scanData(ctx: PayloadContext, part: ScanDataPart): Json {
  const p = new Persona(ctx.plan);
  const head = { timestamp: timestamp(ctx, 'data'), scanReference: ctx.plan.reference };
  if (part === 'document') return withQuirkFields(ctx, { ...head, ...scanDocument(ctx, p) });
  if (part === 'transaction') return withQuirkFields(ctx, { ...head, ...scanTransaction(ctx, p) });
  if (part === 'verification') return withQuirkFields(ctx, { ...head, ...scanVerification(ctx, p) });
  const body: Json = {
    ...head,
    document: scanDocument(ctx, p),
    transaction: scanTransaction(ctx, p),
    verification: scanVerification(ctx, p),
  };
  if (hasFacemap(ctx.plan)) {
    body.facemap = { classifier: 'facemap', href: href(ctx, `/scans/${ctx.plan.reference}/data/facemap`, 0) };
  }
  return withQuirkFields(ctx, body);
}

export function scanImages(ctx: PayloadContext): Json {
  const ref = ctx.plan.reference;
  const classifiers = scanImageClassifiers(ctx.plan);
  const images = classifiers.map((classifier, i) => ({
    classifier,
    href: href(ctx, `/scans/${ref}/images/${classifier}`, i),
  }));
  const liveness = livenessNumbers(ctx.plan).map((n, i) =>
    href(ctx, `/scans/${ref}/images/liveness/${n}`, images.length + i),
  );
  const body: Json = {
    timestamp: timestamp(ctx, 'list'),
    scanReference: ref,
    images: ctx.plan.imagesAsObject && images.length === 1 ? images[0] : images,
  };
  if (liveness.length > 0) body.livenessImages = liveness;
  return withQuirkFields(ctx, body);
}
