/**
 * Checks on the bodies Jumio sends, before anything reaches the normalizers or storage. Pure functions: each
 * returns what is wrong (a sentence for the attempt log, without payload values) or the accepted value, and
 * none of them throws or recurses, whatever the input.
 */

/** Deeper than this, a JSON answer is not what Jumio's guide describes (its deepest payloads nest about 5 levels). */
export const MAX_JSON_DEPTH = 64;

/**
 * Whether the JSON text in `bytes` nests arrays/objects deeper than `limit`: one pass over the bytes, skipping
 * strings (with their escapes). Run before JSON.parse, so nothing deeply nested is ever built: V8's parser copes,
 * but JSON.stringify, the normalizers and PostgreSQL's jsonb (which has its own stack depth limit) would not.
 * UTF-8 is safe to scan bytewise: `"`, `\`, brackets and braces never occur inside a multibyte sequence.
 */
export function jsonNestingExceeds(bytes: Uint8Array, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: the next byte is escaped
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return true;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return false;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Why PostgreSQL's jsonb could not store this parsed JSON, or null: a string or key holding U+0000 (`\u0000`,
 * which jsonb refuses) or a lone UTF-16 surrogate (`\ud800`, likewise). Iterative; expects a value already
 * bounded in depth (see jsonNestingExceeds), but does not rely on it.
 */
export function unstorableJsonReason(value: unknown): string | null {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'string') {
      if (v.includes('\u0000')) return 'the JSON holds a \\u0000 character, which cannot be stored';
      if (LONE_SURROGATE.test(v)) return 'the JSON holds an unpaired UTF-16 surrogate, which cannot be stored';
    } else if (Array.isArray(v)) {
      for (const item of v) stack.push(item);
    } else if (v !== null && typeof v === 'object') {
      for (const [k, item] of Object.entries(v)) {
        stack.push(k);
        stack.push(item);
      }
    }
  }
  return null;
}

/** A JSON body read, or why it is refused. */
export type JsonBodyResult = { ok: true; json: unknown } | { ok: false; error: string };

/** Reads a JSON answer's bytes: not empty, not nested deeper than `maxDepth`, valid JSON, storable. */
export function readJsonBody(bytes: Uint8Array, maxDepth = MAX_JSON_DEPTH): JsonBodyResult {
  if (bytes.length === 0) return { ok: false, error: 'empty body where JSON was promised' };
  if (jsonNestingExceeds(bytes, maxDepth)) return { ok: false, error: `JSON nested deeper than ${maxDepth} levels` };
  let json: unknown;
  try {
    let text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // a UTF-8 byte order mark
    json = JSON.parse(text);
  } catch {
    // SyntaxError, and RangeError should an engine give up on some input: either way not JSON we can use.
    return { ok: false, error: 'the body is not valid JSON' };
  }
  const unstorable = unstorableJsonReason(json);
  return unstorable ? { ok: false, error: unstorable } : { ok: true, json };
}

const SIGNATURES: Record<string, { magic: Buffer; what: string }> = {
  'image/jpeg': { magic: Buffer.from([0xff, 0xd8, 0xff]), what: 'a JPEG' },
  'image/png': { magic: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), what: 'a PNG' },
  'application/pdf': { magic: Buffer.from('%PDF-', 'latin1'), what: 'a PDF' },
};

/**
 * Why a medium's bytes do not match its declared content type (JPEG: FF D8 FF; PNG: the 8-byte signature;
 * PDF: `%PDF-`), or null. Types without a known signature (facemaps) take any bytes.
 */
export function mediumSignatureProblem(contentType: string, bytes: Uint8Array): string | null {
  const sig = SIGNATURES[contentType];
  if (!sig) return null;
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, sig.magic.length));
  return head.equals(sig.magic) ? null : `the body is not ${sig.what} (declared ${contentType})`;
}
