import { Injectable } from '@nestjs/common';
import { JumioTransport, RetrievalGateway } from '../../engine/product-kit/index.js';

/** ID Verification's calls: `/scans/{ref}` for status, `/data` once for all details, `/images` for the list. */
@Injectable()
export class ScanRetrievalGateway extends RetrievalGateway {
  constructor(transport: JumioTransport) {
    super(transport, { host: 'scans', collection: 'scans', details: 'data', mediaList: 'images' });
  }
}
