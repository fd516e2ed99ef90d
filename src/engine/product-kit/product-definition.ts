import type { ProductCallbackReader } from './callback-reader.js';
import type { Datacenter, Kind } from '../../common/kinds.js';
import type { MediaRef, NormalizeContext, StatusVerdict } from '../domain/product-contracts.js';
import type { JumioDeleteResult, JumioJsonResult, JumioMediumResult } from '../jumio-transport/jumio-call-result.js';

/** The transaction a gateway calls Jumio about: with its data center and account, and whether this is a probe. */
export interface JumioTarget {
  kind: Kind;
  reference: string;
  datacenter: Datacenter;
  /** The Jumio account whose credentials and ceiling the calls use. */
  account: string;
  /** The probe of a paused account (the one call it may make per probe interval). */
  probe?: boolean;
}

/**
 * A product's upstream calls: which paths, on which host. Everything else about talking to Jumio (credentials,
 * headers, ceilings, timeouts, href checks) is the engine's JumioTransport.
 */
export interface ProductGateway {
  /** The status call: Jumio's counted attempt. */
  fetchStatus(target: JumioTarget): Promise<JumioJsonResult>;
  /** Details, once the status is final; null when the status answer already is the details. */
  fetchDetails(target: JumioTarget): Promise<JumioJsonResult> | null;
  /** The media list; null when the details carry it. */
  fetchMediaList(target: JumioTarget): Promise<JumioJsonResult> | null;
  fetchMedium(target: JumioTarget, medium: MediaRef): Promise<JumioMediumResult>;
  /** Any other JSON sub-resource of the transaction (a callback's completion), e.g. `data/verification`. */
  fetchSubresource(target: JumioTarget, subresource: string): Promise<JumioJsonResult>;
  /** Jumio's Delete API; `stillAllowed` is asked right before sending (false: nothing is sent, CANCELLED). */
  deleteTransaction(target: JumioTarget, stillAllowed: () => boolean): Promise<JumioDeleteResult>;
}

/** A product's reading of Jumio's payloads (pure functions; see each product's normalization/ folder). */
export interface ProductNormalizer {
  readStatus(payload: unknown): StatusVerdict;
  normalize(details: unknown, context: NormalizeContext): Record<string, unknown>;
  /** `mediaList` is the media-list answer, or null when the product has no such call. */
  mediaRefs(mediaList: unknown, details: unknown): MediaRef[];
}

/** What a product module registers with the engine: adding a product means writing one of these. */
export interface ProductDefinition {
  kind: Kind;
  gateway: ProductGateway;
  normalizer: ProductNormalizer;
  /** Its callback, received directly, read into the payloads the normalizer reads. */
  callbacks: ProductCallbackReader;
}
