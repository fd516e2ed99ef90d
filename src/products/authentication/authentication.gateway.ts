import { Injectable } from '@nestjs/common';
import { JumioTransport, RetrievalGateway } from '../../engine/product-kit/index.js';

/**
 * Authentication's calls: `/authentications/{ref}` is both the status and the details, so there is no details
 * or media-list call (the engine reuses the final status answer); then the face and liveness images.
 */
@Injectable()
export class AuthenticationRetrievalGateway extends RetrievalGateway {
  constructor(transport: JumioTransport) {
    super(transport, { host: 'scans', collection: 'authentications', details: null, mediaList: null });
  }
}
