import { Inject, Injectable } from '@nestjs/common';
import type { AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import { JumioTransport, type MediaRef, RetrievalGateway } from '../../engine/product-kit/index.js';

/**
 * Document Verification's calls, on the data center's `retrieval.` documents host: `/documents/{ref}` status,
 * `/data` once, `/pages` for the list. Card pages are asked for masked unless JUMIO_UNMASKED_CARD_IMAGES
 * (Jumio answers 403 to unmasked when the account lacks it; the engine records that and does not retry).
 */
@Injectable()
export class DocumentRetrievalGateway extends RetrievalGateway {
  private readonly maskhint: 'masked' | 'unmasked';

  constructor(transport: JumioTransport, @Inject(APP_CONFIG) config: AppConfig) {
    super(transport, { host: 'documents', collection: 'documents', details: 'data', mediaList: 'pages' });
    this.maskhint = config.jumio.unmaskedCardImages ? 'unmasked' : 'masked';
  }

  protected mediumQuery(medium: MediaRef): Record<string, string> {
    return medium.mediumClass === 'image' ? { maskhint: this.maskhint } : {};
  }
}
