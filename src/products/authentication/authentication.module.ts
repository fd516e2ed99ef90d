import { authenticationCallbackReader } from './callbacks/authentication.callback-reader.js';
import { productModule } from '../../engine/product-kit/index.js';
import { AuthenticationRetrievalGateway } from './authentication.gateway.js';
import { AuthenticationResultDto } from './dto/authentication-result.dto.js';
import { authenticationNormalizer } from './normalization/authentication.normalizer.js';

/** Authentication: `/v1/authentications`, keyed by transactionReference. */
export const AuthenticationModule = productModule(
  {
    kind: 'authentications',
    gateway: AuthenticationRetrievalGateway,
    normalizer: authenticationNormalizer,
    callbacks: authenticationCallbackReader,
  },
  { resultModel: AuthenticationResultDto, mediaNames: 'face, liveness-<n>' },
);
