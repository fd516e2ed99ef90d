import { createHash } from 'node:crypto';
import type { TransactionPlan } from './simulator-scripts.js';

/**
 * JSON bodies of the Retrieval API, shaped like the examples in Jumio's guide. Values are derived from the
 * reference so that two transactions never look alike (tests and log searches can tell them apart) and the
 * same reference always answers the same data (apart from the response `timestamp`).
 */

export const API_PREFIX = '/api/netverify/v2';
/** Link-local metadata address: the classic target of an SSRF through a followed href. */
export const FOREIGN_ORIGIN = 'http://169.254.169.254';
/** A private (RFC 1918) address: the second href of a loopback-href answer. Nothing is ever served there. */
export const PRIVATE_ORIGIN = 'http://10.0.0.1';

/**
 * The first href of a loopback-href answer: loopback, on a port other than the one the request came in on
 * (port 1, tcpmux, which nothing serves; port 2 if the simulator itself were on port 1). Never served.
 */
export function loopbackOrigin(requestOrigin: string): string {
  let port = '';
  try {
    port = new URL(requestOrigin).port;
  } catch {
    // an unparsable Host header: any port will do, it is never the simulator's
  }
  return `http://127.0.0.1:${port === '1' ? 2 : 1}`;
}

/** Which hrefs an answer corrupts: `foreign` the first (FOREIGN_ORIGIN), `loopback` the first two. */
export type HrefFault = 'foreign' | 'loopback' | null;

export type Json = Record<string, unknown>;

export interface PayloadContext {
  plan: TransactionPlan;
  /** `http://<Host header>`: hrefs are absolute on the origin the request came in on. */
  origin: string;
  now: Date;
  /**
   * foreign-href fault: the first href of the answer points at FOREIGN_ORIGIN. loopback-href: the first at
   * `loopbackOrigin(origin)`, the second at PRIVATE_ORIGIN. The others stay on `origin`.
   */
  hrefFault: HrefFault;
}

type TimestampUse = 'status' | 'data' | 'list' | 'transactionDate' | 'authDate';

/**
 * Formats like Jumio does: `YYYY-MM-DDThh:mm:ss.SSSZ` normally. Quirky transactions use the variants seen in
 * the wild, fixed per use so tests can assert them: status `…:ssZ` (no milliseconds), data `….S+0000`,
 * image/page lists `….SS+0000`, transaction.date `….SSZ`; the authentication transactionDate never has a zone
 * (`….SSS`, quirky `….S`).
 */
export function formatTimestamp(date: Date, digits: 0 | 1 | 2 | 3, zone: 'Z' | '+0000' | ''): string {
  const iso = date.toISOString(); // always YYYY-MM-DDThh:mm:ss.SSSZ
  const seconds = iso.slice(0, 19);
  const millis = iso.slice(20, 23).slice(0, digits);
  return `${seconds}${digits > 0 ? `.${millis}` : ''}${zone}`;
}

function timestamp(ctx: PayloadContext, use: TimestampUse, date: Date = ctx.now): string {
  const q = ctx.plan.quirks;
  switch (use) {
    case 'status':
      return q ? formatTimestamp(date, 0, 'Z') : formatTimestamp(date, 3, 'Z');
    case 'data':
      return q ? formatTimestamp(date, 1, '+0000') : formatTimestamp(date, 3, 'Z');
    case 'list':
      return q ? formatTimestamp(date, 2, '+0000') : formatTimestamp(date, 3, 'Z');
    case 'transactionDate':
      return q ? formatTimestamp(date, 2, 'Z') : formatTimestamp(date, 3, 'Z');
    case 'authDate':
      return q ? formatTimestamp(date, 1, '') : formatTimestamp(date, 3, '');
  }
}

/** Deterministic per-reference values. */
class Persona {
  private readonly h: Buffer;
  readonly tag: string;

  constructor(reference: string) {
    this.h = createHash('sha256').update(`jumio-simulator persona ${reference}`).digest();
    this.tag = (reference.replace(/[^A-Za-z0-9]/g, '').slice(0, 8) || 'X').toUpperCase();
  }

  /** An unsigned number from bytes [i, i+4) of the hash. */
  n(i: number): number {
    return this.h.readUInt32BE(i % 28);
  }

  digits(i: number, count: number): string {
    let out = '';
    for (let k = 0; out.length < count; k++) out += String(this.n(i + k * 4));
    return out.slice(0, count);
  }

