import fc from 'fast-check';
import { gzipSync } from 'node:zlib';
import { UNREADABLE_TIMESTAMPS } from './hostile-values';

/**
 * fast-check arbitraries for requests, built from the service's own OpenAPI document: each operation's path and
 * query parameters and JSON body, valid or broken the way its schema invites (format-aware: UUIDs, timestamps,
 * enums, lengths and bounds at and over each limit), plus what no schema mentions (NUL, lone surrogates, invalid
 * UTF-8, duplicate and prototype-named keys, nesting at and over the limit, sizes at and over 64 KiB, other
 * content types and charsets, missing or wrong keys).
 */

export interface Schema {
  type?: string;
  format?: string;
  enum?: unknown[];
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  example?: unknown;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: Schema | boolean;
  $ref?: string;
  items?: Schema;
}

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  schema?: Schema;
}

export interface Operation {
  method: string;
  path: string;
  parameters: Parameter[];
  /** The request body's media type and schema, when the operation takes one. */
  body: { type: string; schema: Schema } | null;
}

export interface OpenApiDocument {
  paths: Record<
    string,
    Record<string, { parameters?: Parameter[]; requestBody?: { content: Record<string, { schema: Schema }> } }>
  >;
  components: { schemas: Record<string, Schema> };
}

/** Every operation of the document, with $refs of its parameters and body resolved. */
export function operationsOf(doc: OpenApiDocument): Operation[] {
  const resolve = (schema: Schema | undefined): Schema => {
    if (!schema) return {};
    if (schema.$ref) return resolve(doc.components.schemas[schema.$ref.split('/').pop()!]);
    return schema;
  };
  return Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => {
      const content = op.requestBody ? Object.entries(op.requestBody.content)[0] : undefined;
      return {
        method: method.toUpperCase(),
        path,
        parameters: (op.parameters ?? []).map((p) => ({ ...p, schema: resolve(p.schema) })),
        body: content ? { type: content[0], schema: resolveDeep(content[1].schema, resolve) } : null,
      };
    }),
  );
}

function resolveDeep(schema: Schema, resolve: (s: Schema | undefined) => Schema): Schema {
  const s = resolve(schema);
  if (!s.properties) return s;
  return {
    ...s,
    properties: Object.fromEntries(Object.entries(s.properties).map(([k, v]) => [k, resolve(v)])),
  };
}

// ------------------------------------------------------------------------------------------------
// Strings

const INJECTIONS = [
  "' OR 1=1 --",
  '"; DROP TABLE tracked_transaction; --',
  '${jndi:ldap://x}',
  '<script>alert(1)</script>',
  '+ADw-img+AD4-',
  '../../etc/passwd',
  '{{7*7}}',
  '%00',
  'NaN',
  '-1',
  '0x10',
  '1e308',
  'null',
  'undefined',
  '__proto__',
  'constructor',
];

/** Text of every kind: ASCII, any Unicode (emoji, RTL, combining marks), NUL, lone surrogates, injections. */
export const hostileText = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.constantFrom(...INJECTIONS),
  fc.tuple(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 })).map(([a, b]) => `${a}\u0000${b}`),
  fc.constantFrom('\ud800', 'a\udc00b', '\udfff\ud800', '\u202eRTL', 'e\u0301', '😀', '\ufeff', '\uffff'),
);

/** A string of exactly n characters, cheaply. */
const ofLength = (n: number, unit = 'x') => unit.repeat(Math.ceil(n / unit.length)).slice(0, n);

function stringFor(schema: Schema, personal: fc.Arbitrary<string>): fc.Arbitrary<unknown> {
  const valid: fc.Arbitrary<unknown>[] = [];
  const broken: fc.Arbitrary<unknown>[] = [hostileText, personal, fc.constant(''), fc.integer(), fc.constant(null)];
  if (schema.enum) {
    valid.push(fc.constantFrom(...schema.enum));
    broken.push(fc.constantFrom(...schema.enum.map((e) => String(e).toLowerCase())), fc.constant([schema.enum[0]]));
  }
  if (schema.format === 'uuid') {
    valid.push(fc.uuid());
    broken.push(
      fc.uuid().map((u) => u.toUpperCase()),
      fc.uuid().map((u) => u.replace(/-/g, '')),
      fc.uuid().map((u) => `${u}0`),
      fc.uuid().map((u) => `${u.slice(0, 10)}\u0000${u.slice(11)}`),
    );
  }
  if (schema.format === 'date-time') {
    valid.push(
      fc
        .date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2026-11-26T10:00:00Z'), noInvalidDate: true })
        .chain((d) =>
          fc.constantFrom(
            d.toISOString(),
            d.toISOString().replace('Z', '+00:00'),
            d.toISOString().replace('T', 't').replace('Z', 'z'),
            `${d.toISOString().slice(0, 19)}.123456789Z`,
          ),
        ),
    );
    broken.push(
      fc.constantFrom(
        ...UNREADABLE_TIMESTAMPS,
        '1999-12-31T23:59:59Z',
        '9999-12-31T23:59:59Z',
        '10000-01-01T00:00:00Z',
        '2026-11-26T23:59:60Z',
        '2026-02-30T10:00:00Z',
        '2026-11-26T10:15:00+24:00',
        '2026-11-26T10:15:00.Z',
        '1764151200000',
      ),
    );
  }
  if (schema.maxLength !== undefined) {
    const max = schema.maxLength;
    valid.push(personal, fc.constantFrom(ofLength(max), ofLength(max, 'é'), ofLength(max - 1, 'x') + '😀'.slice(0, 1)));
    broken.push(fc.constantFrom(ofLength(max + 1), ofLength(max + 1, 'é'), ofLength(max * 4)));
  }
  if (valid.length === 0) valid.push(schema.example !== undefined ? fc.constant(schema.example) : fc.string());
  return fc.oneof({ arbitrary: fc.oneof(...valid), weight: 3 }, { arbitrary: fc.oneof(...broken), weight: 2 });
}

