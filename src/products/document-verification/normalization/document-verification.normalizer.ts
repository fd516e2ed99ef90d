import {
  asObject,
  asOptionalObject,
  copyRecord,
  getOwn,
  hasValue,
  isAbsoluteHttpUrl,
  isEmptyRecord,
  isPlainObject,
  type JsonRecord,
  type MediaRef,
  mediaRefsFromImageList,
  type NormalizeContext,
  normalizeTransactionSection,
  parseJsonString,
  type ProductNormalizer,
  putIfNotEmpty,
  readLifecycleStatus,
  setOwn,
  splitKnown,
  type StatusVerdict,
  toBooleanLoose,
  uniqueByName,
} from '../../../engine/product-kit/index.js';
import type {
  DocumentExtractedData,
  DocumentVerificationDocument,
  DocumentVerificationResult,
} from './document-verification.result.js';

export { DOCUMENT_STATUSES, DOCUMENT_TYPES } from './document-verification.result.js';

const STATUS_ANSWER = 'document verification status answer';
const DATA = 'document verification data';
const PAGES = 'document verification pages answer';

const TOP_LEVEL_FIELDS = ['timestamp', 'scanReference', 'document', 'transaction'];
/** `images` (a list of Jumio URLs in callback-shaped documents) is a medium list: known, never copied. */
const DOCUMENT_FIELDS = [
  'status',
  'type',
  'country',
  'customDocumentCode',
  'originalDocument',
  'extractedData',
  'images',
];
const EXTRACTED_FIELDS = ['signatureAvailable', 'ssn', 'firstName', 'lastName', 'extractedData'];

/**
 * Reads the answer of `GET /documents/{ref}`: `DONE`/`FAILED` are final; `PENDING` and any other status are
 * not final (never an error). `JumioPayloadError` when the answer is not an object or `status` is missing or
 * not a string.
 */
export function readDocumentVerificationStatus(payload: unknown): StatusVerdict {
  return readLifecycleStatus(payload, STATUS_ANSWER);
}

/**
 * Normalizes the answer of `GET /documents/{ref}/data` into the view's `result`. `originalDocument` becomes
 * `ctx.mediaHref('original')` when Jumio listed an original (an absolute http(s) URL); Jumio's URL never
 * appears in the result.
 */
export function normalizeDocumentVerification(data: unknown, ctx: NormalizeContext): DocumentVerificationResult {
  const root = asObject(data, DATA);
  const extra: JsonRecord = {};
  const top = splitKnown(root, TOP_LEVEL_FIELDS);
  for (const key of Object.keys(top.unknown)) setOwn(extra, key, top.unknown[key]);

  const documentExtra: JsonRecord = {};
  const document = normalizeDocument(getOwn(root, 'document'), ctx, documentExtra);
  putIfNotEmpty(extra, 'document', documentExtra);

  const transaction = normalizeTransactionSection(getOwn(root, 'transaction'), `${DATA}: transaction`);
  putIfNotEmpty(extra, 'transaction', transaction.unknown);

  const result: DocumentVerificationResult = { document, transaction: transaction.transaction };
  if (!isEmptyRecord(extra)) result.extra = extra;
  return result;
}

function normalizeDocument(value: unknown, ctx: NormalizeContext, extra: JsonRecord): DocumentVerificationDocument {
  const path = `${DATA}: document`;
  const obj = asOptionalObject(value, path) ?? {};
  const { unknown } = splitKnown(obj, DOCUMENT_FIELDS);
  for (const key of Object.keys(unknown)) setOwn(extra, key, unknown[key]);

  const valueOrNull = (key: string): unknown => (getOwn(obj, key) === undefined ? null : getOwn(obj, key));
  const document: DocumentVerificationDocument = {
    status: valueOrNull('status'),
    type: valueOrNull('type'),
    country: valueOrNull('country'),
    extractedData: null,
  };
  if (hasValue(obj, 'customDocumentCode')) document.customDocumentCode = getOwn(obj, 'customDocumentCode');
  if (isAbsoluteHttpUrl(getOwn(obj, 'originalDocument'))) document.originalDocument = ctx.mediaHref('original');
  document.extractedData = normalizeExtractedData(getOwn(obj, 'extractedData'), `${path}.extractedData`, extra);
  return document;
}