  date(i: number, fromYear: number, years: number): string {
    const y = fromYear + (this.n(i) % years);
    const m = 1 + (this.n(i + 1) % 12);
    const d = 1 + (this.n(i + 2) % 28);
    return `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
  }

  /** A UUID-shaped reference derived from the persona, for enrollment and face-search references. */
  uuid(salt: string): string {
    const x = createHash('sha256')
      .update(`${salt}:${this.h.toString('hex')}`)
      .digest('hex');
    return `${x.slice(0, 8)}-${x.slice(8, 12)}-4${x.slice(13, 16)}-a${x.slice(17, 20)}-${x.slice(20, 32)}`;
  }

  /** Creation time of the transaction: somewhere in 2024, fixed per reference. */
  createdAt(): Date {
    return new Date(Date.UTC(2024, 0, 1) + (this.n(20) % (365 * 86_400)) * 1000 + (this.n(24) % 1000));
  }

  get firstName(): string {
    return `JANE-${this.tag}`;
  }

  get lastName(): string {
    return `DOE-${this.tag}`;
  }
}

/** The href at position `index` (0-based, in the answer's order) of an answer. */
function href(ctx: PayloadContext, path: string, index: number): string {
  let origin = ctx.origin;
  if (ctx.hrefFault === 'foreign' && index === 0) origin = FOREIGN_ORIGIN;
  if (ctx.hrefFault === 'loopback' && index === 0) origin = loopbackOrigin(ctx.origin);
  if (ctx.hrefFault === 'loopback' && index === 1) origin = PRIVATE_ORIGIN;
  return `${origin}${API_PREFIX}${path}`;
}

function withQuirkFields(ctx: PayloadContext, body: Json): Json {
  return ctx.plan.quirks ? { ...body, newTopLevelField: { note: 'field no Jumio table lists', version: 2 } } : body;
}

/** Bodies of the status endpoints; `jumioStatus` is what the request log records. */
export interface StatusAnswer {
  body: Json;
  jumioStatus: string;
}

// ------------------------------------------------------------------------------------------------
// What exists once a transaction is final

export function scanImageClassifiers(plan: TransactionPlan): string[] {
  if (plan.final !== 'DONE') return [];
  return plan.imagesAsObject ? ['front'] : ['front', 'back', 'face'];
}

export function livenessNumbers(plan: TransactionPlan): number[] {
  const hasImages =
    plan.kind === 'scan'
      ? plan.final === 'DONE'
      : plan.kind === 'authentication'
        ? ['PASSED', 'FAILED', 'INVALID'].includes(plan.final)
        : false;
  return hasImages ? Array.from({ length: plan.livenessCount }, (_, i) => i + 1) : [];
}

export function hasFacemap(plan: TransactionPlan): boolean {
  return plan.kind === 'scan' && plan.final === 'DONE' && plan.facemap;
}

export function documentPages(plan: TransactionPlan): number[] {
  if (plan.kind !== 'document' || plan.final !== 'DONE') return [];
  return plan.imagesAsObject ? plan.pages.slice(0, 1) : plan.pages;
}

export function hasOriginal(plan: TransactionPlan): boolean {
  return plan.kind === 'document' && plan.final === 'DONE' && plan.originalDocument;
}

export function hasAuthFace(plan: TransactionPlan): boolean {
  return plan.kind === 'authentication' && ['PASSED', 'FAILED', 'INVALID'].includes(plan.final);
}

// ------------------------------------------------------------------------------------------------
// ID Verification (scans)

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
  const p = new Persona(ctx.plan.reference);
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

// ------------------------------------------------------------------------------------------------
// Document Verification

export function documentStatus(ctx: PayloadContext, settled: boolean): StatusAnswer {
  // Jumio documents only DONE and FAILED here; PENDING is what a client must treat as "not final".
  return scanStatus(ctx, settled);
}

const NOT_EXTRACTABLE = new Set(['CUSTOM', 'OTHER']);

function documentExtracted(plan: TransactionPlan, p: Persona): Json {
  const fullName = `${p.firstName} ${p.lastName}`;
  if (plan.documentType === 'CC') {
    const inner = {
      expiryDate: `${String(1 + (p.n(1) % 12)).padStart(2, '0')}/${30 + (p.n(2) % 5)}`,
      firstName: fullName,
      pan: `XXXXXXXXXXXX${p.digits(5, 4)}`,
      signaturePresent: 'true',
    };
    return { firstName: fullName, signatureAvailable: false, extractedData: JSON.stringify(inner) };
  }
  if (plan.documentType === 'SSC') {
    const ssn = `${p.digits(5, 3)}-${p.digits(7, 2)}-${p.digits(9, 4)}`;
    const inner = { lastName: p.lastName, firstName: p.firstName, signaturePresent: 'true', ssn };
    return {
      firstName: p.firstName,
      lastName: p.lastName,
      ssn,
      signatureAvailable: false,
      extractedData: JSON.stringify(inner),
    };
  }
  const inner = {
    city: 'CITY',
    addressFormat: 'RAW',
    postalCode: p.digits(3, 5),
    accountNumber: p.digits(11, 9),
    subdivision: 'XX',
    firstName: fullName,
    issueDate: p.date(14, 2023, 2),
    line1: `${1 + (p.n(8) % 9000)} EASY STREET`,
    signaturePresent: 'true',
  };
  return { firstName: fullName, signatureAvailable: false, extractedData: JSON.stringify(inner) };
}

function documentDocument(ctx: PayloadContext, p: Persona): Json | null {
  const { plan } = ctx;
  if (plan.final !== 'DONE') return null;
  const extractable = plan.flavour === 'approved' && !NOT_EXTRACTABLE.has(plan.documentType);
  const status = extractable ? 'EXTRACTED' : plan.flavour === 'rejected' ? 'DISCARDED' : 'UPLOADED';
  const doc: Json = { status, type: plan.documentType, country: plan.documentType === 'CC' ? 'AUT' : 'USA' };
  if (extractable) doc.extractedData = documentExtracted(plan, p);
  if (plan.documentType === 'CUSTOM') doc.customDocumentCode = `CUSTOM-${p.tag}`;
  if (hasOriginal(plan)) doc.originalDocument = href(ctx, `/documents/${plan.reference}/original`, 0);
  if (plan.quirks) doc.someNewField = 'SIMULATOR_NEW_VALUE';
  return doc;
}

function documentTransaction(ctx: PayloadContext, p: Persona): Json {
  return {
    status: ctx.plan.final,
    merchantScanReference: `MERCHANT-${p.tag}`,
    customerId: `CUSTOMER-${p.tag}`,
    merchantReportingCriteria: 'SIMULATOR',
    // DOC_SDK appears in Jumio's callback guide but not in the retrieval table: an enum value to keep as is.
    source: ctx.plan.quirks ? 'DOC_SDK' : 'DOC_UPLOAD',
  };
}

export type DocumentDataPart = 'all' | 'document' | 'transaction';

export function documentData(ctx: PayloadContext, part: DocumentDataPart): Json {
  const p = new Persona(ctx.plan.reference);
  const head = { timestamp: timestamp(ctx, 'data'), scanReference: ctx.plan.reference };
  const doc = documentDocument(ctx, p);
  if (part === 'document') return withQuirkFields(ctx, { ...head, ...(doc ?? {}) });
  if (part === 'transaction') return withQuirkFields(ctx, { ...head, ...documentTransaction(ctx, p) });
  const body: Json = { ...head };
  if (doc) body.document = doc;
  body.transaction = documentTransaction(ctx, p);
  return withQuirkFields(ctx, body);
}

export function documentPageList(ctx: PayloadContext): Json {
  const ref = ctx.plan.reference;
  const images = documentPages(ctx.plan).map((n, i) => ({
    classifier: n,
    href: href(ctx, `/documents/${ref}/pages/${n}`, i),
  }));
  return withQuirkFields(ctx, {
    timestamp: timestamp(ctx, 'list'),
    scanReference: ref,
    images: ctx.plan.imagesAsObject && images.length === 1 ? images[0] : images,
  });
}

// ------------------------------------------------------------------------------------------------
// Authentication: the status answer is the whole record; it has no `timestamp`.

export function authenticationStatus(ctx: PayloadContext, settled: boolean): StatusAnswer {
  const { plan } = ctx;
  const p = new Persona(plan.reference);
  const result = settled ? plan.final : 'STARTED';
  const body: Json = {
    transactionReference: plan.reference,
    enrollmentTransactionReference: p.uuid('enrollment'),
    transactionResult: result,
    transactionDate: timestamp(ctx, 'authDate', p.createdAt()),
    scanSource: plan.quirks ? 'WEB' : 'SDK',
    userReference: `USER-${p.tag}`,
  };
  if (settled && hasAuthFace(plan)) {
    const face = { classifier: 'face', href: href(ctx, `/authentications/${plan.reference}/images/face`, 0) };
    body.images = plan.imagesAsObject ? face : [face];
    const liveness = livenessNumbers(plan).map((n, i) =>
      href(ctx, `/authentications/${plan.reference}/images/liveness/${n}`, 1 + i),
    );
    if (liveness.length > 0) body.livenessImages = liveness;
  }
  return { body: withQuirkFields(ctx, body), jumioStatus: result };
}
