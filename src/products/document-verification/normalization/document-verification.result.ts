import type { JumioTransaction } from '../../../engine/product-kit/index.js';

/** Every document type of Jumio's Document Verification guide. Types not listed are accepted and kept. */
export const DOCUMENT_TYPES = [
  'CC',
  'BS',
  'IC',
  'UB',
  'CAAP',
  'CRC',
  'CCS',
  'LAG',
  'LOAP',
  'MOAP',
  'TR',
  'VT',
  'VC',
  'STUC',
  'HCC',
  'CB',
  'SENC',
  'MEDC',
  'BC',
  'WWCC',
  'SS',
  'TAC',
  'SEL',
  'PB',
  'SSC',
  'CUSTOM',
  'OTHER',
] as const;
export type DocumentType = (typeof DOCUMENT_TYPES)[number];

/** Document statuses of the guide (`UPLOADED` is the default). Others are accepted and kept. */
export const DOCUMENT_STATUSES = ['UPLOADED', 'EXTRACTED', 'DISCARDED'] as const;
export type DocumentStatus = (typeof DOCUMENT_STATUSES)[number];

export interface DocumentExtractedData {
  /** `true`/`false` (Jumio sends a boolean or `"true"`/`"false"`); an unrecognised value is kept; `null` when absent. */
  signatureAvailable: unknown;
  /** Present only when Jumio sent them. */
  ssn?: unknown;
  firstName?: unknown;
  lastName?: unknown;
  /**
   * Jumio's inner `extractedData` (a JSON string) parsed, with `signaturePresent` `"true"`/`"false"` as a
   * boolean; `{}` when Jumio sent none, or when it was not a JSON object (the raw value is then kept at
   * `extra.document.extractedData.extractedData`).
   */
  fields: Record<string, unknown>;
}

export interface DocumentVerificationDocument {
  /** `UPLOADED`, `EXTRACTED`, `DISCARDED` or whatever Jumio sent; `null` when absent. */
  status: unknown;
  /** One of `DOCUMENT_TYPES` or whatever Jumio sent; `null` when absent. */
  type: unknown;
  /** ISO 3166-1 alpha-3 (or XKX) as Jumio sent it; `null` when absent. */
  country: unknown;
  /** Present only when Jumio sent one (type `CUSTOM`). */
  customDocumentCode?: unknown;
  /** The service's href of the stored original PDF, present only when Jumio listed one; never Jumio's URL. */
  originalDocument?: string;
  /** `null` when Jumio sent no `extractedData`. */
  extractedData: DocumentExtractedData | null;
}

export interface DocumentVerificationResult {
  document: DocumentVerificationDocument;
  /** Jumio's transaction: `date` ISO-8601 UTC with `Z`, `source` in underscore form. */
  transaction: JumioTransaction;
  /** Fields Jumio sent that the service does not know, as they came, nested by origin. Omitted when empty. */
  extra?: Record<string, unknown>;
}