function normalizeExtractedData(value: unknown, path: string, extra: JsonRecord): DocumentExtractedData | null {
  const obj = asOptionalObject(value, path);
  if (!obj) return null;
  const extractedExtra = splitKnown(obj, EXTRACTED_FIELDS).unknown;

  const signatureAvailable = getOwn(obj, 'signatureAvailable');
  const out: DocumentExtractedData = {
    signatureAvailable: signatureAvailable === undefined ? null : toBooleanLoose(signatureAvailable),
    fields: {},
  };
  for (const key of ['ssn', 'firstName', 'lastName'] as const) {
    if (hasValue(obj, key)) out[key] = getOwn(obj, key);
  }

  const inner = getOwn(obj, 'extractedData');
  let fields: JsonRecord | null = null;
  if (inner === undefined || inner === null || (typeof inner === 'string' && inner.trim() === '')) {
    fields = {};
  } else if (isPlainObject(inner)) {
    fields = copyRecord(inner); // already an object: accepted as is
  } else {
    const parsed = parseJsonString(inner);
    if (parsed.ok && isPlainObject(parsed.value)) fields = copyRecord(parsed.value);
  }
  if (fields === null) {
    // Not a JSON object: nothing to read, but Jumio's value is kept, as it came.
    setOwn(extractedExtra, 'extractedData', inner);
    fields = {};
  }
  if (getOwn(fields, 'signaturePresent') !== undefined) {
    setOwn(fields, 'signaturePresent', toBooleanLoose(getOwn(fields, 'signaturePresent')));
  }
  out.fields = fields;
  putIfNotEmpty(extra, 'extractedData', extractedExtra);
  return out;
}

/** A page classifier (an integer, or a string of digits) → `page-<n>`; anything else → `null` (skipped). */
function pageName(classifier: unknown): string | null {
  if (typeof classifier === 'number' && Number.isSafeInteger(classifier) && classifier >= 0)
    return `page-${classifier}`;
  if (typeof classifier === 'string' && /^\d{1,15}$/.test(classifier)) return `page-${Number(classifier)}`;
  return null;
}

/**
 * The media of a document verification: from the answer of `GET /documents/{ref}/pages` (`images`, one object
 * or an array of `{ classifier: <page number>, href }` → `page-<n>`, images) and from `/documents/{ref}/data`
 * (`document.originalDocument`, an absolute http(s) URL; an empty string means none → `original`, a PDF).
 * Either payload may be absent (`undefined`/`null`); one that is present but not an object →
 * `JumioPayloadError`. For a duplicate name the first ref wins.
 */
export function documentVerificationMediaRefs(pagesPayload: unknown, data: unknown): MediaRef[] {
  const refs: MediaRef[] = [];
  const pages = asOptionalObject(pagesPayload, PAGES);
  if (pages) refs.push(...mediaRefsFromImageList(getOwn(pages, 'images'), pageName, 'image'));
  const dataObj = asOptionalObject(data, DATA);
  const document = dataObj ? getOwn(dataObj, 'document') : undefined;
  const original = isPlainObject(document) ? getOwn(document, 'originalDocument') : undefined;
  if (isAbsoluteHttpUrl(original)) refs.push({ name: 'original', href: original, mediumClass: 'pdf' });
  return uniqueByName(refs);
}

/** This product's normalizer, as the engine calls it. */
export const documentVerificationNormalizer: ProductNormalizer = {
  readStatus: readDocumentVerificationStatus,
  normalize: (details, context) => ({ ...normalizeDocumentVerification(details, context) }),
  mediaRefs: documentVerificationMediaRefs,
};
