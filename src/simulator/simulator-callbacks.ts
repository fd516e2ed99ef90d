import { API_PREFIX, formatTimestamp, hasAuthFace, type Json, type PayloadContext } from './simulator-payloads.js';
import { authenticationStatus } from './simulator-payloads-authentication.js';
import { documentData } from './simulator-payloads-document.js';
import { scanData, scanImages } from './simulator-payloads-scan.js';
import type { TransactionPlan } from './simulator-scripts.js';
import type { SimulatorKind } from './simulator-types.js';

/** Where each product's callback is posted, under the configured callback base URL. */
export const CALLBACK_PATHS: Record<SimulatorKind, string> = {
  scan: 'id-verifications',
  document: 'document-verifications',
  authentication: 'authentications',
};

/**
 * Jumio's callback of a final transaction, as form fields (jumio-facts.md, section 7), built from the same data
 * the Retrieval API answers for it, under the callback's own names: ID Verification's flat `id*` fields with
 * JSON strings for nested values, Document Verification's `transaction` / `document` JSON strings, Authentication's
 * record. Links point at `origin` (the simulator), as Jumio's point at Jumio.
 */
export function callbackFields(plan: TransactionPlan, origin: string, now: Date): Record<string, string> {
  const ctx: PayloadContext = { plan, origin, now, hrefFault: null };
  const callbackDate = formatTimestamp(now, 3, 'Z');
  switch (plan.kind) {
    case 'scan':
      return scanCallback(ctx, callbackDate);
    case 'document':
      return documentCallback(ctx);
    case 'authentication':
      return authenticationCallback(ctx, callbackDate);
  }
}

function put(out: Record<string, string>, name: string, value: unknown): void {
  if (value === undefined || value === null) return;
  out[name] = typeof value === 'string' ? value : JSON.stringify(value);
}

function scanCallback(ctx: PayloadContext, callbackDate: string): Record<string, string> {
  const data = scanData(ctx, 'all');
  const document = (data.document ?? {}) as Json;
  const transaction = (data.transaction ?? {}) as Json;
  const verification = (data.verification ?? {}) as Json;
  const approved = document.status === 'APPROVED_VERIFIED';
  const check = approved ? 'OK' : 'N/A';
  const out: Record<string, string> = {
    callBackType: 'NETVERIFYID',
    jumioIdScanReference: ctx.plan.reference,
    callbackDate,
    verificationStatus: String(document.status),
    idScanStatus: approved ? 'SUCCESS' : 'ERROR',
    idScanSource: String(transaction.source),
    idCheckDataPositions: check,
    idCheckDocumentValidation: check,
    idCheckHologram: check,
    idCheckMRZcode: typeof verification.mrzCheck === 'string' ? verification.mrzCheck : 'N/A',
    idCheckMicroprint: check,
    idCheckSecurityFeatures: check,
    idCheckSignature: check,
    transactionDate: String(transaction.date),
  };
  const renames: Record<string, string> = {
    type: 'idType',
    idSubtype: 'idSubtype',
    issuingCountry: 'idCountry',
    firstName: 'idFirstName',
    lastName: 'idLastName',
    dob: 'idDob',
    expiry: 'idExpiry',
    number: 'idNumber',
    usState: 'idUsState',
    address: 'idAddress',
  };
  for (const [key, value] of Object.entries(document)) {
    if (key === 'status') continue;
    put(out, renames[key] ?? key, value);
  }
  put(out, 'merchantIdScanReference', transaction.merchantScanReference);
  put(out, 'customerId', transaction.customerId);
  put(out, 'clientIp', transaction.clientIp);
  put(out, 'merchantReportingCriteria', transaction.merchantReportingCriteria);
  put(out, 'identityVerification', verification.identityVerification);
  put(out, 'rejectReason', verification.rejectReason);
  const images = scanImages(ctx);
  for (const image of [images.images].flat() as Json[]) {
    const name = { front: 'idScanImage', back: 'idScanImageBackside', face: 'idScanImageFace' }[
      String(image.classifier)
    ];
    if (name) put(out, name, image.href);
  }
  put(out, 'livenessImages', images.livenessImages);
  if (data.facemap) put(out, 'facemap', (data.facemap as Json).href);
  if (ctx.plan.quirks) put(out, 'newCallbackField', 'field no Jumio table lists');
  return out;
}

function documentCallback(ctx: PayloadContext): Record<string, string> {
  const data = documentData(ctx, 'all');
  const out: Record<string, string> = { scanReference: ctx.plan.reference, timestamp: String(data.timestamp) };
  put(out, 'transaction', data.transaction);
  if (data.document) {
    const ref = ctx.plan.reference;
    const images = ctx.plan.pages.map((n) => `${ctx.origin}${API_PREFIX}/documents/${ref}/pages/${n}`);
    put(out, 'document', { ...(data.document as Json), images });
  }
  return out;
}

function authenticationCallback(ctx: PayloadContext, callbackDate: string): Record<string, string> {
  const record = authenticationStatus(ctx, true).body;
  const out: Record<string, string> = { callBackType: 'NETVERIFY_AUTHENTICATION', callbackDate };
  for (const key of [
    'transactionReference',
    'enrollmentTransactionReference',
    'transactionResult',
    'transactionDate',
    'scanSource',
    'userReference',
  ]) {
    put(out, key, record[key]);
  }
  if (hasAuthFace(ctx.plan)) put(out, 'idScanImageFace', [record.images].flat().map((i) => (i as Json).href)[0]);
  put(out, 'livenessImages', record.livenessImages);
  return out;
}
