import {
  asObject,
  getOwn,
  imageNameFromClassifier,
  isEmptyRecord,
  livenessMediaRefs,
  type MediaRef,
  mediaRefsFromImageList,
  type NormalizeContext,
  normalizeTimestamp,
  type ProductNormalizer,
  readStatusString,
  splitKnown,
  type StatusVerdict,
  uniqueByName,
} from '../../../engine/product-kit/index.js';
import type { AuthenticationResult } from './authentication.result.js';

export { AUTHENTICATION_RESULTS } from './authentication.result.js';

const FINAL_RESULTS: ReadonlySet<string> = new Set(['PASSED', 'FAILED', 'INVALID', 'EXPIRED']);

const DETAILS = 'authentication details';

/** Known keys of `/authentications/{ref}`: the reference and the media lists are not copied into the result. */
const KNOWN_FIELDS = [
  'transactionReference',
  'enrollmentTransactionReference',
  'transactionResult',
  'transactionDate',
  'scanSource',
  'userReference',
  'images',
  'livenessImages',
];

/**
 * Reads `GET /authentications/{ref}` as a status: `CREATED`/`STARTED` → not final (`PENDING`);
 * `PASSED`/`FAILED`/`INVALID`/`EXPIRED` → final, shown as `DONE` (the decision is in
 * `result.transactionResult`); any other value → not final. `JumioPayloadError` when the answer is not an
 * object or `transactionResult` is missing or not a string.
 */
export function readAuthenticationStatus(payload: unknown): StatusVerdict {
  const raw = readStatusString(payload, 'transactionResult', DETAILS);
  return FINAL_RESULTS.has(raw) ? { final: true, status: 'DONE', raw } : { final: false, status: 'PENDING', raw };
}

/** Normalizes `GET /authentications/{ref}` (the details are the status answer) into the view's `result`. */
export function normalizeAuthentication(details: unknown, ctx: NormalizeContext): AuthenticationResult {
  void ctx;
  const root = asObject(details, DETAILS);
  const { unknown } = splitKnown(root, KNOWN_FIELDS);
  const valueOrNull = (key: string): unknown => (getOwn(root, key) === undefined ? null : getOwn(root, key));
  const transactionDate = valueOrNull('transactionDate');
  const result: AuthenticationResult = {
    transactionResult: valueOrNull('transactionResult'),
    enrollmentTransactionReference: valueOrNull('enrollmentTransactionReference'),
    transactionDate: transactionDate === null ? null : normalizeTimestamp(transactionDate),
    scanSource: valueOrNull('scanSource'),
    userReference: valueOrNull('userReference'),
  };
  if (!isEmptyRecord(unknown)) result.extra = unknown;
  return result;
}

/**
 * The media of an authentication, from its details: `images` (one object or an array; classifier `face` →
 * `face`, other lower-case classifiers under their own name) and `livenessImages` → `liveness-<n>` by the
 * href's trailing number. `JumioPayloadError` when the details are not an object.
 */
export function authenticationMediaRefs(details: unknown): MediaRef[] {
  const root = asObject(details, DETAILS);
  return uniqueByName([
    ...mediaRefsFromImageList(getOwn(root, 'images'), imageNameFromClassifier, 'image'),
    ...livenessMediaRefs(getOwn(root, 'livenessImages')),
  ]);
}

/** This product's normalizer, as the engine calls it (Authentication lists its media in the details). */
export const authenticationNormalizer: ProductNormalizer = {
  readStatus: readAuthenticationStatus,
  normalize: (details, context) => ({ ...normalizeAuthentication(details, context) }),
  mediaRefs: (_mediaList, details) => authenticationMediaRefs(details),
};
