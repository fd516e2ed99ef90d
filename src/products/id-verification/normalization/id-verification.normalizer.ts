import {
  asObject,
  asOptionalObject,
  copyRecord,
  describeType,
  getOwn,
  imageNameFromClassifier,
  isAbsoluteHttpUrl,
  isEmptyRecord,
  isPlainObject,
  type JsonRecord,
  JumioPayloadError,
  livenessMediaRefs,
  type MediaRef,
  mediaRefsFromImageList,
  type NormalizeContext,
  normalizeTransactionSection,
  type ProductNormalizer,
  putIfNotEmpty,
  readLifecycleStatus,
  setOwn,
  splitKnown,
  type StatusVerdict,
  toArray,
  toBooleanLoose,
  uniqueByName,
} from '../../../engine/product-kit/index.js';
import {
  ID_DOCUMENT_FIELDS,
  type IdentityVerification,
  type IdVerificationChecks,
  type IdVerificationResult,
  type RejectReason,
  type RejectReasonDetail,
} from './id-verification.result.js';
import { rejectReasonDetailName, rejectReasonName } from './reject-reasons.js';

const STATUS_ANSWER = 'ID verification status answer';
const DATA = 'ID verification data';
const IMAGES = 'ID verification images answer';

/** Top-level keys of `/scans/{ref}/data`; `timestamp` and `scanReference` are not copied, `facemap` is a medium. */
const TOP_LEVEL_FIELDS = ['timestamp', 'scanReference', 'document', 'transaction', 'verification', 'facemap'];
const VERIFICATION_FIELDS = ['mrzCheck', 'identityVerification', 'rejectReason', 'additionalChecks'];
const IDENTITY_FIELDS = ['similarity', 'validity', 'reason'];
const REJECT_REASON_FIELDS = ['rejectReasonCode', 'rejectReasonDescription', 'rejectReasonDetails'];
const REJECT_DETAIL_FIELDS = ['detailsCode', 'detailsDescription'];
const ADDITIONAL_CHECKS = [
  'addressValidation',
  'proofOfResidency',
  'watchlistScreening',
  'faceSearchFindings',
  'personalNumberValidation',
];

/**
 * Reads the answer of `GET /scans/{ref}`: `DONE`/`FAILED` are final, `PENDING` is not; a status no table lists
 * is read as not final (`PENDING`), never as an error. `JumioPayloadError` when the answer is not an object or
 * `status` is missing or not a string.
 */
export function readIdVerificationStatus(payload: unknown): StatusVerdict {
  return readLifecycleStatus(payload, STATUS_ANSWER);
}

/**
 * Normalizes the answer of `GET /scans/{ref}/data` into the view's `result` (internal-api.md, rules 1 to 7).
 * `ctx` is not needed by ID verification (its only medium in the data, the facemap, is not a result field).
 */
export function normalizeIdVerification(data: unknown, ctx: NormalizeContext): IdVerificationResult {
  void ctx;
  const root = asObject(data, DATA);
  const extra: JsonRecord = {};
  const top = splitKnown(root, TOP_LEVEL_FIELDS);
  for (const key of Object.keys(top.unknown)) setOwn(extra, key, top.unknown[key]);

  const documentObj = asOptionalObject(getOwn(root, 'document'), `${DATA}: document`) ?? {};
  const document = splitKnown(documentObj, ID_DOCUMENT_FIELDS);
  putIfNotEmpty(extra, 'document', document.unknown);

  const transaction = normalizeTransactionSection(getOwn(root, 'transaction'), `${DATA}: transaction`);
  putIfNotEmpty(extra, 'transaction', transaction.unknown);

  const verificationExtra: JsonRecord = {};
  const verification = normalizeVerification(getOwn(root, 'verification'), verificationExtra);
  putIfNotEmpty(extra, 'verification', verificationExtra);

  const result: IdVerificationResult = {
    document: document.known,
    transaction: transaction.transaction,
    verification,
  };
  if (!isEmptyRecord(extra)) result.extra = extra;
  return result;
}

function normalizeVerification(value: unknown, extra: JsonRecord): IdVerificationChecks {
  const path = `${DATA}: verification`;
  const obj = asOptionalObject(value, path);
  if (!obj) return { mrzCheck: null, identityVerification: null, rejectReason: null, additionalChecks: null };
  const { unknown } = splitKnown(obj, VERIFICATION_FIELDS);
  for (const key of Object.keys(unknown)) setOwn(extra, key, unknown[key]);
  const mrzCheck = getOwn(obj, 'mrzCheck');
  return {
    mrzCheck: mrzCheck === undefined ? null : mrzCheck,
    identityVerification: normalizeIdentityVerification(getOwn(obj, 'identityVerification'), path, extra),
    rejectReason: normalizeRejectReason(getOwn(obj, 'rejectReason'), path, extra),
    additionalChecks: normalizeAdditionalChecks(getOwn(obj, 'additionalChecks'), path, extra),
  };
}

