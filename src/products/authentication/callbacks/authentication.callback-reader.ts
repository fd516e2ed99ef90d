import {
  CallbackFieldReader,
  type CallbackFields,
  type CallbackLinks,
  type JsonRecord,
  livenessNumbers,
  type ProductCallbackReader,
  sentMedium,
} from '../../../engine/product-kit/index.js';

const WHAT = 'authentication callback';
const SAME = ['enrollmentTransactionReference', 'transactionResult', 'transactionDate', 'scanSource', 'userReference'];

/**
 * Authentication's callback carries the fields of `/authentications/{ref}` under the same names; only the images
 * differ: `idScanImageFace` and `livenessImages` are Jumio's links, replaced by the Retrieval API's URLs of the
 * face and of each liveness number (the same list `/authentications/{ref}` gives, never the callback's links).
 */
export const authenticationCallbackReader: ProductCallbackReader = {
  referenceField: 'transactionReference',
  read(fields: CallbackFields, links: CallbackLinks) {
    const r = new CallbackFieldReader(fields, WHAT);
    const reference = r.required('transactionReference');
    r.required('transactionResult');
    const record: JsonRecord = { transactionReference: reference };
    r.copy(record, Object.fromEntries(SAME.map((f) => [f, f])));
    const base = `/authentications/${encodeURIComponent(reference)}/images`;
    if (sentMedium(r.text('idScanImageFace')))
      record.images = [{ classifier: 'face', href: links.href('scans', `${base}/face`) }];
    const liveness = livenessNumbers(r.json('livenessImages')).map((n) => links.href('scans', `${base}/liveness/${n}`));
    if (liveness.length > 0) record.livenessImages = liveness;
    r.consume('callBackType', 'callbackDate');
    const details = { ...r.rest(), ...record };
    return {
      status: details,
      details,
      journeyAt: fields.transactionDate ?? null,
      merchantReference: null,
      customerReference: fields.userReference ?? null,
    };
  },
};
