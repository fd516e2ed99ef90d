import { idVerificationCallbackReader } from './callbacks/id-verification.callback-reader.js';
import { productModule } from '../../engine/product-kit/index.js';
import { IdVerificationResultDto } from './dto/id-verification-result.dto.js';
import { ScanRetrievalGateway } from './id-verification.gateway.js';
import { idVerificationNormalizer } from './normalization/id-verification.normalizer.js';

/** ID Verification (Netverify): `/v1/id-verifications`. */
export const IdVerificationModule = productModule(
  {
    kind: 'id-verifications',
    gateway: ScanRetrievalGateway,
    normalizer: idVerificationNormalizer,
    callbacks: idVerificationCallbackReader,
  },
  { resultModel: IdVerificationResultDto, mediaNames: 'front, back, face, liveness-<n>, facemap' },
);
