/**
 * The budget of any JSON the service reads from outside (Jumio's answers and callbacks, the JSON Jumio sends inside
 * strings, request bodies): nesting is checked before anything is parsed, so nothing deeply nested is ever built,
 * and what PostgreSQL's jsonb cannot hold is found before it is stored. Pure functions: each returns what is wrong
 * (a sentence without payload values) or the accepted value, and none of them throws or recurses, whatever the input.
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

/** Whether a string holds a UTF-16 surrogate without its pair: no UTF-8 text can carry it. */
export function hasUnpairedSurrogate(text: string): boolean {
  return LONE_SURROGATE.test(text);
}

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
      if (hasUnpairedSurrogate(v)) return 'the JSON holds an unpaired UTF-16 surrogate, which cannot be stored';
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
