import type { Kind } from '../common/kinds.js';

/** Jumio's name of each product, with its article, for the OpenAPI document's summaries. */
const PRODUCTS: Record<Kind, { name: string; article: 'a' | 'an' }> = {
  'id-verifications': { name: 'ID Verification', article: 'an' },
  'document-verifications': { name: 'Document Verification', article: 'a' },
  authentications: { name: 'Authentication', article: 'an' },
};

/** `ID Verification` */
export const productName = (kind: Kind): string => PRODUCTS[kind].name;

/** `an ID Verification` */
export const aProduct = (kind: Kind): string => `${PRODUCTS[kind].article} ${PRODUCTS[kind].name}`;

/** `IdVerifications`: the kind as a class-name prefix (operation ids and schema names in the document). */
export function pascalKind(kind: Kind): string {
  return kind.replace(/(^|-)(\w)/g, (_, __, c: string) => c.toUpperCase());
}
