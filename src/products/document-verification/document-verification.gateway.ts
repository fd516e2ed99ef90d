import { Inject, Injectable } from '@nestjs/common';
import type { AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import type { MediaRef } from '../../engine/domain/product-contracts.js';
import { JumioTransport } from '../../engine/jumio-transport/jumio-transport.js';
import type { JumioTarget, ProductGateway } from '../../engine/products/product-definition.js';

/**
 * Document Verification's calls, on the data center's `retrieval.` documents host: `/documents/{ref}` status,
 * `/data` once, `/pages` for the list. Card pages are asked for masked unless JUMIO_UNMASKED_CARD_IMAGES
 * (Jumio answers 403 to unmasked when the account lacks it; the engine records that and does not retry).
 */
@Injectable()
export class DocumentRetrievalGateway implements ProductGateway {
  private readonly maskhint: 'masked' | 'unmasked';

  constructor(
    private readonly transport: JumioTransport,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.maskhint = config.jumio.unmaskedCardImages ? 'unmasked' : 'masked';
  }

  fetchStatus(t: JumioTarget) {
    return this.transport.getJson(t.datacenter, 'documents', `/documents/${t.reference}`);
  }

  fetchDetails(t: JumioTarget) {
    return this.transport.getJson(t.datacenter, 'documents', `/documents/${t.reference}/data`);
  }

  fetchMediaList(t: JumioTarget) {
    return this.transport.getJson(t.datacenter, 'documents', `/documents/${t.reference}/pages`);
  }

  fetchMedium(t: JumioTarget, medium: MediaRef) {
    const query: Record<string, string> = medium.mediumClass === 'image' ? { maskhint: this.maskhint } : {};
    return this.transport.getMedium(t.datacenter, 'documents', medium.href, medium.mediumClass, query);
  }
}