function normalizeIdentityVerification(
  value: unknown,
  parentPath: string,
  extra: JsonRecord,
): IdentityVerification | null {
  const obj = asOptionalObject(value, `${parentPath}.identityVerification`);
  if (!obj) return null;
  const { unknown } = splitKnown(obj, IDENTITY_FIELDS);
  putIfNotEmpty(extra, 'identityVerification', unknown);
  const similarity = getOwn(obj, 'similarity');
  const validity = getOwn(obj, 'validity');
  const out: IdentityVerification = {
    similarity: similarity === undefined ? null : similarity,
    validity: validity === undefined ? null : toBooleanLoose(validity),
  };
  if (getOwn(obj, 'reason') !== undefined) out.reason = getOwn(obj, 'reason');
  return out;
}

/** A reject code as a string: strings as they came, numbers stringified, absent → null; anything else fails. */
function readCode(value: unknown, fieldPath: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  throw new JumioPayloadError(`${fieldPath} must be a string or a number, got ${describeType(value)}`);
}

/** A description: a non-empty string as it came; absent or empty → null; anything else fails. */
function readDescription(value: unknown, fieldPath: string): string | null {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value === 'string') return value;
  throw new JumioPayloadError(`${fieldPath} must be a string, got ${describeType(value)}`);
}

function normalizeRejectReason(value: unknown, parentPath: string, extra: JsonRecord): RejectReason | null {
  const path = `${parentPath}.rejectReason`;
  const obj = asOptionalObject(value, path);
  if (!obj) return null;
  const rejectExtra = splitKnown(obj, REJECT_REASON_FIELDS).unknown;

  const code = readCode(getOwn(obj, 'rejectReasonCode'), `${path}.rejectReasonCode`);
  const description =
    readDescription(getOwn(obj, 'rejectReasonDescription'), `${path}.rejectReasonDescription`) ??
    (code === null ? null : rejectReasonName(code));

  const details: RejectReasonDetail[] = [];
  const detailsExtra: JsonRecord = {};
  toArray(getOwn(obj, 'rejectReasonDetails')).forEach((item, index) => {
    const itemPath = `${path}.rejectReasonDetails[${index}]`;
    const detail = asObject(item, itemPath);
    if (isEmptyRecord(detail)) return;
    const detailCode = readCode(getOwn(detail, 'detailsCode'), `${itemPath}.detailsCode`);
    const detailDescription =
      readDescription(getOwn(detail, 'detailsDescription'), `${itemPath}.detailsDescription`) ??
      (detailCode === null ? null : rejectReasonDetailName(detailCode));
    putIfNotEmpty(detailsExtra, String(details.length), splitKnown(detail, REJECT_DETAIL_FIELDS).unknown);
    details.push({ code: detailCode, description: detailDescription });
  });
  putIfNotEmpty(rejectExtra, 'rejectReasonDetails', detailsExtra);
  putIfNotEmpty(extra, 'rejectReason', rejectExtra);
  return { code, description, details };
}

function normalizeAdditionalChecks(
  value: unknown,
  parentPath: string,
  extra: JsonRecord,
): Record<string, unknown> | null {
  const path = `${parentPath}.additionalChecks`;
  const obj = asOptionalObject(value, path);
  if (!obj) return null;
  const { known, unknown } = splitKnown(obj, ADDITIONAL_CHECKS);
  putIfNotEmpty(extra, 'additionalChecks', unknown);
  const findings = getOwn(known, 'faceSearchFindings');
  if (findings !== undefined && findings !== null) {
    const findingsObj = copyRecord(asObject(findings, `${path}.faceSearchFindings`));
    setOwn(findingsObj, 'findings', toArray(getOwn(findingsObj, 'findings')));
    setOwn(known, 'faceSearchFindings', findingsObj);
  }
  return known;
}

/**
 * The media of an ID verification: from the answer of `GET /scans/{ref}/images` (`images`, one object or an
 * array of `{ classifier, href }` → `front`, `back`, `face`, other lower-case classifiers under their own name;
 * `livenessImages` → `liveness-<n>` by the href's trailing number) and from `/scans/{ref}/data`
 * (`facemap.href` → `facemap`). Either payload may be absent (`undefined`/`null`); one that is present but not
 * an object → `JumioPayloadError`. Hrefs that are not absolute http(s) URLs are skipped; for a duplicate name
 * the first ref wins.
 */
export function idVerificationMediaRefs(imagesPayload: unknown, data: unknown): MediaRef[] {
  const refs: MediaRef[] = [];
  const images = asOptionalObject(imagesPayload, IMAGES);
  if (images) {
    refs.push(...mediaRefsFromImageList(getOwn(images, 'images'), imageNameFromClassifier, 'image'));
    refs.push(...livenessMediaRefs(getOwn(images, 'livenessImages')));
  }
  const dataObj = asOptionalObject(data, DATA);
  if (dataObj) {
    const facemap = getOwn(dataObj, 'facemap');
    const href = isPlainObject(facemap) ? getOwn(facemap, 'href') : undefined;
    if (isAbsoluteHttpUrl(href)) refs.push({ name: 'facemap', href, mediumClass: 'facemap' });
  }
  return uniqueByName(refs);
}

/** This product's normalizer, as the engine calls it. */
export const idVerificationNormalizer: ProductNormalizer = {
  readStatus: readIdVerificationStatus,
  normalize: (details, context) => ({ ...normalizeIdVerification(details, context) }),
  mediaRefs: idVerificationMediaRefs,
};
