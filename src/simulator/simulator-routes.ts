import { API_PREFIX } from './simulator-payloads.js';
import type { ScanDataPart } from './simulator-payloads-scan.js';
import type { SimulatorEndpoint, SimulatorKind } from './simulator-types.js';

/** A request path read as one of Jumio's Retrieval API v2 routes. */
export interface Route {
  kind: SimulatorKind | null;
  reference: string | null;
  endpoint: SimulatorEndpoint | 'unknown';
  mediumName: string | null;
  dataPart?: ScanDataPart;
  classifier?: string;
  number?: number;
}

const COLLECTIONS: Record<string, SimulatorKind> = {
  scans: 'scan',
  documents: 'document',
  authentications: 'authentication',
};
const NUMBER_SEGMENT = /^\d{1,6}$/;

function decodeSegment(s: string): string | null {
  try {
    return decodeURIComponent(s);
  } catch {
    return null;
  }
}

/** Maps a request path onto Jumio's Retrieval API v2 routes; anything else is `unknown` (404). */
export function parseRoute(pathname: string): Route {
  const unknown: Route = { kind: null, reference: null, endpoint: 'unknown', mediumName: null };
  if (!pathname.startsWith(`${API_PREFIX}/`)) return unknown;
  const raw = pathname.slice(API_PREFIX.length + 1).split('/');
  const segs = raw.map(decodeSegment);
  if (segs.some((s) => s === null || s === '')) return unknown;
  const [collection, reference, ...rest] = segs as string[];
  const kind = COLLECTIONS[collection];
  if (!kind || !reference) return unknown;
  const base = { kind, reference };
  const r = (endpoint: SimulatorEndpoint, extra: Partial<Route> = {}): Route => ({
    ...base,
    endpoint,
    mediumName: null,
    ...extra,
  });
  const [a, b, c, ...more] = rest;
  if (more.length > 0) return { ...base, endpoint: 'unknown', mediumName: null };
  if (a === undefined) return r('status');

  if (kind === 'scan') {
    if (a === 'data') {
      if (b === undefined) return r('data', { dataPart: 'all' });
      if (c !== undefined) return { ...r('data'), endpoint: 'unknown' };
      if (b === 'document' || b === 'transaction' || b === 'verification') return r('data', { dataPart: b });
      if (b === 'facemap') return r('facemap', { mediumName: 'facemap' });
    } else if (a === 'images') {
      if (b === undefined) return r('images');
      if (b === 'liveness' && c !== undefined && NUMBER_SEGMENT.test(c))
        return r('liveness', { number: Number(c), mediumName: `liveness-${Number(c)}` });
      if (b !== 'liveness' && c === undefined) return r('image', { classifier: b, mediumName: b });
    }
  } else if (kind === 'document') {
    if (a === 'data') {
      if (b === undefined) return r('data', { dataPart: 'all' });
      if (c === undefined && (b === 'document' || b === 'transaction')) return r('data', { dataPart: b });
    } else if (a === 'pages') {
      if (b === undefined) return r('pages');
      if (c === undefined && NUMBER_SEGMENT.test(b))
        return r('page', { number: Number(b), mediumName: `page-${Number(b)}` });
    } else if (a === 'original' && b === undefined) {
      return r('original', { mediumName: 'original' });
    }
  } else if (a === 'images') {
    if (b === 'liveness' && c !== undefined && NUMBER_SEGMENT.test(c))
      return r('liveness', { number: Number(c), mediumName: `liveness-${Number(c)}` });
    if (b !== undefined && b !== 'liveness' && c === undefined) return r('image', { classifier: b, mediumName: b });
  }
  return { ...base, endpoint: 'unknown', mediumName: null };
}
