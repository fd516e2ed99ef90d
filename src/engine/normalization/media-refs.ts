import type { MediaRef, MediumClass } from '../domain/product-contracts.js';
import { getOwn, isPlainObject, toArray } from './payload-readers.js';

/**
 * True for a string that is an absolute `http:`/`https:` URL with a host and no surrounding whitespace. Only
 * such hrefs become media refs; whether the host is the transaction's data center is the engine's check.
 */
export function isAbsoluteHttpUrl(value: unknown): value is string {
  if (typeof value !== 'string' || value === '' || value.trim() !== value || /\s/.test(value)) return false;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
}

/**
 * The integer that ends the path of an href, as a whole path segment (`.../images/liveness/3` → 3,
 * `.../liveness/12/` → 12, `.../liveness/3?x=1` → 3); `null` when there is none (`.../liveness3`, `.../face`).
 */
export function trailingInteger(href: string): number | null {
  let path: string;
  try {
    path = new URL(href).pathname;
  } catch {
    path = href.split(/[?#]/, 1)[0] ?? '';
  }
  const m = /(?:^|\/)(\d{1,15})\/?$/.exec(path);
  if (!m) return null;
  const n = Number(m[1]);
  return Number.isSafeInteger(n) ? n : null;
}

/**
 * Media refs from Jumio's `images` value, which may be one object or an array of `{ classifier, href }`.
 * `nameOf` turns a classifier into the contract's name (or `null` to skip the entry). Entries that are not
 * objects, or whose href is not an absolute http(s) URL, are skipped. Duplicate names are not removed here
 * (see `uniqueByName`).
 */
export function mediaRefsFromImageList(
  imagesValue: unknown,
  nameOf: (classifier: unknown) => string | null,
  mediumClass: MediumClass = 'image',
): MediaRef[] {
  const refs: MediaRef[] = [];
  for (const entry of toArray(imagesValue)) {
    if (!isPlainObject(entry)) continue;
    const href = getOwn(entry, 'href');
    if (!isAbsoluteHttpUrl(href)) continue;
    const name = nameOf(getOwn(entry, 'classifier'));
    if (name === null) continue;
    refs.push({ name, href, mediumClass });
  }
  return refs;
}

/**
 * Media refs from Jumio's `livenessImages` (an array of href strings; one string is read as a list of one):
 * `liveness-<n>`, where `<n>` is Jumio's liveness number, the trailing integer of the href's path. Hrefs
 * that are not absolute http(s) URLs or end in no integer are skipped.
 */
export function livenessMediaRefs(livenessValue: unknown): MediaRef[] {
  return livenessHrefs(livenessValue).map(({ href, n }) => ({
    name: `liveness-${n}`,
    href,
    mediumClass: 'image' as const,
  }));
}

/**
 * Jumio's `livenessImages` (an array of href strings; one string is read as a list of one) with the liveness
 * number of each: the trailing integer of the href's path. Hrefs that are not absolute http(s) URLs or end in no
 * integer are skipped.
 */
export function livenessHrefs(livenessValue: unknown): { href: string; n: number }[] {
  const out: { href: string; n: number }[] = [];
  for (const href of toArray(livenessValue)) {
    if (!isAbsoluteHttpUrl(href)) continue;
    const n = trailingInteger(href);
    if (n !== null) out.push({ href, n });
  }
  return out;
}

const CLASSIFIER_NAME = /^[a-z][a-z0-9-]{0,30}$/;

/**
 * The contract's name for an image classifier of ID Verification or Authentication: `front`, `back`, `face`,
 * and any other lower-case classifier matching `/^[a-z][a-z0-9-]{0,30}$/` under its own name, except names
 * the contract reserves for other media (`facemap`, `liveness`, `liveness-…`, `page-…`, `original`).
 * Anything else → `null` (skipped).
 */
export function imageNameFromClassifier(classifier: unknown): string | null {
  if (typeof classifier !== 'string' || !CLASSIFIER_NAME.test(classifier)) return null;
  if (classifier === 'facemap' || classifier === 'original') return null;
  if (/^(liveness|page)(-|$)/.test(classifier)) return null;
  return classifier;
}

/** Keeps the first ref of each name, in order. */
export function uniqueByName(refs: readonly MediaRef[]): MediaRef[] {
  const seen = new Set<string>();
  const out: MediaRef[] = [];
  for (const ref of refs) {
    if (seen.has(ref.name)) continue;
    seen.add(ref.name);
    out.push(ref);
  }
  return out;
}