function numberFor(schema: Schema): fc.Arbitrary<unknown> {
  const min = schema.minimum ?? 0;
  const max = schema.maximum ?? 1_000_000;
  return fc.oneof(
    { arbitrary: fc.integer({ min, max }), weight: 3 },
    {
      arbitrary: fc.oneof(
        fc.constantFrom(min - 1, max + 1, min + 0.5, -0, 2 ** 53, -(2 ** 63), 1e308, Number.MIN_VALUE),
        fc.double(),
        fc.constantFrom('1', '1e2', '0x10', '', 'NaN', true, null, [1], { n: 1 }),
      ),
      weight: 2,
    },
  );
}

/** A value for a schema: valid most of the time, otherwise broken the way the schema invites. */
export function valueFor(schema: Schema, personal: fc.Arbitrary<string>): fc.Arbitrary<unknown> {
  if (schema.type === 'number' || schema.type === 'integer') return numberFor(schema);
  if (schema.type === 'boolean') return fc.oneof(fc.boolean(), fc.constantFrom('true', 1, null));
  return stringFor(schema, personal);
}

// ------------------------------------------------------------------------------------------------
// Paths and query strings (raw, so that invalid percent-encoding and lone surrogates can be sent)

/** A URL component: a value percent-encoded as UTF-8, or bytes no UTF-8 text encodes to. */
export function urlComponent(value: fc.Arbitrary<unknown>): fc.Arbitrary<string> {
  return fc.oneof(
    { arbitrary: value.map(encodeLoosely), weight: 6 },
    {
      arbitrary: fc.constantFrom('%ED%A0%80', '%ff', '%c3', '%', '%zz', '%00', '%E2%82', '..', '%2e%2e%2f', '%2F'),
      weight: 1,
    },
  );
}

/** encodeURIComponent, except that a lone surrogate (which it refuses) is sent as the bytes CESU-8 would use. */
function encodeLoosely(value: unknown): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? '');
  let out = '';
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (code >= 0xd800 && code <= 0xdfff)
      out += `%${(0xe0 | (code >> 12)).toString(16)}%${(0x80 | ((code >> 6) & 0x3f)).toString(16)}%${(0x80 | (code & 0x3f)).toString(16)}`;
    else out += encodeURIComponent(ch);
  }
  return out;
}

/** The query string for an operation's query parameters: valid, broken, repeated, unknown and prototype-named keys. */
export function queryFor(parameters: Parameter[], personal: fc.Arbitrary<string>): fc.Arbitrary<string> {
  const known = parameters.filter((p) => p.in === 'query');
  const pairs = known.map((p) =>
    fc.option(
      fc
        .tuple(urlComponent(valueFor(p.schema ?? {}, personal)), fc.boolean())
        .map(([v, twice]) => (twice ? `${p.name}=${v}&${p.name}=${v}` : `${p.name}=${v}`)),
      { freq: 2 },
    ),
  );
  const extra = fc.option(
    fc.oneof(
      fc.constantFrom('toString=1', '__proto__=x', 'constructor=1', 'valueOf=1', 'hasOwnProperty=1', 'prototype=1'),
      fc
        .tuple(urlComponent(fc.string({ minLength: 1, maxLength: 12 })), urlComponent(hostileText))
        .map(([k, v]) => `${k}=${v}`),
      fc.constantFrom('a[b]=1', 'a=1&a=2&a=3', '&&', '=', 'x', `long=${ofLength(8000)}`),
    ),
    { freq: 4 },
  );
  return fc.tuple(fc.tuple(...pairs), extra).map(([given, more]) => {
    const all = [...given.filter((p): p is string => p !== null), ...(more === null ? [] : [more])];
    return all.length === 0 ? '' : `?${all.join('&')}`;
  });
}

