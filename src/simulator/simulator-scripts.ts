import type {
  FaultScript,
  FaultType,
  ScriptFinal,
  ScriptVariant,
  SimulatorEndpoint,
  SimulatorKind,
  TransactionScript,
} from './simulator-types.js';

/**
 * A test's script of a transaction: the values it may name, its validation, and the plan (every default filled
 * in) and faults it makes. Unscripted references get their plan from simulator-derived-plans.ts.
 */

export const KINDS: readonly SimulatorKind[] = ['scan', 'document', 'authentication'];
export const FAULT_TYPES: readonly FaultType[] = [
  'http500',
  'http429',
  'http403',
  'timeout',
  'reset',
  'malformed',
  'slow',
  'foreign-href',
  'truncated',
  'huge-json',
  'deep-json',
  'wrong-content-type',
  'oversize',
  'loopback-href',
];
/** Fault types that take `sizeBytes`, and its default for each. */
export const DEFAULT_SIZE_BYTES: Partial<Record<FaultType, number>> = {
  'huge-json': 8 * 1024 * 1024,
  oversize: 16 * 1024 * 1024,
};
export const MAX_SIZE_BYTES = 64 * 1024 * 1024;
export const ENDPOINTS: readonly SimulatorEndpoint[] = [
  'status',
  'data',
  'images',
  'image',
  'liveness',
  'facemap',
  'pages',
  'page',
  'original',
  'delete',
  'any',
];
const VARIANTS: readonly ScriptVariant[] = ['approved', 'rejected', 'not-readable', 'quirky'];
const SCAN_DOC_FINALS: readonly ScriptFinal[] = ['DONE', 'FAILED', 'NOT_FOUND'];
const AUTH_FINALS: readonly ScriptFinal[] = ['DONE', 'PASSED', 'FAILED', 'INVALID', 'EXPIRED', 'NOT_FOUND'];

export const DEFAULT_TIMEOUT_HOLD_MS = 120_000;
const MAX_DELAY_MS = 600_000;
const MAX_PENDING_POLLS = 1_000_000;

export type ResultFlavour = 'approved' | 'rejected' | 'not-readable';
/** Scan and document: DONE, FAILED, NOT_FOUND. Authentication: PASSED, FAILED, INVALID, EXPIRED, NOT_FOUND. */
export type PlanFinal = 'DONE' | 'FAILED' | 'NOT_FOUND' | 'PASSED' | 'INVALID' | 'EXPIRED';

/** A script with every default filled in; what payload builders read. */
export interface TransactionPlan {
  kind: SimulatorKind;
  reference: string;
  scripted: boolean;
  /** Infinity: pending forever. */
  pendingPolls: number;
  final: PlanFinal;
  flavour: ResultFlavour;
  quirks: boolean;
  livenessCount: number;
  facemap: boolean;
  pages: number[];
  documentType: string;
  originalDocument: boolean;
  allowUnmasked: boolean;
  imagesAsObject: boolean;
  rejectReasonCode: string | null;
  /** The script's names; null: derived from the reference (Persona). */
  firstName: string | null;
  lastName: string | null;
}

export interface ActiveFault {
  endpoint: SimulatorEndpoint;
  type: FaultType;
  remaining: number;
  retryAfterSeconds: number | null;
  delayMs: number | null;
  /** huge-json and oversize: the size to serve (their default when the script gave none). */
  sizeBytes: number | null;
}

/** A script field that is not acceptable; the HTTP control API answers 400 naming `field`. */
export class ScriptError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'ScriptError';
  }
}

const SCRIPT_FIELDS = new Set([
  'kind',
  'reference',
  'pendingPolls',
  'final',
  'variant',
  'livenessCount',
  'facemap',
  'pages',
  'documentType',
  'originalDocument',
  'allowUnmasked',
  'imagesAsObject',
  'quirks',
  'rejectReasonCode',
  'firstName',
  'lastName',
  'faults',
  'callback',
]);
const FAULT_FIELDS = new Set(['endpoint', 'type', 'times', 'retryAfterSeconds', 'delayMs', 'sizeBytes']);

/** References end up in URL paths and hrefs, so nothing that would need escaping there is accepted. */
const REFERENCE_PATTERN = /^[A-Za-z0-9._~-]{1,100}$/;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function intField(
  obj: Record<string, unknown>,
  field: string,
  path: string,
  min: number,
  max: number,
): number | undefined {
  const v = obj[field];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new ScriptError(path, `must be an integer from ${min} to ${max}`);
  }
  return v;
}

