import type { TransactionPlan } from './simulator-scripts.js';
import { documentPages, hasOriginal, href, Persona, timestamp, withQuirkFields } from './simulator-payloads.js';
import type { Json, PayloadContext, StatusAnswer } from './simulator-payloads.js';
import { scanStatus } from './simulator-payloads-scan.js';

/** Document Verification: the bodies of `/documents/{ref}`, `/data`, `/data/{part}` and `/pages`. */

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
  const p = new Persona(ctx.plan);
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
