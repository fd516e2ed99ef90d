import { Injectable } from '@nestjs/common';
import type { MediaRef } from '../../engine/domain/product-contracts.js';
import { JumioTransport } from '../../engine/jumio-transport/jumio-transport.js';
import type { JumioTarget, ProductGateway } from '../../engine/products/product-definition.js';

/** ID Verification's calls: `/scans/{ref}` for status, `/data` once for all details, `/images` for the list. */
@Injectable()
export class ScanRetrievalGateway implements ProductGateway {
  constructor(private readonly transport: JumioTransport) {}

  fetchStatus(t: JumioTarget) {
    return this.transport.getJson(t.datacenter, 'scans', `/scans/${t.reference}`);
  }

  fetchDetails(t: JumioTarget) {
    return this.transport.getJson(t.datacenter, 'scans', `/scans/${t.reference}/data`);
  }

  fetchMediaList(t: JumioTarget) {
    return this.transport.getJson(t.datacenter, 'scans', `/scans/${t.reference}/images`);
  }

  fetchMedium(t: JumioTarget, medium: MediaRef) {
    return this.transport.getMedium(t.datacenter, 'scans', medium.href, medium.mediumClass);
  }
}
