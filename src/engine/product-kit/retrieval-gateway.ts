import type { MediaRef } from '../domain/product-contracts.js';
import { JumioTransport, type JumioCallTarget, type JumioHost } from '../jumio-transport/jumio-transport.js';
import {
  type JumioDeleteResult,
  type JumioJsonResult,
  type JumioMediumResult,
} from '../jumio-transport/jumio-call-result.js';
import type { JumioTarget, ProductGateway } from './product-definition.js';

/**
 * Where a product's resources sit under /api/netverify/v2: `/{collection}/{ref}` is the status, and the
 * optional sub-resources are the details and the media list (absent when the status answer carries them).
 */
export interface RetrievalRoutes {
  host: JumioHost;
  collection: string;
  details: string | null;
  mediaList: string | null;
}

/** A product gateway described by its routes; a product subclasses it to name them (and to add query hints). */
export abstract class RetrievalGateway implements ProductGateway {
  protected constructor(
    private readonly transport: JumioTransport,
    private readonly routes: RetrievalRoutes,
  ) {}

  fetchStatus(t: JumioTarget): Promise<JumioJsonResult> {
    return this.get(t, null, true);
  }

  fetchDetails(t: JumioTarget): Promise<JumioJsonResult> | null {
    return this.routes.details === null ? null : this.get(t, this.routes.details);
  }

  fetchMediaList(t: JumioTarget): Promise<JumioJsonResult> | null {
    return this.routes.mediaList === null ? null : this.get(t, this.routes.mediaList);
  }

  fetchSubresource(t: JumioTarget, subresource: string): Promise<JumioJsonResult> {
    return this.get(t, subresource);
  }

  fetchMedium(t: JumioTarget, medium: MediaRef): Promise<JumioMediumResult> {
    return this.transport.getMedium(
      callTarget(t),
      this.routes.host,
      medium.href,
      medium.mediumClass,
      this.mediumQuery(medium),
    );
  }

  /**
   * Jumio's Delete API: DELETE on the transaction's own path (the status path). `stillAllowed` is asked right
   * before sending (see JumioTransport.delete).
   */
  deleteTransaction(t: JumioTarget, stillAllowed: () => boolean): Promise<JumioDeleteResult> {
    const path = `/${this.routes.collection}/${encodeURIComponent(t.reference)}`;
    return this.transport.delete(callTarget(t), this.routes.host, path, stillAllowed);
  }

  /** Query parameters a product adds to a medium's href (Document Verification's maskhint). */
  protected mediumQuery(_medium: MediaRef): Record<string, string> {
    return {};
  }

  private get(t: JumioTarget, subresource: string | null, statusCall = false): Promise<JumioJsonResult> {
    const path = `/${this.routes.collection}/${encodeURIComponent(t.reference)}${subresource ? `/${subresource}` : ''}`;
    return this.transport.getJson(callTarget(t), this.routes.host, path, { statusCall });
  }
}

function callTarget(t: JumioTarget): JumioCallTarget {
  return { account: t.account, datacenter: t.datacenter, probe: t.probe };
}
