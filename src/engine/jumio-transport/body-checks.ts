/**
 * Checks on the media Jumio sends, before anything is stored (JSON answers are read by readJsonBody, in
 * normalization/json-budget.ts). Pure: returns what is wrong (a sentence for the attempt log, without payload
 * values), never throws.
 */

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