function boolField(obj: Record<string, unknown>, field: string): boolean | undefined {
  const v = obj[field];
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') throw new ScriptError(field, 'must be a boolean');
  return v;
}

function oneOf<T extends string>(
  obj: Record<string, unknown>,
  field: string,
  path: string,
  allowed: readonly T[],
): T | undefined {
  const v = obj[field];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    throw new ScriptError(path, `must be one of ${allowed.join(', ')}`);
  }
  return v as T;
}

function validateFault(input: unknown, index: number): FaultScript {
  const path = `faults[${index}]`;
  if (!isObject(input)) throw new ScriptError(path, 'must be an object');
  for (const key of Object.keys(input)) {
    if (!FAULT_FIELDS.has(key)) throw new ScriptError(`${path}.${key}`, 'unknown field');
  }
  const type = oneOf(input, 'type', `${path}.type`, FAULT_TYPES);
  if (!type) throw new ScriptError(`${path}.type`, 'is required');
  const fault: FaultScript = { type };
  const endpoint = oneOf(input, 'endpoint', `${path}.endpoint`, ENDPOINTS);
  if (endpoint) fault.endpoint = endpoint;
  const times = intField(input, 'times', `${path}.times`, 1, 1_000_000);
  if (times !== undefined) fault.times = times;
  const retryAfter = intField(input, 'retryAfterSeconds', `${path}.retryAfterSeconds`, 0, 86_400);
  if (retryAfter !== undefined) fault.retryAfterSeconds = retryAfter;
  const delayMs = intField(input, 'delayMs', `${path}.delayMs`, 0, MAX_DELAY_MS);
  if (delayMs !== undefined) fault.delayMs = delayMs;
  const sizeBytes = intField(input, 'sizeBytes', `${path}.sizeBytes`, 1, MAX_SIZE_BYTES);
  if (sizeBytes !== undefined) {
    if (DEFAULT_SIZE_BYTES[type] === undefined)
      throw new ScriptError(`${path}.sizeBytes`, 'only huge-json and oversize take sizeBytes');
    fault.sizeBytes = sizeBytes;
  }
  return fault;
}

/**
 * Checks a script as it came (from a test or from JSON) and returns a clean copy. Unknown fields are refused
 * rather than ignored: a misspelt option would otherwise silently test the default behaviour.
 */
export function validateScript(input: unknown): TransactionScript {
  if (!isObject(input)) throw new ScriptError('body', 'must be a JSON object');
  for (const key of Object.keys(input)) {
    if (!SCRIPT_FIELDS.has(key)) throw new ScriptError(key, 'unknown field');
  }
  const kind = oneOf(input, 'kind', 'kind', KINDS);
  if (!kind) throw new ScriptError('kind', 'is required');
  const reference = input.reference;
  if (typeof reference !== 'string' || !REFERENCE_PATTERN.test(reference)) {
    throw new ScriptError('reference', 'must be 1 to 100 characters of A-Z a-z 0-9 . _ ~ -');
  }
  const script: TransactionScript = { kind, reference };

  const pendingPolls = intField(input, 'pendingPolls', 'pendingPolls', 0, MAX_PENDING_POLLS);
  if (pendingPolls !== undefined) script.pendingPolls = pendingPolls;
  const final = oneOf(input, 'final', 'final', kind === 'authentication' ? AUTH_FINALS : SCAN_DOC_FINALS);
  if (final) script.final = final;
  const variant = oneOf(input, 'variant', 'variant', VARIANTS);
  if (variant) script.variant = variant;
  const livenessCount = intField(input, 'livenessCount', 'livenessCount', 0, 50);
  if (livenessCount !== undefined) script.livenessCount = livenessCount;

  for (const field of ['facemap', 'originalDocument', 'allowUnmasked', 'imagesAsObject', 'quirks'] as const) {
    const v = boolField(input, field);
    if (v !== undefined) script[field] = v;
  }

  if (input.pages !== undefined) {
    const pages = input.pages;
    if (!Array.isArray(pages) || pages.length > 50)
      throw new ScriptError('pages', 'must be an array of at most 50 page numbers');
    pages.forEach((p, i) => {
      if (typeof p !== 'number' || !Number.isInteger(p) || p < 0 || p > 999_999) {
        throw new ScriptError(`pages[${i}]`, 'must be an integer from 0 to 999999');
      }
    });
    if (new Set(pages).size !== pages.length) throw new ScriptError('pages', 'must not repeat a page number');
    script.pages = [...(pages as number[])];
  }
  if (input.documentType !== undefined) {
    if (typeof input.documentType !== 'string' || !/^[A-Z][A-Z0-9_]{0,19}$/.test(input.documentType)) {
      throw new ScriptError('documentType', 'must be an upper-case type code such as CC, BS, SSC, CUSTOM');
    }
    script.documentType = input.documentType;
  }
  if (input.rejectReasonCode !== undefined) {
    if (typeof input.rejectReasonCode !== 'string' || !/^\d{1,5}$/.test(input.rejectReasonCode)) {
      throw new ScriptError('rejectReasonCode', 'must be a string of 1 to 5 digits');
    }
    script.rejectReasonCode = input.rejectReasonCode;
  }
  for (const field of ['firstName', 'lastName'] as const) {
    const v = input[field];
    if (v === undefined) continue;
    if (typeof v !== 'string' || v.length < 1 || v.length > 200)
      throw new ScriptError(field, 'must be a string of 1 to 200 characters');
    script[field] = v;
  }
  if (input.faults !== undefined) {
    if (!Array.isArray(input.faults) || input.faults.length > 100)
      throw new ScriptError('faults', 'must be an array of at most 100 faults');
    script.faults = input.faults.map((f, i) => validateFault(f, i));
  }
  if (input.callback !== undefined) script.callback = validateCallback(input.callback, script.final);
  return script;
}

