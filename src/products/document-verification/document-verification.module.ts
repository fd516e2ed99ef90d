import { documentVerificationCallbackReader } from './callbacks/document-verification.callback-reader.js';
import { productModule } from '../../engine/product-kit/index.js';
import { DocumentRetrievalGateway } from './document-verification.gateway.js';
import { DocumentVerificationResultDto } from './dto/document-verification-result.dto.js';
import { documentVerificationNormalizer } from './normalization/document-verification.normalizer.js';

/** Document Verification: `/v1/document-verifications`. */
export const DocumentVerificationModule = productModule(
  {
    kind: 'document-verifications',
    gateway: DocumentRetrievalGateway,
    normalizer: documentVerificationNormalizer,
    callbacks: documentVerificationCallbackReader,
  },
  { resultModel: DocumentVerificationResultDto, mediaNames: 'page-<classifier>, original' },
);
