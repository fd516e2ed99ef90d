import { createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import type { SimulatorKind } from './simulator-types.js';

/**
 * Media the simulator serves: small but genuinely valid files, so that the service's media handling (type
 * sniffing, size limits, storage) is exercised on real formats. Every byte depends only on (kind, reference,
 * medium name, maskhint): a test can recompute what the simulator served with `expectedMedium` and compare it
 * with what the service stored.
 */

export interface Medium {
  bytes: Buffer;
  contentType: string;
}

export const JPEG = 'image/jpeg';
export const PNG = 'image/png';
export const PDF = 'application/pdf';
export const OCTET_STREAM = 'application/octet-stream';

/**
 * A 2x2 grey baseline JFIF JPEG (331 bytes, the test fixture IPython ships as `core/tests/2x2.jpg`). Embedding a
 * file that real decoders are known to read is safer than hand-encoding entropy-coded data here.
 */
const BASE_JPEG = Buffer.from(
  '/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8UHRofHh0aHBwgJC4nICIsIxwcKDcpLDAxNDQ0Hyc5PTgy' +
    'PC4zNDL/wAALCAACAAIBAREA/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEG' +
    'E1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJ' +
    'ipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3+Pn6/9oACAEBAAA/ACv/2Q==',
  'base64',
);

/** SOI (2 bytes) + the APP0 JFIF segment (marker 2 + length 16): JFIF wants APP0 right after SOI. */
const JPEG_AFTER_APP0 = 2 + 2 + BASE_JPEG.readUInt16BE(4);

function sha256(data: string | Buffer): Buffer {
  return createHash('sha256').update(data).digest();
}

/** The base JPEG with a COM segment carrying `label`, so each medium has distinct, attributable bytes. */
export function makeJpeg(label: string): Buffer {
  const text = Buffer.from(label, 'utf8').subarray(0, 0xfffd);
  const com = Buffer.alloc(4);
  com.writeUInt16BE(0xfffe, 0);
  com.writeUInt16BE(text.length + 2, 2);
  return Buffer.concat([BASE_JPEG.subarray(0, JPEG_AFTER_APP0), com, text, BASE_JPEG.subarray(JPEG_AFTER_APP0)]);
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 as PNG chunks use it (same polynomial as zlib's). */
export function crc32(data: Buffer): number {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** An 8x8 RGB PNG whose colours and tEXt comment derive from `label`. */
export function makePng(label: string): Buffer {
  const size = 8;
  const seed = sha256(label);
  const stride = size * 3 + 1;
  const raw = Buffer.alloc(stride * size);
  for (let y = 0; y < size; y++) {
    raw[y * stride] = 0; // filter type None: keeps the pixels exactly what the seed says
    for (let x = 0; x < size; x++) {
      const o = y * stride + 1 + x * 3;
      raw[o] = (seed[0] + x * 24) & 0xff;
      raw[o + 1] = (seed[1] + y * 24) & 0xff;
      raw[o + 2] = seed[(x + y) % seed.length];
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type: truecolour
  // compression, filter method, interlace: all 0
  return Buffer.concat([
    PNG_SIGNATURE,
    pngChunk('IHDR', ihdr),
    pngChunk('tEXt', Buffer.from(`Comment\0${label}`, 'latin1')),
    pngChunk('IDAT', deflateSync(raw)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

function pdfString(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?').replace(/([\\()])/g, '\\$1');
}

/** A one-page PDF 1.4 with a correct xref table, showing the reference as text. */
export function makePdf(reference: string, label: string): Buffer {
  const content = `BT /F1 12 Tf 20 100 Td (Jumio simulator original document) Tj 0 -20 Td (${pdfString(reference)}) Tj ET\n`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 420 144] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${content.length} >>\nstream\n${content}endstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let out = `%PDF-1.4\n% ${pdfString(label)}\n`;
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xrefAt = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const off of offsets) out += `${String(off).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xrefAt}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

/** Facemaps are opaque to the service; 1 KiB of bytes chained from the label, behind a recognisable magic. */
export function makeFacemap(label: string): Buffer {
  const parts: Buffer[] = [Buffer.from('JSIMFMAP', 'latin1')];
  let block = sha256(label);
  for (let i = 0; i < 32; i++) {
    parts.push(block);
    block = sha256(block);
  }
  return Buffer.concat(parts);
}

export interface MediumOptions {
  /** Document pages only: masked (default) or unmasked card image. */
  masked?: boolean;
}

const LIVENESS = /^liveness-([1-9]\d{0,5})$/;
const PAGE = /^page-(\d{1,6})$/;

function mediumLabel(kind: SimulatorKind, reference: string, name: string, suffix = ''): string {
  return `jumio-simulator ${kind} ${reference}/${name}${suffix}`;
}

/**
 * The exact bytes and Content-Type the simulator serves for one medium, named the way the service names media:
 * scan `front`, `back`, `face`, `liveness-<n>`, `facemap`; document `page-<classifier>` (opts.masked, default
 * true), `original`; authentication `face`, `liveness-<n>`. Liveness images alternate PNG (odd n) and JPEG
 * (even n) so that clients cannot assume one image type. Throws for a name the kind does not have.
 */
export function expectedMedium(kind: SimulatorKind, reference: string, name: string, opts: MediumOptions = {}): Medium {
  const label = (suffix = '') => mediumLabel(kind, reference, name, suffix);
  const liveness = LIVENESS.exec(name);
  if ((kind === 'scan' || kind === 'authentication') && liveness) {
    const n = Number(liveness[1]);
    return n % 2 === 1
      ? { bytes: makePng(label()), contentType: PNG }
      : { bytes: makeJpeg(label()), contentType: JPEG };
  }
  if (kind === 'scan') {
    if (name === 'front' || name === 'back' || name === 'face') return { bytes: makeJpeg(label()), contentType: JPEG };
    if (name === 'facemap') return { bytes: makeFacemap(label()), contentType: OCTET_STREAM };
  } else if (kind === 'authentication') {
    if (name === 'face') return { bytes: makeJpeg(label()), contentType: JPEG };
  } else if (kind === 'document') {
    if (PAGE.test(name)) {
      const masked = opts.masked ?? true;
      return { bytes: makeJpeg(label(masked ? ' masked' : ' unmasked')), contentType: JPEG };
    }
    if (name === 'original') return { bytes: makePdf(reference, label()), contentType: PDF };
  }
  throw new Error(`no medium named "${name}" for kind ${kind}`);
}

/**
 * An oversize medium (the `oversize` fault): `sizeBytes` bytes that start like a file of `contentType` (a JPEG's
 * SOI and JFIF APP0, the PNG signature, `%PDF-1.4`, the facemap magic) followed by filler. Only its size matters:
 * a client must refuse it by size, before looking at it.
 */
export function makeOversize(contentType: string, sizeBytes: number): Buffer {
  const header =
    contentType === JPEG
      ? BASE_JPEG.subarray(0, JPEG_AFTER_APP0)
      : contentType === PNG
        ? PNG_SIGNATURE
        : contentType === PDF
          ? Buffer.from('%PDF-1.4\n', 'latin1')
          : Buffer.from('JSIMFMAP', 'latin1');
  const out = Buffer.alloc(sizeBytes, 0x5a);
  header.copy(out, 0, 0, Math.min(header.length, sizeBytes));
  return out;
}
