import {
  asObject,
  asOptionalObject,
  CallbackFieldReader,
  type CallbackFields,
  type CallbackLinks,
  copyRecord,
  getOwn,
  isAbsoluteHttpUrl,
  type JsonRecord,
  JumioPayloadError,
  type ProductCallbackReader,
} from '../../../engine/product-kit/index.js';

const WHAT = 'document verification callback';

/**
 * Document Verification's callback already uses the retrieval names: `transaction` and `document` are the
 * objects of `/documents/{ref}/data`, sent as JSON strings. What differs: the status is `transaction.status`;
 * `document.images` (Jumio's page links) is dropped, the pages come from the Retrieval API's `/pages` list; and
 * `document.originalDocument` is replaced by the Retrieval API's URL of the original (the callback's link is
 * never called).
 */
export const documentVerificationCallbackReader: ProductCallbackReader = {
  referenceField: 'scanReference',
  read(fields: CallbackFields, links: CallbackLinks) {
    const r = new CallbackFieldReader(fields, WHAT);
    const reference = r.required('scanReference');
    const timestamp = r.text('timestamp');
    const transaction = asObject(r.json('transaction'), `${WHAT}: transaction`);
    const status = getOwn(transaction, 'status');
    if (typeof status !== 'string') throw new JumioPayloadError(`${WHAT}: transaction.status is required`);
    const documentSent = asOptionalObject(r.json('document'), `${WHAT}: document`);
    const details: JsonRecord = { ...r.rest(), timestamp, scanReference: reference };
    if (documentSent) {
      const document = copyRecord(documentSent);
      delete document.images;
      const original = getOwn(document, 'originalDocument');
      if (isAbsoluteHttpUrl(original))
        document.originalDocument = links.href('documents', `/documents/${encodeURIComponent(reference)}/original`);
      details.document = document;
    }
    details.transaction = transaction;
    const journeyAt = getOwn(transaction, 'date');
    const text = (v: unknown) => (typeof v === 'string' ? v : null);
    return {
      status: { timestamp, scanReference: reference, status },
      details,
      journeyAt: text(journeyAt),
      merchantReference: text(getOwn(transaction, 'merchantScanReference')),
      customerReference: text(getOwn(transaction, 'customerId')),
    };
  },
};
