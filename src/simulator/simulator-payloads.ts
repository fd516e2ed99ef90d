import { createHash } from 'node:crypto';
import type { TransactionPlan } from './simulator-scripts.js';
import type { SimulatorEndpoint } from './simulator-types.js';

/**
 * What the JSON bodies of every product share (their origins, timestamps, per-reference values, hrefs, quirk
 * fields) and which media a final transaction has. The bodies themselves, shaped like the examples in Jumio's
 * guide, are in simulator-payloads-scan.ts, -document.ts and -authentication.ts. Values are derived from the
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

export function timestamp(ctx: PayloadContext, use: TimestampUse, date: Date = ctx.now): string {
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

/** Deterministic per-reference values; a plan's own names, when its script gave them, replace the derived ones. */
export class Persona {
  private readonly h: Buffer;
  readonly tag: string;
  private readonly names: { firstName: string | null; lastName: string | null };

  constructor(plan: Pick<TransactionPlan, 'reference' | 'firstName' | 'lastName'>) {
    this.h = createHash('sha256').update(`jumio-simulator persona ${plan.reference}`).digest();
    this.tag = (plan.reference.replace(/[^A-Za-z0-9]/g, '').slice(0, 8) || 'X').toUpperCase();
    this.names = { firstName: plan.firstName, lastName: plan.lastName };
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
    return this.names.firstName ?? `JANE-${this.tag}`;
  }

  get lastName(): string {
    return this.names.lastName ?? `DOE-${this.tag}`;
  }
}

/** The href at position `index` (0-based, in the answer's order) of an answer. */
export function href(ctx: PayloadContext, path: string, index: number): string {
  let origin = ctx.origin;
  if (ctx.hrefFault === 'foreign' && index === 0) origin = FOREIGN_ORIGIN;
  if (ctx.hrefFault === 'loopback' && index === 0) origin = loopbackOrigin(ctx.origin);
  if (ctx.hrefFault === 'loopback' && index === 1) origin = PRIVATE_ORIGIN;
  return `${origin}${API_PREFIX}${path}`;
}

export function withQuirkFields(ctx: PayloadContext, body: Json): Json {
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

/** Whether a final transaction's answer on this endpoint (and `/data` part) carries hrefs. */
export function finalAnswerHasHrefs(
  plan: TransactionPlan,
  endpoint: SimulatorEndpoint | 'unknown',
  dataPart: string | undefined,
): boolean {
  if (plan.final === 'NOT_FOUND') return false;
  switch (plan.kind) {
    case 'scan':
      if (endpoint === 'images') return scanImageClassifiers(plan).length + livenessNumbers(plan).length > 0;
      return endpoint === 'data' && dataPart === 'all' && hasFacemap(plan);
    case 'document':
      if (endpoint === 'pages') return documentPages(plan).length > 0;
      return endpoint === 'data' && (dataPart === 'all' || dataPart === 'document') && hasOriginal(plan);
    case 'authentication':
      return endpoint === 'status' && hasAuthFace(plan);
  }
}
