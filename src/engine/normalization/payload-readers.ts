import { JumioPayloadError, type StatusVerdict } from '../domain/product-contracts.js';
import { MAX_JSON_DEPTH, jsonNestingExceeds } from './json-budget.js';
import { normalizeTimestamp } from './timestamps.js';

/**
 * Small, pure readers for Jumio's untrusted JSON payloads, shared by every product's normalizer.
 *
 * Conventions (every product follows them):
 * - Only `JumioPayloadError` is thrown, and only when a payload is not the shape the guide promises where the
 *   normalizer has to look inside (a container that is not an object, a required field missing or of the wrong
 *   type). Messages name the field and what was wrong (with the JSON type found), never a value from the payload.
 * - Values the normalizer only passes through are kept as they came, whatever their type.
 * - Properties are read as own properties only (`getOwn`) and written with `setOwn`, so a key such as
 *   `__proto__` or `constructor` in a payload is plain data, never prototype machinery.
 */

/** A JSON object as read from a payload. */
export type JsonRecord = Record<string, unknown>;

/** The JSON type of a value, for error messages (never the value itself). */
export function describeType(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string':
      return 'a string';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'a boolean';
    case 'object':
      return 'an object';
    default:
      return `a ${typeof value}`;
  }
}

/** True for a plain (JSON-like) object: not null, not an array, prototype Object.prototype or null. */
export function isPlainObject(value: unknown): value is JsonRecord {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** The value as an object; `JumioPayloadError` naming `fieldPath` otherwise (null and arrays included). */
export function asObject(value: unknown, fieldPath: string): JsonRecord {
  if (!isPlainObject(value)) {
    throw new JumioPayloadError(`${fieldPath} must be a JSON object, got ${describeType(value)}`);
  }
  return value;
}

/** Like `asObject`, but `undefined`/`null` (absent) read as `null` instead of failing. */
export function asOptionalObject(value: unknown, fieldPath: string): JsonRecord | null {
  if (value === undefined || value === null) return null;
  return asObject(value, fieldPath);
}

/** An own property of the object (never one inherited from its prototype). */
export function getOwn(obj: JsonRecord, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(obj, key) ? obj[key] : undefined;
}

/** True when the object has the own property `key` with a value other than `undefined`/`null`. */
export function hasValue(obj: JsonRecord, key: string): boolean {
  const value = getOwn(obj, key);
  return value !== undefined && value !== null;
}

/** Defines an own enumerable property, safe for any key (including `__proto__`). */
export function setOwn(target: JsonRecord, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** A shallow copy of an object's own enumerable properties, made with `setOwn`. */
export function copyRecord(obj: JsonRecord): JsonRecord {
  const out: JsonRecord = {};
  for (const key of Object.keys(obj)) setOwn(out, key, obj[key]);
  return out;
}

/**
 * `true`/`"true"` (any letter case) → `true`; `false`/`"false"` (any letter case) → `false`; anything else is
 * returned unchanged (an unknown value is kept, not guessed).
 */
export function toBooleanLoose(value: unknown): unknown {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    const lower = value.toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
  }
  return value;
}

/** One-or-many as an array: `undefined`/`null` → `[]`, an array → itself, anything else → `[value]`. */
export function toArray(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value;
  return [value];
}

/**
 * Splits an object's own keys into those the normalizer knows and the rest (rule 7: unknown fields are kept
 * under `extra`, as they came). Shallow: values are the payload's own values, not copies.
 */
export function splitKnown(
  obj: JsonRecord,
  knownKeys: readonly string[] | ReadonlySet<string>,
): { known: JsonRecord; unknown: JsonRecord } {
  const known: JsonRecord = {};
  const unknown: JsonRecord = {};
  const isKnown = (key: string): boolean =>
    Array.isArray(knownKeys) ? knownKeys.includes(key) : (knownKeys as ReadonlySet<string>).has(key);
  for (const key of Object.keys(obj)) setOwn(isKnown(key) ? known : unknown, key, obj[key]);
  return { known, unknown };
}

/** True when the object has no own enumerable keys. */
export function isEmptyRecord(obj: JsonRecord): boolean {
  return Object.keys(obj).length === 0;
}

/** Sets `target[key] = value` only when `value` has keys (so `extra` never carries empty branches). */
export function putIfNotEmpty(target: JsonRecord, key: string, value: JsonRecord): void {
  if (!isEmptyRecord(value)) setOwn(target, key, value);
}

export type JsonParseResult = { ok: true; value: unknown } | { ok: false; tooDeep?: true };

/**
 * The JSON Jumio sends inside a string (a callback's fields, Document Verification's extractedData), read within
 * the JSON budget: `JSON.parse` that never throws, `{ ok: true, value }` or `{ ok: false }` (also for a non-string),
 * with `tooDeep` when it nests deeper than MAX_JSON_DEPTH (then it is never parsed: nothing downstream, the
 * normalizers, JSON.stringify or jsonb, could take it).
 */
export function parseJsonString(str: unknown): JsonParseResult {
  if (typeof str !== 'string') return { ok: false };
  if (jsonNestingExceeds(Buffer.from(str, 'utf8'), MAX_JSON_DEPTH)) return { ok: false, tooDeep: true };
  try {
    return { ok: true, value: JSON.parse(str) as unknown };
  } catch {
    return { ok: false };
  }
}

/**
 * Reads the status field of a status answer: the payload must be an object and `field` a string, otherwise
 * `JumioPayloadError` (naming `what` and the field, never a value). An unknown string is returned as is: the
 * product decides what it means.
 */
export function readStatusString(payload: unknown, field: string, what: string): string {
  const obj = asObject(payload, what);
  const value = getOwn(obj, field);
  if (value === undefined || value === null) {
    throw new JumioPayloadError(`${what}: "${field}" is missing`);
  }
  if (typeof value !== 'string') {
    throw new JumioPayloadError(`${what}: "${field}" must be a string, got ${describeType(value)}`);
  }
  return value;
}

/**
 * Reads a scans or documents status answer: `DONE`/`FAILED` are final; `PENDING` and any value no table lists
 * are not final (never an error: the documents endpoint lists no PENDING, yet one may come).
 */
export function readLifecycleStatus(payload: unknown, what: string): StatusVerdict {
  const raw = readStatusString(payload, 'status', what);
  if (raw === 'DONE' || raw === 'FAILED') return { final: true, status: raw, raw };
  return { final: false, status: 'PENDING', raw };
}

// ------------------------------------------------------------------------------------------------
// Jumio's `transaction` object (ID Verification and Document Verification share it)

/** The transaction fields of Jumio's guide (ID and Document Verification). */
export const JUMIO_TRANSACTION_FIELDS = [
  'status',
  'source',
  'date',
  'clientIp',
  'customerId',
  'merchantScanReference',
  'merchantReportingCriteria',
] as const;
export type JumioTransactionField = (typeof JUMIO_TRANSACTION_FIELDS)[number];

/** Jumio's transaction, normalized: `date` as ISO-8601 UTC, `source` in underscore form; values otherwise as sent. */
export type JumioTransaction = Partial<Record<JumioTransactionField, unknown>>;

/** Sources Jumio documents; the guide's table writes some with hyphens, every real response with underscores. */
export const JUMIO_SOURCES = [
  'WEB',
  'WEB_CAM',
  'WEB_UPLOAD',
  'REDIRECT',
  'REDIRECT_CAM',
  'REDIRECT_UPLOAD',
  'API',
  'SDK',
  'DOC_API',
  'DOC_UPLOAD',
  'DOC_SDK',
] as const;
const SOURCES_BY_HYPHEN_FORM = new Map<string, string>(
  JUMIO_SOURCES.filter((s) => s.includes('_')).map((s) => [s.replace(/_/g, '-'), s]),
);

/** `WEB-UPLOAD` → `WEB_UPLOAD` (and the other documented sources); any other value is returned unchanged. */
export function normalizeSource(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  return SOURCES_BY_HYPHEN_FORM.get(value) ?? value;
}

/**
 * Normalizes Jumio's `transaction` object (`date` via `normalizeTimestamp`, `source` via `normalizeSource`).
 * Absent (`undefined`/`null`) → `{}`; not an object → `JumioPayloadError`. Unknown fields are returned
 * separately, as they came.
 */
export function normalizeTransactionSection(
  value: unknown,
  fieldPath: string,
): { transaction: JumioTransaction; unknown: JsonRecord } {
  const obj = asOptionalObject(value, fieldPath);
  if (!obj) return { transaction: {}, unknown: {} };
  const { known, unknown } = splitKnown(obj, JUMIO_TRANSACTION_FIELDS);
  if (Object.prototype.hasOwnProperty.call(known, 'date')) known.date = normalizeTimestamp(known.date);
  if (Object.prototype.hasOwnProperty.call(known, 'source')) known.source = normalizeSource(known.source);
  return { transaction: known as JumioTransaction, unknown };
}
