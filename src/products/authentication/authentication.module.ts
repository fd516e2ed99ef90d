import { productModule } from '../../engine/products/product-module.js';
import { AuthenticationRetrievalGateway } from './authentication.gateway.js';
import { AuthenticationResultDto } from './dto/authentication-result.dto.js';
import { authenticationMediaRefs, normalizeAuthentication, readAuthenticationStatus } from './normalization/authentication.normalizer.js';

/** Authentication: `/v1/authentications`, keyed by transactionReference. */
export const AuthenticationModule = productModule({
  kind: 'authentications',
  gateway: AuthenticationRetrievalGateway,
  normalizer: {
    readStatus: readAuthenticationStatus,
    normalize: (details, context) => ({ ...normalizeAuthentication(details, context) }),
    // Authentication lists its media in the details (the final status answer).
    mediaRefs: (_mediaList, details) => authenticationMediaRefs(details),
  },
  resultModel: AuthenticationResultDto,
  mediaNames: 'face, liveness-<n>',
});
