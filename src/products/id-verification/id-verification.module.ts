import { productModule } from '../../engine/products/product-module.js';
import { IdVerificationResultDto } from './dto/id-verification-result.dto.js';
import { ScanRetrievalGateway } from './id-verification.gateway.js';
import { idVerificationMediaRefs, normalizeIdVerification, readIdVerificationStatus } from './normalization/id-verification.normalizer.js';

/** ID Verification (Netverify): `/v1/id-verifications`. */
export const IdVerificationModule = productModule({
  kind: 'id-verifications',
  gateway: ScanRetrievalGateway,
  normalizer: {
    readStatus: readIdVerificationStatus,
    normalize: (details, context) => ({ ...normalizeIdVerification(details, context) }),
    mediaRefs: idVerificationMediaRefs,
  },
  resultModel: IdVerificationResultDto,
  mediaNames: 'front, back, face, liveness-<n>, facemap',
});