// ------------------------------------------------------------------------------------------------
// JSON bodies

const PROTOTYPE_KEYS = [
  '__proto__',
  'constructor',
  'toString',
  'valueOf',
  'hasOwnProperty',
  '__defineGetter__',
  'prototype',
];

/** A JSON value nested `depth` levels (objects and arrays), around `inner`. */
const nested = (depth: number, inner: string) =>
  Array.from({ length: depth }, (_, i) => (i % 2 === 0 ? '[' : '{"a":')).join('') +
  inner +
  Array.from({ length: depth }, (_, i) => (i % 2 === 0 ? ']' : '}'))
    .reverse()
    .join('');

/**
 * A JSON body's text for an object schema: its fields valid or broken, some left out, unknown and prototype-named
 * keys, a key twice, a value nested at and over 32 levels, or the whole padded to 64 KiB and just over.
 */
export function jsonTextFor(schema: Schema, personal: fc.Arbitrary<string>): fc.Arbitrary<string> {
  const fields = Object.entries(schema.properties ?? {}).map(([name, s]) =>
    fc.option(
      valueFor(s, personal).map((v) => `${JSON.stringify(name)}:${JSON.stringify(v) ?? 'null'}`),
      { freq: (schema.required ?? []).includes(name) ? 8 : 2 },
    ),
  );
  const extra = fc.oneof(
    fc.constantFrom(...PROTOTYPE_KEYS).map((k) => `${JSON.stringify(k)}:{"admin":true}`),
    fc.tuple(hostileText, hostileText).map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`),
    fc.integer({ min: 30, max: 34 }).map((d) => `"deep":${nested(d, '1')}`),
    fc.constant(`"x":null`),
  );
  const object = fc
    .tuple(fc.tuple(...fields), fc.option(extra, { freq: 3 }), fc.boolean())
    .map(([given, more, repeatFirst]) => {
      const members = [...given.filter((f): f is string => f !== null), ...(more === null ? [] : [more])];
      if (repeatFirst && members.length > 0) members.push(members[0]);
      return `{${members.join(',')}}`;
    });
  return fc.oneof(
    { arbitrary: object, weight: 12 },
    {
      arbitrary: fc.oneof(
        // At and over the limits of size and depth, and whole bodies that are not objects.
        fc.tuple(object, fc.integer({ min: -2, max: 2 })).map(([o, d]) => padTo(o, 64 * 1024 + d)),
        fc.integer({ min: 30, max: 34 }).map((d) => nested(d, '{}')),
        fc.constantFrom(
          '{"a":'.repeat(10_000),
          '['.repeat(10_000) + ']'.repeat(10_000),
          '[]',
          '"text"',
          'null',
          '42',
          '',
          ' ',
          '{',
          '{"a":1}x',
        ),
        fc.constantFrom(
          '{"reference":"\\ud800"}',
          '{"\\u0000":1}',
          '{"reference":"\\u0000"}',
          '{"a":"\\udc00\\ud800"}',
        ),
      ),
      weight: 2,
    },
  );
}

/** A JSON object text padded with spaces before its closing brace to `bytes` (when it is shorter). */
function padTo(objectText: string, bytes: number): string {
  const missing = bytes - Buffer.byteLength(objectText);
  return missing <= 0 ? objectText : `${objectText.slice(0, -1)}${' '.repeat(missing)}}`;
}

/** How a body is sent: its Content-Type, Content-Encoding, and bytes (valid UTF-8 or not). */
export interface BodyEncoding {
  contentType: string | null;
  gzip: boolean;
  breakUtf8: boolean;
}

/** true one time in six. */
const rarely = fc.oneof({ arbitrary: fc.constant(false), weight: 5 }, { arbitrary: fc.constant(true), weight: 1 });

export const jsonEncoding: fc.Arbitrary<BodyEncoding> = fc.record({
  contentType: fc.oneof(
    { arbitrary: fc.constant('application/json'), weight: 10 },
    {
      arbitrary: fc.constantFrom(
        'application/json; charset=utf-8',
        'Application/JSON; charset="UTF-8"',
        'application/vnd.api+json',
        'application/json; charset=utf-16',
        'application/json; charset=utf-7',
        'application/json; charset=latin1',
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        'json',
        '',
        null,
      ),
      weight: 3,
    },
  ),
  gzip: rarely,
  breakUtf8: rarely,
});

/** The bytes of a body text as sent: invalid UTF-8 inserted, gzipped, as asked. */
export function bodyBytes(text: string, encoding: BodyEncoding): Buffer {
  let bytes = Buffer.from(text, 'utf8');
  if (encoding.breakUtf8 && bytes.length > 2) {
    const at = Math.floor(bytes.length / 2);
    bytes = Buffer.concat([bytes.subarray(0, at), Buffer.from([0xff, 0xc3]), bytes.subarray(at)]);
  }
  return encoding.gzip ? gzipSync(bytes) : bytes;
}