const MAX_DELIVERIES = 5;

function validateCallback(input: unknown, final: ScriptFinal | undefined): TransactionScript['callback'] {
  if (input === 'never') return 'never';
  if (!isObject(input)) throw new ScriptError('callback', 'must be "never" or an object { afterMs?, deliveries? }');
  for (const key of Object.keys(input)) {
    if (key !== 'afterMs' && key !== 'deliveries') throw new ScriptError(`callback.${key}`, 'unknown field');
  }
  if (final === 'NOT_FOUND')
    throw new ScriptError('callback', 'Jumio sends no callback for a transaction it does not have (final NOT_FOUND)');
  const out: { afterMs?: number; deliveries?: number } = {};
  const afterMs = intField(input, 'afterMs', 'callback.afterMs', 0, MAX_DELAY_MS);
  if (afterMs !== undefined) out.afterMs = afterMs;
  const deliveries = intField(input, 'deliveries', 'callback.deliveries', 1, MAX_DELIVERIES);
  if (deliveries !== undefined) out.deliveries = deliveries;
  return out;
}

function normaliseFinal(kind: SimulatorKind, final: ScriptFinal | undefined): PlanFinal {
  if (kind !== 'authentication') return final ?? 'DONE';
  // DONE is the generic default of the script type; for authentications it can only mean a passed one.
  if (final === undefined || final === 'DONE') return 'PASSED';
  return final;
}

/** Fills the defaults of a validated script. */
export function planFromScript(script: TransactionScript): TransactionPlan {
  const variant = script.variant ?? 'approved';
  const quirky = variant === 'quirky';
  return {
    kind: script.kind,
    reference: script.reference,
    scripted: true,
    pendingPolls: script.pendingPolls ?? 0,
    final: normaliseFinal(script.kind, script.final),
    flavour: quirky ? 'approved' : variant,
    quirks: script.quirks ?? quirky,
    livenessCount: script.livenessCount ?? 2,
    facemap: script.facemap ?? true,
    pages: script.pages ? [...script.pages] : [1, 2],
    documentType: script.documentType ?? 'CC',
    originalDocument: script.originalDocument ?? true,
    allowUnmasked: script.allowUnmasked ?? false,
    imagesAsObject: script.imagesAsObject ?? quirky,
    rejectReasonCode: script.rejectReasonCode ?? null,
    firstName: script.firstName ?? null,
    lastName: script.lastName ?? null,
  };
}

export function faultsFromScript(script: TransactionScript): ActiveFault[] {
  return (script.faults ?? []).map((f) => ({
    endpoint: f.endpoint ?? 'any',
    type: f.type,
    remaining: f.times ?? 1,
    retryAfterSeconds: f.retryAfterSeconds ?? null,
    delayMs: f.delayMs ?? null,
    sizeBytes: f.sizeBytes ?? DEFAULT_SIZE_BYTES[f.type] ?? null,
  }));
}
