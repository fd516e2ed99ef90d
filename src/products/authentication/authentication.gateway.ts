import { Injectable } from '@nestjs/common';
import type { MediaRef } from '../../engine/domain/product-contracts.js';
import { JumioTransport } from '../../engine/jumio-transport/jumio-transport.js';
import type { JumioTarget, ProductGateway } from '../../engine/products/product-definition.js';

/**
 * Authentication's calls: `/authentications/{ref}` is both the status and the details (so there is no
 * details or media-list call: the engine reuses the final status answer), then the face and liveness images.
 */
@Injectable()
export class AuthenticationRetrievalGateway implements ProductGateway {
  constructor(private readonly transport: JumioTransport) {}

  fetchStatus(t: JumioTarget) {
    return this.transport.getJson(t.datacenter, 'scans', `/authentications/${t.reference}`);
  }

  fetchMedium(t: JumioTarget, medium: MediaRef) {
    return this.transport.getMedium(t.datacenter, 'scans', medium.href, medium.mediumClass);
  }
}
